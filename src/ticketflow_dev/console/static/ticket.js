// One ticket's page: its journey as a waterfall, the triage and scores, the reply and the history. While the
// ticket is not final it is read again on each pushed snapshot, one request at a time.
"use strict";

const TICKET_ID = decodeURIComponent(location.pathname.split("/").pop());
const FINAL = new Set(["RESPONDED", "FAILED", "REJECTED"]);
let final = false;
let reading = false;

function drawTicket(ticket) {
  document.title = `${ticket.ticket_id} · ticketflow console`;
  fill("ticket-id", ticket.ticket_id);
  fill("status", statusBadge(ticket.status));
  fill("reason", ticket.status_reason || "");
  const triage = [["priority", ticket.priority], ["why", ticket.priority_reasoning], ["sentiment", ticket.sentiment],
    ["product", ticket.product], ["issue", ticket.issue_type], ["subject", ticket.subject]];
  fill("triage", triage.filter(([, value]) => value).flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
  fill("scores", Object.entries(ticket.scores).map(([name, score]) => {
    const bar = h("span", { class: `bar score-${name}` });
    bar.style.width = `${Math.round(score * 100)}%`;
    return h("div", { class: "score" }, h("span", { class: "label" }, name), h("span", { class: "track" }, bar),
      h("span", { class: "number" }, Number(score).toFixed(3)));
  }));
  fill("reply", ticket.reply || (FINAL.has(ticket.status) ? "(no reply: the ticket did not respond)" : "(not yet)"));
  fill("history", ticket.history.map((entry) => h("tr", {}, h("td", {}, shortTime(entry.at)), h("td", {}, statusBadge(entry.status)),
    h("td", { class: "reason" }, entry.reason || ""))));
  final = FINAL.has(ticket.status);
}

function drawJourney(journey, error) {
  if (!journey) {
    fill("journey", h("p", { class: "muted" }, error || "No trace for this ticket yet."));
    return;
  }
  const spans = journey.spans.filter((span) => span.started);
  const start = Math.min(...spans.map((span) => Date.parse(span.started)));
  const end = Math.max(...spans.map((span) => Date.parse(span.ended || span.started)));
  const total = Math.max(end - start, 1);
  const rows = journey.spans.map((span) => {
    const bar = h("span", { class: `bar outcome-${(span.outcome || "ok").toLowerCase()}` });
    if (span.started) {
      const from = Date.parse(span.started) - start;
      const length = Date.parse(span.ended || span.started) - Date.parse(span.started);
      bar.style.left = `${(100 * from) / total}%`;
      bar.style.width = `${Math.max((100 * length) / total, 0.4)}%`;
    }
    const duration = span.started && span.ended ? `${Date.parse(span.ended) - Date.parse(span.started)} ms` : "";
    return h("div", { class: "span-row", "data-span": `${span.service}:${span.name}` },
      h("span", { class: "service" }, span.service), h("span", { class: "name", title: span.detail || "" }, span.name),
      h("span", { class: "lane" }, bar), h("span", { class: "duration" }, duration),
      h("span", { class: "outcome" }, span.outcome || ""));
  });
  const gaps = (journey.gaps || []).map((gap) => h("li", {}, typeof gap === "string" ? gap : JSON.stringify(gap)));
  fill("journey", h("div", { class: "span-rows" }, rows),
    h("p", { class: "muted" }, `${journey.spans.length} spans over ${total} ms`),
    gaps.length ? h("div", {}, h("h3", {}, "Gaps"), h("ul", { class: "gaps" }, gaps)) : null);
}

async function read() {
  if (reading) return;
  reading = true;
  try {
    const view = await getJson(`/api/tickets/${encodeURIComponent(TICKET_ID)}`);
    drawTicket(view.ticket);
    drawJourney(view.journey, view.journey_error);
    fill("error");
  } catch (error) {
    fill("error", h("p", {}, error.message));
  } finally {
    reading = false;
  }
}

fill("ticket-id", TICKET_ID);
read();
followSnapshots(() => {
  if (!final) read();
});
