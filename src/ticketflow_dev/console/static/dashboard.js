// The dashboard: the pipeline diagram with live counts, the recent tickets (filtered here, in the page),
// the dead letters with replay, the alarms, the warehouse and the faults, redrawn on every snapshot.
"use strict";

const FILTERS = ["status", "priority", "sentiment"];
let latest = null;

function stageBox(stage) {
  const counts = stage.counts.map((count) =>
    h("div", { class: "count" }, h("span", { class: "value", "data-count": `${stage.key}:${count.label}` }, count.value),
      h("span", { class: "label" }, count.label)));
  const steps = (stage.steps || []).map(stepItem);
  return h("div", { class: `stage stage-${stage.key}`, "data-stage": stage.key },
    h("div", { class: "title" }, stage.title),
    h("div", { class: "detail" }, stage.detail),
    h("div", { class: "counts" }, counts),
    steps.length ? h("ol", { class: "steps" }, steps) : null);
}

function stepItem(step) {
  const calls = step.calls === undefined ? null
    : h("span", { class: "calls" }, `${step.calls} calls`, step.faults ? h("span", { class: "fault" }, ` · ${step.faults} faulted`) : null);
  const branches = step.branches.length
    ? h("div", { class: "branches" }, step.branches.map((branch) => h("ol", {}, branch.map(stepItem))))
    : null;
  return h("li", { class: `step type-${(step.type || "").toLowerCase()}` }, h("span", {}, step.name), calls, branches);
}

function arrow() {
  return h("div", { class: "arrow" }, "→");
}

function drawPipeline(stages) {
  const byKey = Object.fromEntries(stages.map((stage) => [stage.key, stageBox(stage)]));
  fill("pipeline",
    byKey.producer, arrow(), byKey.stream, arrow(), byKey.trigger, arrow(), byKey.state_machine, arrow(),
    h("div", { class: "stack" }, byKey.table, byKey.archive, byKey.topic), arrow(), byKey.warehouse);
}

function drawErrors(errors) {
  const entries = Object.entries(errors);
  fill("errors", entries.length
    ? h("ul", { class: "errors" }, entries.map(([section, error]) => h("li", {}, h("b", {}, section), `: ${error}`)))
    : null);
}

function drawCost(cost) {
  document.getElementById("cost").textContent =
    `updated ${shortTime(cost.at)} · round ${cost.round}: ${cost.requests} requests, ${Math.round(cost.seconds * 1000)} ms` +
    ` · every ${cost.interval} s`;
}

function selected(name) {
  return document.getElementById(`filter-${name}`).value;
}

function drawRecent() {
  if (!latest) return;
  const matching = latest.recent.filter((ticket) => FILTERS.every((name) => !selected(name) || ticket[name] === selected(name)));
  fill("recent", matching.map((ticket) => h("tr", { "data-ticket": ticket.ticket_id },
    h("td", {}, ticketLink(ticket.ticket_id)),
    h("td", {}, statusBadge(ticket.status)),
    h("td", {}, shortTime(ticket.status_at)),
    h("td", {}, ticket.priority || ""),
    h("td", {}, ticket.sentiment || ""),
    h("td", {}, ticket.product || ""),
    h("td", { class: "reason" }, ticket.status_reason || ""))));
  document.getElementById("shown").textContent = `${matching.length} of the ${latest.recent.length} newest`;
}

function drawDeadLetters(queue) {
  document.getElementById("dlq-depth").textContent = queue ? `${queue.visible} waiting, ${queue.in_flight} in flight` : "";
  if (!queue || !queue.letters.length) {
    fill("dead-letters", h("p", { class: "muted" }, queue ? "The queue is empty." : "–"));
    return;
  }
  const rows = queue.letters.map((letter) => h("tr", { "data-letter": letter.message_id },
    h("td", {}, letter.ticket_id ? ticketLink(letter.ticket_id) : letter.partition_key || "(not a letter)"),
    h("td", { class: "reason" }, letter.reason || (letter.body || "").slice(0, 80)),
    h("td", {}, shortTime(letter.failed_at)),
    h("td", {}, letter.replayable
      ? h("button", { class: "replay", onclick: () => replay({ message_ids: [letter.message_id] }) }, "Replay")
      : "")));
  fill("dead-letters",
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "ticket"), h("th", {}, "reason"), h("th", {}, "failed at"), h("th", {}))),
      h("tbody", {}, rows)),
    h("button", { id: "replay-all", onclick: () => replay({ all: true }) }, "Replay all"));
}

async function replay(body) {
  const result = document.getElementById("replay-result");
  result.textContent = "replaying…";
  try {
    const report = await postJson("/api/dead-letters/replay", body);
    const details = report.letters.filter((letter) => letter.detail).map((letter) => `${letter.message_id}: ${letter.outcome} ${letter.detail}`);
    result.textContent = shown([report.summary, ...details, ...report.notes, report.error].filter(Boolean).join("\n"));
  } catch (error) {
    result.textContent = shown(`replay refused: ${error.message}`);
  }
}

