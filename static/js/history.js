// The history page: past interviews, newest first, with their overall score
// when scored (each scored interview's report is fetched, at most 50), a
// trend chart per track (overall, or any dimension, over time), links to the
// report and the replay, and delete with confirmation.
import { api } from "./api.js";
import { h, lineChart, chartWidth, redrawOnResize } from "./charts.js";

const $ = (sel) => document.querySelector(sel);
const statusEl = $("#status");
const tbody = $("#sessions tbody");
const MAX_REPORTS = 50;
const human = (s) => String(s || "").replace(/[-_.]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());
const when = (s) => new Date(s.started_at || s.created_at);
const fmtDate = (d) => d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
const STATES = { created: "Not started", live: "In progress", ended: "Ended, scoring", interrupted: "Interrupted", scored: "Scored", failed: "Scoring failed" };
const DIMS = [["overall", "Overall"], ["content", "Content"], ["tradeoffs", "Tradeoffs"], ["production", "Production"],
  ["structure", "Structure"], ["star", "STAR"], ["delivery", "Delivery"]];

let sessions = [];
const reports = new Map(); // session id -> report
const shown = new Map(); // track -> Set of dimension names shown in its chart

function status(msg, cls = "") {
  statusEl.className = `status ${cls}`.trim();
  statusEl.replaceChildren(msg);
}

