// The report page, in two modes chosen by <body data-page>:
//  - report.html?session=ID (the owner's): shows the scorer's report (overall
//    and per-dimension scores, each question's concept checklist with evidence
//    that plays the candidate's recording from that moment, red flags,
//    tradeoffs, the three improvements, delivery charts), the language model's
//    second opinion when there is one, Markdown / JSON downloads, and the
//    "Share with a coach" links.
//  - shared.html?token=TOKEN (data-page="shared"): the same report, read-only,
//    fed from /api/v1/shared/{token}; no share links, no transcript links.
import { api, fmtClock } from "./api.js";
import { h, sessionParam, errorKind, goneMessage, lineChart, barChart, chartWidth, redrawOnResize } from "./charts.js";

const SHARED = document.body.dataset.page === "shared";
const token = SHARED ? (new URLSearchParams(location.search).get("token") || "").trim() : "";
let id = SHARED ? "" : sessionParam();
const base = `/api/v1/sessions/${encodeURIComponent(id)}`;
const sharedBase = `/api/v1/shared/${encodeURIComponent(token)}`;
const $ = (sel) => document.querySelector(sel);
const statusEl = $("#status");
const audio = $("#candidate-audio");
let report = null;
let session = null;

const STATE = {
  hit: { sym: "✓", text: "Covered" },
  partial: { sym: "~", text: "Partly covered" },
  missed: { sym: "✗", text: "Missed" },
};
const KIND = { strength: "Strength", gap: "Gap", error: "Error" };

const mmss = (ms) => (typeof fmtClock === "function" ? fmtClock(ms) : String(Math.round(ms / 1000)));
const human = (id) => String(id || "").replace(/[-_.]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());
const sentence = (s) => { const t = String(s || "").trim(); return t ? t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".") : ""; };
const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—");

function status(msg, cls = "") {
  statusEl.className = `status ${cls}`.trim();
  statusEl.replaceChildren(...(Array.isArray(msg) ? msg : [msg]));
}

async function main() {
  if (SHARED) { await mainShared(); return; }
  if (!id) {
    status(h("span", {}, "No interview was given. ", h("a", { href: "history.html" }, "Pick one from your history.")), "notice-error");
    return;
  }
  try {
    session = await api("GET", base);
  } catch (err) {
    if (errorKind(err) === "gone") status(goneMessage());
    else status(`Could not load this interview: ${err.message}`, "notice-error");
    return;
  }
  showMeta();
  setupShare();
  const started = Date.now();
  for (;;) {
    try {
      report = await api("GET", `${base}/report`);
      break;
    } catch (err) {
      const kind = errorKind(err);
      if (kind === "gone") {
        // Either the interview was deleted meanwhile, or this server says
        // "not found" for a report it has not made yet: ask the session.
        try {
          session = await api("GET", base);
        } catch (e2) {
          if (errorKind(e2) === "gone") { status(goneMessage()); hideShare(); return; }
        }
      } else if (kind !== "not_ready") {
        status(`Could not load the report: ${err.message}. Retrying…`, "notice-error");
        await sleep(3000);
        continue;
      }
      if (session && session.state === "failed") {
        status(h("span", {}, "Scoring failed for this interview, so there is no report. ",
          h("a", { href: `review.html?session=${encodeURIComponent(id)}` }, "You can still replay it.")), "notice-error");
        return;
      }
      if (session && (session.state === "created" || session.state === "live")) {
        status("This interview has not ended yet. The report is made when it ends; this page will update by itself.");
        await sleep(3000);
        try { session = await api("GET", base); } catch (e3) { if (errorKind(e3) === "gone") { status(goneMessage()); hideShare(); return; } }
        continue;
      }
      const slow = Date.now() - started > 60000 ? " This is taking longer than usual; the page keeps checking." : "";
      status(`Preparing your report…${slow}`);
      await sleep(1000);
    }
  }
  status("Report loaded.", "visually-hidden-status");
  render();
}

// mainShared loads a report through a share token. An unknown, expired or
// revoked link shows the server's message and nothing else.
async function mainShared() {
  if (!token) { shareError("This link is incomplete: it has no token. Ask for the full link again."); return; }
  let data;
  try {
    data = await api("GET", sharedBase);
  } catch (err) {
    if (err.status === 404 || err.status === 410 || /^share_/.test(err.code || "")) shareError(sentence(err.message));
    else status(`Could not load the shared report: ${err.message}. Reload the page to try again.`, "notice-error");
    return;
  }
  session = data && data.session;
  if (session) { id = session.id || ""; showMeta(); }
  if (!data || !data.report) {
    status(h("span", { "data-testid": "share-not-ready" }, "The report is not ready yet; try again in a minute. ",
      h("button", { type: "button", class: "link", onclick: () => location.reload() }, "Reload")));
    return;
  }
  report = data.report;
  status("Report loaded.", "visually-hidden-status");
  render();
}

