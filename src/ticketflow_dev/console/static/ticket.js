// One ticket's page: its journey as a waterfall, the triage and scores, the reply and the history. While the
// ticket is not final it is read again on each pushed snapshot, one request at a time.
"use strict";

const TICKET_ID = decodeURIComponent(location.pathname.split("/").pop());
const FINAL = new Set(["RESPONDED", "FAILED", "REJECTED"]);
let final = false;
let reading = false;

function drawTicket(ticket) {
  if (!ticket) {
    fill("reason", "The table has no item for this ticket (see its journey for where it went).");
    return;
  }
  document.title = shown(`${ticket.ticket_id} · ticketflow console`);
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


// The waterfall: one row per span on the journey's own clock; an instant (no end) is a thin mark.
function drawJourney(journey) {
  if (!journey.spans.length) {
    fill("journey", h("p", { class: "muted" }, "No service has anything on this ticket yet."), gapList(journey.gaps));
    return;
  }
  const start = Math.min(...journey.spans.map((span) => Date.parse(span.started)));
  const end = Math.max(...journey.spans.map((span) => Date.parse(span.ended || span.started)));
  const total = Math.max(end - start, 1);
  const rows = journey.spans.map((span) => {
    const bar = h("span", { class: `bar outcome-${span.outcome}` });
    bar.style.left = `${(100 * (Date.parse(span.started) - start)) / total}%`;
    bar.style.width = `${(100 * (span.seconds || 0) * 1000) / total}%`;
    const entries = Object.entries(span.detail || {}).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]);
    // The row shows the short facts (status, key, message id…); the whole detail is the row's tooltip.
    const short = entries.filter(([, value]) => value.length <= 48 && !value.startsWith("[")).slice(0, 4);
    return h("div", { class: "span-row", "data-span": span.name, title: entries.map((entry) => entry.join(": ")).join("\n") },
      h("span", { class: "service" }, span.service),
      h("span", { class: "name" }, span.name, short.length ? h("span", { class: "span-detail" }, short.map((entry) => entry.join(": ")).join(" · ")) : null),
      h("span", { class: "lane" }, bar),
      h("span", { class: "duration" }, span.seconds === null ? "" : `${Math.round(span.seconds * 1000)} ms`),
      h("span", { class: `outcome outcome-text-${span.outcome}` }, span.outcome));
  });
  fill("journey", h("div", { class: "span-rows" }, rows),
    h("p", { class: "muted" }, `${journey.spans.length} spans over ${total} ms, from ${shortTime(journey.spans[0].started)}`),
    gapList(journey.gaps));
}

function gapList(gaps) {
  return gaps.length ? h("div", {}, h("h3", {}, "Not found"), h("ul", { class: "gaps" }, gaps.map((gap) => h("li", {}, gap)))) : null;
}

async function read() {
  if (reading) return;
  reading = true;
  try {
    const view = await getJson(`/api/tickets/${encodeURIComponent(TICKET_ID)}`);
    drawTicket(view.ticket);
    drawJourney(view.journey);
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
