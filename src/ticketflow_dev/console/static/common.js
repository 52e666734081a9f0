// What both pages share: the token, DOM building without innerHTML (ticket text is user input) and with
// hidden characters shown, JSON requests, and the live snapshot stream.
"use strict";

const TOKEN = document.querySelector('meta[name="console-token"]').content;

// Control characters but newline and tab, the bidirectional formatting characters that reorder text, and
// invisible ones (zero-width space, word joiner, invisible operators, byte order mark, tag characters): as
// the terminal shows them (ticketflow_dev.core.safe_text), by their code, so stored text cannot act on the
// page or mislead whoever reads it ("invoice\u202efdp.exe" is not "invoiceexe.pdf").
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u{e0000}-\u{e007f}]/gu;

function shown(text) {
  return String(text).replace(HIDDEN, (character) => {
    const point = character.codePointAt(0);
    if (point < 0x100) return `\\x${point.toString(16).padStart(2, "0")}`;
    return point < 0x10000 ? `\\u${point.toString(16).padStart(4, "0")}` : `\\U${point.toString(16).padStart(8, "0")}`;
  });
}

// Text only ever becomes a text node or an attribute's value, shown(); never markup.
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : shown(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(shown(child)));
  }
  return element;
}

function fill(id, ...children) {
  const target = document.getElementById(id);
  const nodes = children.flat().filter((child) => child !== null && child !== undefined);
  target.replaceChildren(...nodes.map((child) => (child instanceof Node ? child : shown(child))));
  return target;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { "X-Ticketflow-Token": TOKEN } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// State changes: POST with the token in a header (the server refuses them otherwise).
async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Ticketflow-Token": TOKEN },
    body: JSON.stringify(body || {}),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    parsed = { error: text };
  }
  if (!response.ok) throw new Error(parsed.error || response.statusText);
  return parsed;
}

// Calls onSnapshot with each snapshot the server pushes; shows the connection's state in #live.
function followSnapshots(onSnapshot) {
  const badge = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    badge.textContent = "live";
    badge.className = "badge live";
  });
  source.addEventListener("error", () => {
    badge.textContent = "reconnecting…";
    badge.className = "badge stale";
  });
  source.addEventListener("snapshot", (event) => {
    const snapshot = JSON.parse(event.data);
    document.body.dataset.round = snapshot.cost.round;
    onSnapshot(snapshot);
  });
  return source;
}

function statusBadge(status) {
  return h("span", { class: `badge status-${(status || "unknown").toLowerCase()}` }, status || "?");
}

function ticketLink(ticketId) {
  return h("a", { href: `/tickets/${encodeURIComponent(ticketId)}`, class: "ticket-link" }, ticketId);
}

function shortTime(iso) {
  return iso ? iso.replace("T", " ").replace(/(\.\d+)?(\+00:00|Z)$/, "") : "–";
}