function shareError(msg) {
  statusEl.className = "status";
  statusEl.replaceChildren(h("div", { class: "notice notice-error share-error", "data-testid": "share-error" },
    h("h2", {}, "This shared report cannot be opened"),
    h("p", {}, msg)));
  const banner = $("#shared-banner");
  if (banner) banner.hidden = true;
  document.title = "Shared report unavailable — Viva";
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function showMeta() {
  const when = session.started_at || session.created_at;
  const parts = [human(session.track), human(session.mode), `${session.minutes} min`];
  if (when) parts.unshift(new Date(when).toLocaleString());
  $("#session-meta").textContent = parts.join(" · ");
  document.title = `${SHARED ? "Shared report" : "Report"}: ${human(session.track)} interview — Viva`;
}

function render() {
  $("#report").hidden = false;
  const review = $("#review-link");
  if (review) review.href = `review.html?session=${encodeURIComponent(id)}`;
  setupAudio();
  renderScores();
  renderJudge();
  renderQuestions();
  renderImprovements();
  renderDelivery();
  $("#download-md").addEventListener("click", () => download(`viva-report-${id}.md`, "text/markdown", markdown()));
  $("#download-json").addEventListener("click", () => download(`viva-report-${id}.json`, "application/json", JSON.stringify(report, null, 2)));
}

// --- audio -------------------------------------------------------------------

let audioOK = true;
function setupAudio() {
  audio.addEventListener("error", () => {
    audioOK = false;
    audio.hidden = true;
    $("#audio-status").textContent = "There is no recording of this interview, so quotes cannot be played.";
    document.querySelectorAll("button.evidence").forEach((b) => b.setAttribute("aria-disabled", "true"));
  });
  audio.src = SHARED ? `${sharedBase}/recordings/candidate` : `${base}/recordings/candidate`;
}

function playAt(ms, label) {
  if (!audioOK) {
    $("#audio-status").textContent = "There is no recording of this interview, so quotes cannot be played.";
    return;
  }
  const go = () => {
    audio.currentTime = ms / 1000;
    const p = audio.play();
    if (p && p.catch) p.catch((e) => { $("#audio-status").textContent = `Could not play the recording: ${e.message}`; });
  };
  $("#audio-status").textContent = `Playing from ${mmss(ms)}${label ? `: “${label}”` : ""}`;
  if (audio.readyState >= 1) go();
  else audio.addEventListener("loadedmetadata", go, { once: true });
}

function evidenceButton(ev) {
  const t = mmss(ev.start_ms);
  return h("span", { class: "evidence-wrap" },
    h("button", {
      type: "button", class: "evidence", "data-testid": "evidence-button", "data-start-ms": ev.start_ms,
      "aria-label": `Play from ${t}: ${ev.quote}`,
      onclick: () => playAt(ev.start_ms, ev.quote),
    }, h("span", { class: "play", "aria-hidden": "true" }, "▶ "), h("q", {}, ev.quote), h("span", { class: "at" }, ` ${t}`)),
    SHARED ? null : [" ",
      h("a", { class: "in-transcript", href: `review.html?session=${encodeURIComponent(id)}&t=${Math.floor(ev.start_ms / 1000)}`,
        "aria-label": `Open the transcript at ${t}` }, "transcript")]);
}

function evidenceList(evs) {
  if (!evs || !evs.length) return null;
  return h("ul", { class: "evidence-list" }, evs.map((ev) => h("li", {}, evidenceButton(ev))));
}

// --- scores ------------------------------------------------------------------

function renderScores() {
  const box = $("#overall-box");
  if (!report.judged) {
    box.replaceChildren(h("div", { class: "notice", "data-testid": "not-judged" },
      h("p", {}, h("strong", {}, "This interview could not be scored: "), report.reason || "no reason was given."),
      h("p", {}, "Delivery figures are below when there are any.")));
    $("#dimensions").replaceChildren();
    return;
  }
  box.replaceChildren(h("div", { class: "overall" },
    h("span", { class: "overall-score", "data-testid": "overall-score" }, String(report.overall)),
    h("span", { class: "overall-of" }, " / 100"),
    h("p", { class: "overall-label" }, "Overall, the weighted sum of the dimensions below")));
  const list = h("ul", { class: "dimensions" });
  for (const d of report.dimensions || []) {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${Math.max(0, Math.min(100, d.score))}%`; // CSSOM, allowed by the CSP
    list.append(h("li", { class: "dimension", "data-testid": "dimension", "data-name": d.name },
      h("div", { class: "dim-head" },
        h("span", { class: "dim-label" }, d.label || human(d.name)),
        h("span", { class: "dim-score" }, `${d.score}`, h("span", { class: "visually-hidden" }, " out of 100")),
        h("span", { class: "dim-weight" }, `weight ${Math.round((d.weight || 0) * 100)}%`)),
      h("div", { class: "dim-bar", "aria-hidden": "true" }, fill),
      d.notes && d.notes.length ? h("ul", { class: "notes" }, d.notes.map((n) => h("li", {}, n))) : null,
      d.evidence && d.evidence.length ? h("details", {}, h("summary", {}, `Evidence (${d.evidence.length})`), evidenceList(d.evidence)) : null));
  }
  $("#dimensions").replaceChildren(list);
}

function renderJudge() {
  const j = report.judge;
  if (!j) return;
  $("#judge").hidden = false;
  const claims = j.claims || [];
  $("#judge-body").replaceChildren(
    h("p", { class: "notice" }, "This is a language model's verdict", j.model ? ` (${j.model})` : "",
      `, given beside the rubric score above, not part of it. Its quotes were checked against ${SHARED ? "the" : "your"} transcript.`),
    h("p", {}, h("span", { class: "judge-overall", "data-testid": "judge-overall" }, `${j.overall}`), " / 100 in the model's opinion"),
    j.summary ? h("p", { class: "judge-summary" }, j.summary) : null,
    claims.length ? h("ul", { class: "claims" }, claims.map((c) => h("li", { class: `claim claim-${c.kind}`, "data-testid": "judge-claim" },
      h("span", { class: `badge kind-${c.kind}` }, KIND[c.kind] || human(c.kind)),
      c.concept ? h("span", { class: "badge" }, human(c.concept)) : null,
      " ", c.text,
      c.quote ? h("div", {}, evidenceButton({ quote: c.quote, start_ms: c.start_ms || 0 })) : null))) : null,
    j.discarded ? h("p", { class: "hint" }, `${j.discarded} claim(s) whose quote was not in the transcript were discarded.`) : null);
}

// --- questions -----------------------------------------------------------------

function stateMark(state) {
  const s = STATE[state] || STATE.missed;
  return [h("span", { class: `state state-${state}`, "aria-hidden": "true" }, s.sym), h("span", { class: "visually-hidden" }, `${s.text}: `)];
}

function flagMark() {
  return [h("span", { class: "state state-missed", "aria-hidden": "true" }, "!"), h("span", { class: "visually-hidden" }, "Red flag: ")];
}

function itemList(title, items, emptyText, flag = false) {
  return h("div", { class: "items" }, h("h4", {}, title),
    items && items.length
      ? h("ul", { class: "checklist" }, items.map((it) => h("li", { class: `item ${flag ? "red-flag" : `state-${it.state}`}`, "data-testid": flag ? "red-flag" : "rubric-item" },
        flag ? flagMark() : stateMark(it.state), h("span", { class: "item-label" }, human(it.id)),
        it.dismissed ? h("span", { class: "badge badge-dismissed" }, "dismissed") : null,
        evidenceList(it.evidence))))
      : h("p", { class: "hint" }, emptyText));
}

function renderQuestions() {
  const out = [];
  for (const q of report.questions || []) {
    const concepts = q.concepts || [];
    const flags = (q.red_flags || []).filter((f) => f.state !== "missed");
    out.push(h("article", { class: "question", "data-testid": "question" },
      h("h3", {}, q.title || human(q.id)),
      h("p", { class: "meta" }, `Coverage ${q.coverage}%`, q.start_ms ? ` · from ${mmss(q.start_ms)}` : ""),
      h("ul", { class: "checklist concepts" }, concepts.map((c) => h("li", {
        class: `item concept state-${c.state}`, "data-testid": "concept-item", "data-state": c.state,
        "data-prompted": c.prompted ? "true" : "false", "data-dismissed": c.dismissed ? "true" : "false",
      },
      stateMark(c.state),
      h("span", { class: "item-label" }, c.label || human(c.id)),
      c.prompted ? h("span", { class: "badge badge-prompted", "data-testid": "prompted-badge" }, "after a probe") : null,
      c.dismissed ? h("span", { class: "badge badge-dismissed", "data-testid": "dismissed-badge" }, "dismissed") : null,
      c.probed_ms && !c.prompted ? h("span", { class: "badge" }, `probed at ${mmss(c.probed_ms)}`) : null,
      evidenceList(c.evidence)))),
      itemList("Red flags raised", flags, "No red flags raised.", true),
      itemList("Tradeoffs", q.tradeoffs, "This question's rubric names no tradeoffs."),
      q.stages && q.stages.length ? itemList("Structure stages", q.stages, "") : null));
  }
  $("#questions").replaceChildren(...(out.length ? out : [h("p", {}, "No questions were scored.")]));
}

function renderImprovements() {
  const imps = report.improvements || [];
  $("#improvements").replaceChildren(...(imps.length
    ? imps.map((im) => h("li", { "data-testid": "improvement" }, h("strong", {}, im.title), h("p", {}, im.detail)))
    : [h("li", { class: "hint" }, report.judged ? "Nothing stood out: well done." : "None, because the interview could not be scored.")]));
}

// --- delivery --------------------------------------------------------------------

function renderDelivery() {
  const d = report.delivery || {};
  const stats = [
    ["Pace", d.words_per_minute ? `${Math.round(d.words_per_minute)} words a minute` : "—"],
    ["Words", `${d.words || 0} in ${d.candidate_turns || 0} answers`],
    ["Fillers", `${d.fillers || 0} (${(d.filler_rate || 0).toFixed(1)} per 100 words)`],
    ["Hedges", `${d.hedges || 0}`],
    ["Long pauses (2 s or more)", `${d.long_pauses || 0}`],
    ["Median time to answer", d.median_latency_ms >= 0 ? `${(d.median_latency_ms / 1000).toFixed(1)} s` : "—"],
    ["Probes recovered", d.probes ? `${d.recovered || 0} of ${d.probes}` : "no probes"],
  ];
  $("#delivery-stats").replaceChildren(...stats.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  drawCharts();
  for (const slot of document.querySelectorAll(".chart-slot")) redrawOnResize(slot, drawCharts);
}

function drawCharts() {
  const turns = report.turns || [];
  const lat = (report.delivery && report.delivery.latencies) || [];
  const empty = (msg) => h("p", { class: "hint" }, msg);

  const pace = $("#chart-pace");
  pace.replaceChildren(turns.length ? lineChart({
    title: "Pace over time", testid: "chart-pace", width: chartWidth(pace),
    desc: `Words per minute of each of ${turns.length} answers, by when the answer started. The shaded band is 100 to 190 words a minute. ` +
      turns.map((t) => `${mmss(t.start_ms)}: ${Math.round(t.words_per_minute)}`).join("; "),
    xLabel: "Time in the interview (m:ss)", yLabel: "Words per minute", xFormat: mmss,
    xTicks: null, band: { from: 100, to: 190, label: "100–190 words a minute" },
    series: [{ name: "Words per minute", cls: "series-0", points: turns.map((t) => ({ x: t.start_ms, y: Math.round(t.words_per_minute),
      tip: `${mmss(t.start_ms)}: ${Math.round(t.words_per_minute)} words a minute, ${t.words} words` })) }],
  }) : empty("No answers were recorded."));

  const habits = $("#chart-habits");
  habits.replaceChildren(turns.length ? barChart({
    title: "Fillers and long pauses per answer", testid: "chart-habits", width: chartWidth(habits),
    desc: `Fillers and long pauses (2 s or more) in each answer. ` +
      turns.map((t, i) => `Answer ${i + 1} at ${mmss(t.start_ms)}: ${t.fillers} fillers, ${t.long_pauses} long pauses`).join("; "),
    xLabel: "Answer (start time)", yLabel: "Count",
    categories: turns.map((t) => mmss(t.start_ms)),
    series: [
      { name: "Fillers", cls: "series-0", values: turns.map((t) => t.fillers || 0) },
      { name: "Long pauses", cls: "series-1", values: turns.map((t) => t.long_pauses || 0) },
    ],
    yFormat: (v) => (Number.isInteger(v) ? String(v) : ""),
  }) : empty("No answers were recorded."));

  const latency = $("#chart-latency");
  latency.replaceChildren(lat.length ? barChart({
    title: "Response latency per prompt", testid: "chart-latency", width: chartWidth(latency),
    desc: `Seconds of silence between the end of each prompt and the start of the answer; questions and probes are coloured differently; the line marks 5 s. ` +
      lat.map((l) => `${l.probe ? "Probe" : "Question"} at ${mmss(l.prompt_end_ms)}: ${(l.ms / 1000).toFixed(1)} s`).join("; "),
    xLabel: "Prompt (when it ended)", yLabel: "Seconds",
    categories: lat.map((l) => mmss(l.prompt_end_ms)),
    series: [{ name: "Latency", values: lat.map((l) => l.ms / 1000), barClass: (i) => (lat[i].probe ? "probe" : "question"),
      tips: lat.map((l) => `${l.probe ? "Probe" : "Question"} ${l.prompt_id} ended ${mmss(l.prompt_end_ms)}: ${(l.ms / 1000).toFixed(1)} s`) }],
    legend: [{ name: "Question", cls: "question" }, { name: "Probe", cls: "probe" }],
    threshold: { value: 5, label: "5 s" }, yFormat: (v) => `${v}`,
  }) : empty("No prompt was followed by an answer, so there is no latency to show."));
}

// --- downloads ------------------------------------------------------------------

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function markdown() {
  const r = report, L = [];
  const q1 = (s) => String(s).replace(/\s+/g, " ").trim();
  L.push(`# Viva interview report`, "");
  if (session) {
    L.push(`- Interview: ${human(session.track)}, ${human(session.mode)}, ${session.minutes} minutes`);
    const when = session.started_at || session.created_at;
    if (when) L.push(`- Date: ${new Date(when).toLocaleString()}`);
  }
  L.push(`- Session: ${id}`, "");
  if (!r.judged) {
    L.push(`**Not scored:** ${r.reason || "no reason given"}`, "");
  } else {
    L.push(`## Score: ${r.overall} / 100`, "", "| Dimension | Score | Weight | Notes |", "|---|---:|---:|---|");
    for (const d of r.dimensions || []) {
      L.push(`| ${d.label || d.name} | ${d.score} | ${Math.round((d.weight || 0) * 100)}% | ${(d.notes || []).join("; ").replace(/\|/g, "\\|")} |`);
    }
    L.push("");
  }
  const mark = { hit: "✓", partial: "~", missed: "✗" };
  const evs = (list, indent) => (list || []).forEach((e) => L.push(`${indent}- [${mmss(e.start_ms)}] "${q1(e.quote)}"`));
  for (const q of r.questions || []) {
    L.push(`## ${q.title || q.id}`, "", `Coverage: ${q.coverage}%`, "", "### Concepts", "");
    for (const c of q.concepts || []) {
      const tags = [c.prompted ? "after a probe" : "", c.dismissed ? "dismissed" : ""].filter(Boolean);
      L.push(`- ${mark[c.state] || "?"} ${c.label || c.id} (${c.state}${tags.length ? `, ${tags.join(", ")}` : ""})`);
      evs(c.evidence, "  ");
    }
    const flags = (q.red_flags || []).filter((f) => f.state !== "missed");
    if (flags.length) {
      L.push("", "### Red flags", "");
      for (const f of flags) { L.push(`- ${human(f.id)}`); evs(f.evidence, "  "); }
    }
    if (q.tradeoffs && q.tradeoffs.length) {
      L.push("", "### Tradeoffs", "");
      for (const t of q.tradeoffs) { L.push(`- ${mark[t.state] || "?"} ${human(t.id)}`); evs(t.evidence, "  "); }
    }
    L.push("");
  }
  if ((r.improvements || []).length) {
    L.push("## Three things to work on", "");
    r.improvements.forEach((im, i) => L.push(`${i + 1}. **${im.title}** — ${im.detail}`));
    L.push("");
  }
  const d = r.delivery || {};
  L.push("## Delivery", "",
    `- Pace: ${Math.round(d.words_per_minute || 0)} words a minute`,
    `- Fillers: ${d.fillers || 0} (${(d.filler_rate || 0).toFixed(1)} per 100 words)`,
    `- Hedges: ${d.hedges || 0}`,
    `- Long pauses: ${d.long_pauses || 0}`,
    `- Median time to answer: ${d.median_latency_ms >= 0 ? `${(d.median_latency_ms / 1000).toFixed(1)} s` : "n/a"}`, "");
  if (r.judge) {
    const j = r.judge;
    L.push("## A language model's opinion (not part of the score)", "", `Overall in the model's opinion: ${j.overall} / 100`, "");
    if (j.summary) L.push(j.summary, "");
    for (const c of j.claims || []) L.push(`- ${KIND[c.kind] || c.kind}: ${c.text}${c.quote ? ` — [${mmss(c.start_ms || 0)}] "${q1(c.quote)}"` : ""}`);
    L.push("");
  }
  return L.join("\n");
}

// --- share with a coach (owner page only) ---------------------------------------

const sharesPath = () => `${base}/shares`;
let shareReady = false;
let newShareID = null;

function hideShare() {
  const sec = $("#share");
  if (sec) sec.hidden = true;
}

function shareStatus(msg, cls = "") {
  const el = $("#share-status");
  el.className = `share-status ${cls}`.trim();
  el.textContent = msg;
}

function setupShare() {
  const sec = $("#share");
  if (!sec || shareReady) return;
  shareReady = true;
  sec.hidden = false;
  $("#share-create").addEventListener("click", createShare);
  $("#share-copy").addEventListener("click", copyShare);
  $("#share-link").addEventListener("focus", (e) => e.target.select());
  loadShares();
}

async function createShare() {
  const btn = $("#share-create");
  const hours = Number($("#share-hours").value) || 168;
  btn.disabled = true;
  shareStatus("Creating a link…");
  try {
    const sh = await api("POST", sharesPath(), { hours });
    newShareID = sh.id;
    const input = $("#share-link");
    input.value = location.origin + sh.url;
    $("#share-new-note").textContent =
      `Anyone with this link can read this report and play your recording, but cannot change or delete anything. ` +
      `It expires on ${fmtDate(sh.expires_at)}. This is the only time the link is shown: copy it now.`;
    $("#share-new").hidden = false;
    shareStatus("Link created.");
    input.focus();
    input.select();
    await loadShares();
  } catch (err) {
    shareStatus(`Could not create a link: ${err.message}`, "notice-error");
  } finally {
    btn.disabled = false;
  }
}

async function copyShare() {
  const input = $("#share-link");
  const manual = () => {
    input.focus();
    input.select();
    shareStatus("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
  };
  if (!navigator.clipboard || !navigator.clipboard.writeText) { manual(); return; }
  try {
    await navigator.clipboard.writeText(input.value);
    shareStatus("Link copied to the clipboard.");
  } catch {
    manual();
  }
}

function shareState(sh) {
  if (sh.revoked_at) return "revoked";
  return sh.active ? "active" : "expired";
}

async function loadShares() {
  const list = $("#share-list");
  let shares;
  try {
    shares = ((await api("GET", sharesPath())) || {}).shares || [];
  } catch (err) {
    list.replaceChildren(h("li", { class: "hint" }, `Could not load your links: ${err.message}`));
    return;
  }
  shares.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  if (!shares.length) {
    list.replaceChildren(h("li", { class: "hint", "data-testid": "share-empty" }, "You have not shared this report yet."));
    return;
  }
  list.replaceChildren(...shares.map((sh) => {
    const st = shareState(sh);
    const label = { active: "Active", expired: "Expired", revoked: "Revoked" }[st];
    const when = st === "revoked" ? `Revoked ${fmtDate(sh.revoked_at)}` : `${st === "expired" ? "Expired" : "Expires"} ${fmtDate(sh.expires_at)}`;
    return h("li", { class: `share-row share-${st}`, "data-testid": "share-row", "data-state": st, "data-id": sh.id },
      h("span", { class: `badge share-badge share-badge-${st}` }, label),
      h("span", { class: "share-dates" }, `Created ${fmtDate(sh.created_at)} · ${when}`),
      st === "active" ? h("button", {
        type: "button", class: "secondary share-revoke", "data-testid": "share-revoke",
        "aria-label": `Revoke the link created ${fmtDate(sh.created_at)}`,
        onclick: () => revokeShare(sh),
      }, "Revoke") : null);
  }));
}

async function revokeShare(sh) {
  if (!confirm(`Revoke the link created ${fmtDate(sh.created_at)}? Anyone who has it will no longer be able to open this report. This cannot be undone.`)) return;
  try {
    await api("DELETE", `${sharesPath()}/${encodeURIComponent(sh.id)}`);
    if (sh.id === newShareID) {
      $("#share-new").hidden = true;
      $("#share-link").value = "";
      newShareID = null;
    }
    shareStatus("Link revoked: it no longer opens the report.");
  } catch (err) {
    shareStatus(`Could not revoke the link: ${err.message}`, "notice-error");
  }
  await loadShares();
  $("#share-list-h").focus();
}

main();
