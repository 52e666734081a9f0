// What both pages share: the token, DOM building without innerHTML (ticket text is user input), JSON
// requests, and the live snapshot stream.
"use strict";

const TOKEN = document.querySelector('meta[name="console-token"]').content;

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function fill(id, ...children) {
  const target = document.getElementById(id);
  target.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
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