async function main() {
  try {
    const res = await api("GET", "/api/v1/sessions?limit=100");
    sessions = (res && res.sessions) || [];
  } catch (err) {
    status(`Could not load your interviews: ${err.message}`, "notice-error");
    return;
  }
  if (!sessions.length) {
    status(h("span", {}, "No interviews yet. ", h("a", { href: "./" }, "Start your first one.")));
    return;
  }
  $("#list-section").hidden = false;
  for (const s of sessions) tbody.append(row(s));
  const scored = sessions.filter((s) => s.state === "scored").slice(0, MAX_REPORTS);
  status(scored.length ? `Loading scores of ${scored.length} interview(s)…` : `${sessions.length} interview(s).`);
  await pool(scored, 4, async (s) => {
    const cell = tbody.querySelector(`tr[data-id="${CSS.escape(s.id)}"] .score`);
    try {
      const r = await api("GET", `/api/v1/sessions/${encodeURIComponent(s.id)}/report`);
      reports.set(s.id, r);
      if (cell) fillScore(cell, r);
    } catch (err) {
      if (cell) cell.replaceChildren(h("span", { class: "hint", title: err.message }, "unavailable"));
    }
  });
  status(`${sessions.length} interview(s).`, "visually-hidden-status");
  drawTrends();
  redrawOnResize($("#trends"), drawTrends);
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

function row(s) {
  const d = when(s);
  const enc = encodeURIComponent(s.id);
  const label = `${human(s.track)} interview of ${fmtDate(d)}`;
  const score = h("td", { class: "score", "data-label": "Score" },
    s.state === "scored" ? h("span", { class: "hint" }, "…") : h("span", { class: "hint" }, "—"));
  const del = h("button", { type: "button", class: "danger", "data-testid": "delete-button", "aria-label": `Delete the ${label}`,
    onclick: () => remove(s, label, del) }, "Delete");
  return h("tr", { "data-id": s.id, "data-testid": "session-row" },
    h("td", { "data-label": "Date" }, h("time", { datetime: d.toISOString() }, fmtDate(d))),
    h("td", { "data-label": "Track" }, human(s.track)),
    h("td", { "data-label": "Mode" }, human(s.mode)),
    h("td", { "data-label": "Minutes" }, String(s.minutes ?? "")),
    h("td", { "data-label": "State" }, STATES[s.state] || human(s.state)),
    score,
    h("td", { class: "row-actions", "data-label": "Actions" },
      ["ended", "scored", "failed", "interrupted"].includes(s.state)
        ? [h("a", { href: `report.html?session=${enc}`, "aria-label": `Report of the ${label}` }, "Report"), " ",
          h("a", { href: `review.html?session=${enc}`, "aria-label": `Replay the ${label}` }, "Replay"), " "]
        : null,
      del));
}

function fillScore(cell, r) {
  if (r.judged) {
    cell.replaceChildren(h("strong", { "data-testid": "history-score" }, String(r.overall)), h("span", { class: "hint" }, " / 100"));
  } else {
    cell.replaceChildren(h("span", { class: "hint", title: r.reason || "" }, "not scored"));
  }
}

async function remove(s, label, btn) {
  if (!confirm(`Delete the ${label}?\n\nIts transcript, recordings and report are deleted too. This cannot be undone.`)) return;
  btn.disabled = true;
  status(`Deleting the ${label}…`);
  try {
    await api("DELETE", `/api/v1/sessions/${encodeURIComponent(s.id)}`);
  } catch (err) {
    if (!/not found/i.test(err.message)) {
      btn.disabled = false;
      status(`Could not delete the ${label}: ${err.message}`, "notice-error");
      return;
    }
  }
  const tr = btn.closest("tr");
  const next = tr.nextElementSibling || tr.previousElementSibling;
  tr.remove();
  sessions = sessions.filter((x) => x.id !== s.id);
  reports.delete(s.id);
  status(`Deleted the ${label}.`);
  drawTrends();
  if (!sessions.length) {
    $("#list-section").hidden = true;
    status(h("span", {}, "Deleted. No interviews left. ", h("a", { href: "./" }, "Start a new one.")));
  } else {
    const focusable = next && next.querySelector("a, button");
    (focusable || $("#list-h")).focus();
  }
}

function drawTrends() {
  const byTrack = new Map();
  for (const s of sessions) {
    const r = reports.get(s.id);
    if (!r || !r.judged) continue;
    if (!byTrack.has(s.track)) byTrack.set(s.track, []);
    byTrack.get(s.track).push({ s, r, t: when(s).getTime() });
  }
  const box = $("#trends");
  $("#trends-section").hidden = byTrack.size === 0;
  const keep = new Map([...box.querySelectorAll("[data-track]")].map((e) => [e.dataset.track, e]));
  const out = [];
  for (const [track, pts] of [...byTrack].sort((a, b) => a[0].localeCompare(b[0]))) {
    pts.sort((a, b) => a.t - b.t);
    if (!shown.has(track)) shown.set(track, new Set(["overall"]));
    const sel = shown.get(track);
    const dims = DIMS.filter(([n]) => n === "overall" || pts.some((p) => (p.r.dimensions || []).some((d) => d.name === n)));
    const slot = (keep.get(track) && keep.get(track).querySelector(".chart-slot")) || h("div", { class: "chart-slot" });
    const valueOf = (p, n) => (n === "overall" ? p.r.overall : ((p.r.dimensions || []).find((d) => d.name === n) || {}).score);
    const series = dims.filter(([n]) => sel.has(n)).map(([n, label]) => ({
      name: label, cls: `dim-${n}`,
      points: pts.filter((p) => valueOf(p, n) !== undefined).map((p) => ({
        x: p.t, y: valueOf(p, n), tip: `${fmtDate(new Date(p.t))}: ${label} ${valueOf(p, n)}`,
      })),
    }));
    const xMin = pts[0].t, xMax = pts[pts.length - 1].t;
    const ticks = xMax > xMin ? [0, 1, 2, 3].map((i) => xMin + ((xMax - xMin) * i) / 3) : [xMin];
    const dateFmt = (v) => new Date(v).toLocaleDateString(undefined, { month: "short", day: "numeric" });
    slot.replaceChildren(series.length ? lineChart({
      title: `${human(track)}: scores over time`, testid: "trend-chart", width: chartWidth(slot.isConnected ? slot : box),
      desc: `${pts.length} scored interview(s) on ${human(track)}. ` + series.map((s) =>
        `${s.name}: ${s.points.map((p) => `${dateFmt(p.x)} ${p.y}`).join(", ")}`).join(". "),
      xLabel: "Date", yLabel: "Score (0–100)", yMin: 0, yMax: 100,
      xMin: xMax > xMin ? xMin : xMin - 86400000, xMax: xMax > xMin ? xMax : xMax + 86400000,
      xTicks: ticks, xFormat: dateFmt, series,
    }) : h("p", { class: "hint" }, "Choose at least one score to show."));
    const group = h("fieldset", { class: "dims" }, h("legend", {}, "Show"),
      dims.map(([n, label]) => h("label", { class: "check" },
        h("input", { type: "checkbox", value: n, checked: sel.has(n), "data-testid": "trend-toggle",
          onchange: (e) => { e.target.checked ? sel.add(n) : sel.delete(n); drawTrends(); } }),
        ` ${label}`)));
    const fig = h("figure", { class: "chart-box", "data-track": track },
      h("figcaption", {}, `${human(track)} (${pts.length} scored)`), group, slot);
    out.push(fig);
  }
  // Keep focus on a checkbox that was just toggled.
  const active = document.activeElement;
  const activeKey = active && active.closest && active.closest("[data-track]") ? [active.closest("[data-track]").dataset.track, active.value] : null;
  box.replaceChildren(...out);
  if (activeKey) {
    const again = box.querySelector(`[data-track="${CSS.escape(activeKey[0])}"] input[value="${CSS.escape(activeKey[1])}"]`);
    if (again) again.focus();
  }
}

main();