function drawAlarms(alarms) {
  fill("alarms", alarms.length
    ? h("table", {}, h("tbody", {}, alarms.map((alarm) => h("tr", { "data-alarm": alarm.name },
      h("td", {}, h("span", { class: `badge alarm-${(alarm.state || "").toLowerCase()}` }, alarm.state)),
      h("td", {}, h("div", {}, alarm.name), h("div", { class: "muted" }, `${alarm.metric} · since ${shortTime(alarm.updated)}`))))))
    : h("p", { class: "muted" }, "No alarms found."));
}

function drawWarehouse(warehouse) {
  const etl = warehouse.etl;
  fill("warehouse",
    h("div", { class: "big" }, warehouse.rows === null || warehouse.rows === undefined ? "–" : String(warehouse.rows),
      h("span", { class: "muted" }, " rows in processed_tickets")),
    etl
      ? h("p", {}, `last ETL ${shortTime(etl.written_at)}: scanned ${etl.scanned}, loaded ${etl.loaded}, rejected ${etl.rejected} in ${Number(etl.seconds).toFixed(2)} s`)
      : h("p", { class: "muted" }, "No ETL run yet: `ticketflow etl` loads the archive."));
}

function drawFaults(faults) {
  if (!faults) {
    fill("faults", h("p", { class: "muted" }, "fake_bedrock's admin endpoint does not answer."));
    return;
  }
  const operations = Object.entries(faults.config.operations || {});
  const aws = (faults.aws || []).length
    ? h("table", { id: "aws-faults" }, h("thead", {}, h("tr", {}, ["AWS call", "fault", "rate", "fired"].map((name) => h("th", {}, name)))),
      h("tbody", {}, faults.aws.map((rule) => h("tr", {}, h("td", {}, rule.target), h("td", {}, rule.fault),
        h("td", {}, rule.rate), h("td", {}, rule.fired)))))
    : null;
  const rules = operations.length
    ? h("table", {}, h("thead", {}, h("tr", {}, ["operation", "error rate", "latency", "bad output"].map((name) => h("th", {}, name)))),
      h("tbody", {}, operations.map(([operation, rule]) => h("tr", { "data-fault": operation },
        h("td", {}, operation), h("td", {}, rule.error_rate), h("td", {}, latencyText(rule.latency)),
        h("td", {}, rule.bad_output_rate)))))
    : aws ? null : h("p", { class: "muted", id: "no-faults" }, "No faults injected.");
  const stats = Object.entries(faults.stats).map(([operation, numbers]) =>
    `${operation}: ${numbers.requests} requests, ${numbers.errors} errors, ${numbers.bad_outputs} bad outputs`);
  fill("faults", rules, aws, h("p", { class: "muted" }, stats.join(" · ") || "No calls yet."));
}

function latencyText(latency) {
  if (!latency) return "–";
  if (latency.distribution === "fixed") return `${latency.ms} ms`;
  if (latency.distribution === "uniform") return `${latency.min_ms}–${latency.max_ms} ms`;
  return `${latency.mean_ms} ± ${latency.stddev_ms} ms`;
}

async function submitFaults(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = Object.fromEntries([...form.entries()].filter(([, value]) => value !== ""));
  await runFaultAction(() => postJson("/api/faults", body), "set");
}

async function runFaultAction(call, what) {
  const result = document.getElementById("faults-result");
  try {
    await call();
    result.textContent = `faults ${what}`;
  } catch (error) {
    result.textContent = shown(`refused: ${error.message}`);
  }
}

// The filters' choices come with the first snapshot (the pipeline's own enums).
function offerChoices(choices) {
  for (const name of FILTERS) {
    const select = document.getElementById(`filter-${name}`);
    if (select.options.length === 1) select.append(...choices[name].map((choice) => h("option", { value: choice }, choice)));
  }
}

function draw(snapshot) {
  latest = snapshot;
  offerChoices(snapshot.choices);
  drawPipeline(snapshot.stages);
  drawErrors(snapshot.errors);
  drawCost(snapshot.cost);
  drawRecent();
  drawDeadLetters(snapshot.dead_letters);
  drawAlarms(snapshot.alarms);
  drawWarehouse(snapshot.warehouse);
  drawFaults(snapshot.faults);
}

function setUp() {
  for (const name of FILTERS) document.getElementById(`filter-${name}`).addEventListener("change", drawRecent);
  document.getElementById("faults-form").addEventListener("submit", submitFaults);
  document.getElementById("faults-clear").addEventListener("click",
    () => runFaultAction(() => postJson("/api/faults/clear"), "cleared"));
  followSnapshots(draw);
}

setUp();
