// The review page: review.html?session=ID[&t=SECONDS]. Plays both sides of
// the interview — the candidate's and the interviewer's recordings, on the
// transcript's time base — with one play/pause/seek control and one speed,
// and highlights the transcript as it plays: the candidate's words one by
// one, the interviewer's utterances whole. Clicking a time stamp or a word
// jumps there. Probes are shown inline with the reason they were asked.
import { api, fmtClock } from "./api.js";
import { h, sessionParam, errorKind, goneMessage } from "./charts.js";

const id = sessionParam();
const base = `/api/v1/sessions/${encodeURIComponent(id)}`;
const $ = (sel) => document.querySelector(sel);
const statusEl = $("#status");
const mmss = (ms) => (typeof fmtClock === "function" ? fmtClock(ms) : String(Math.round(ms / 1000)));
const human = (s) => String(s || "").replace(/[-_.]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());

const tracks = [
  { name: "candidate", label: "your side", el: $("#candidate-audio"), ok: true },
  { name: "interviewer", label: "the interviewer's side", el: $("#interviewer-audio"), ok: true },
];
const playBtn = $("#play"), seekEl = $("#seek"), clockEl = $("#clock"), speedEl = $("#speed");

let duration = 0; // seconds, the longer of the recordings or the transcript
let playing = false;
let rate = 1;
let vBase = 0, vWall = 0; // a virtual clock when no recording plays
let seeking = false;
const words = []; // {start, end, el} for candidate words, by start
const utts = []; // {start, end, el}
let curWord = null, curUtt = null;
let lastShown = -1; // the second the clock shows

function status(msg, cls = "") {
  statusEl.className = `status ${cls}`.trim();
  statusEl.replaceChildren(...(Array.isArray(msg) ? msg : [msg]));
}

async function main() {
  if (!id) {
    status(h("span", {}, "No interview was given. ", h("a", { href: "history.html" }, "Pick one from your history.")), "notice-error");
    return;
  }
  let session, tr;
  try {
    [session, tr] = await Promise.all([api("GET", base), api("GET", `${base}/transcript`)]);
  } catch (err) {
    if (errorKind(err) === "gone") status(goneMessage());
    else status(`Could not load this interview: ${err.message}`, "notice-error");
    return;
  }
  const when = session.started_at || session.created_at;
  $("#session-meta").textContent = [when ? new Date(when).toLocaleString() : "", human(session.track), human(session.mode)].filter(Boolean).join(" · ");
  $("#report-link").href = `report.html?session=${encodeURIComponent(id)}`;
  renderTranscript(tr || {});
  $("#review").hidden = false;
  status(utts.length ? "Interview loaded." : "This interview has no transcript.", utts.length ? "visually-hidden-status" : "");
  setupAudio();
  setupControls();
  const t = Number(new URLSearchParams(location.search).get("t"));
  if (t > 0) {
    seek(t);
    const u = utts.find((x) => x.end >= t * 1000) || utts[utts.length - 1];
    if (u) u.el.scrollIntoView({ block: "center" });
  }
  requestAnimationFrame(tick);
}

// --- transcript ------------------------------------------------------------------

function renderTranscript(tr) {
  const list = (tr.utterances || []).slice().sort((a, b) => a.start_ms - b.start_ms);
  const probes = (tr.probes || []).slice().sort((a, b) => a.asked_ms - b.asked_ms);
  // A probe belongs to the interviewer utterance that said it: the nearest
  // one within 3 s of when it was asked. Others stand alone at their time.
  const attached = new Map();
  const loose = [];
  for (const p of probes) {
    let best = null, bestD = 3001;
    for (const u of list) {
      if (u.speaker !== "interviewer") continue;
      const d = Math.abs(u.start_ms - p.asked_ms);
      if (d < bestD && !attached.has(u)) { best = u; bestD = d; }
    }
    if (best) attached.set(best, p);
    else loose.push(p);
  }
  const items = [
    ...list.map((u) => ({ at: u.start_ms, u })),
    ...loose.map((p) => ({ at: p.asked_ms - 0.5, p })),
  ].sort((a, b) => a.at - b.at);
  const ol = $("#transcript");
  for (const it of items) {
    if (it.p) { ol.append(h("li", { class: "probe-only" }, probeNote(it.p, true))); continue; }
    const u = it.u;
    const who = u.speaker === "candidate" ? "You" : "Interviewer";
    const text = h("p", { class: "utt-text" });
    const li = h("li", { class: `utt utt-${u.speaker}`, "data-testid": "utterance", "data-start-ms": u.start_ms, "data-speaker": u.speaker },
      h("div", { class: "utt-head" },
        h("span", { class: "speaker" }, who),
        h("button", { type: "button", class: "stamp", "data-start-ms": u.start_ms, "aria-label": `Play from ${mmss(u.start_ms)}, ${who}` }, mmss(u.start_ms))),
      attached.has(u) ? probeNote(attached.get(u), false) : null,
      text);
    const ws = u.speaker === "candidate" ? (u.words || []) : [];
    if (ws.length) {
      ws.forEach((w, i) => {
        const span = h("span", { class: "word", "data-start-ms": w.start_ms, "data-testid": "word" }, w.text);
        if (w.confidence !== undefined && w.confidence < 0.5) span.classList.add("low-conf");
        text.append(span, i < ws.length - 1 ? " " : "");
        words.push({ start: w.start_ms, end: w.end_ms, el: span });
      });
    } else {
      text.textContent = u.text;
    }
    utts.push({ start: u.start_ms, end: Math.max(u.end_ms, u.start_ms), el: li });
    ol.append(li);
  }
  words.sort((a, b) => a.start - b.start);
  ol.addEventListener("click", (e) => {
    const target = e.target.closest("[data-start-ms]");
    if (!target || !(target.classList.contains("stamp") || target.classList.contains("word"))) return;
    seek(Number(target.dataset.startMs) / 1000);
    if (target.classList.contains("stamp") && !playing) play();
  });
  const last = Math.max(0, ...utts.map((u) => u.end));
  setDuration(last / 1000);
}

function probeNote(p, alone) {
  return h("div", { class: "probe", "data-testid": "probe" },
    h("span", { class: "badge badge-prompted" }, `Probe${p.kind ? `: ${human(p.kind)}` : ""}`),
    p.target && p.target !== "silence" ? h("span", { class: "badge" }, human(p.target)) : null,
    " ", p.reason || "",
    alone && p.text ? h("p", { class: "utt-text" }, h("button", { type: "button", class: "stamp", "data-start-ms": p.asked_ms,
      "aria-label": `Play from ${mmss(p.asked_ms)}` }, mmss(p.asked_ms)), " ", p.text) : null);
}

// --- the clock ------------------------------------------------------------------

const live = () => tracks.filter((t) => t.ok);
function master() {
  let best = null;
  for (const t of live()) {
    const d = t.el.duration;
    if (isFinite(d) && d > 0 && (!best || d > best.el.duration)) best = t;
  }
  // Without a known duration (a stream still being written), the first
  // recording that has loaded keeps the time.
  return best || live().find((t) => t.el.readyState >= 1) || null;
}

function now() {
  const m = master();
  if (m) return m.el.currentTime;
  return playing ? vBase + ((performance.now() - vWall) / 1000) * rate : vBase;
}

function setDuration(sec) {
  if (isFinite(sec) && sec > duration) {
    duration = sec;
    lastShown = -1; // redraw "position / duration"
    seekEl.max = String(Math.ceil(duration * 10) / 10);
  }
}

function seek(sec) {
  sec = Math.max(0, Math.min(duration || sec, sec));
  for (const t of live()) {
    const d = t.el.duration;
    if (t.el.readyState >= 1) t.el.currentTime = isFinite(d) ? Math.min(sec, d) : sec;
    else t.pending = sec;
    if (playing && (!isFinite(d) || sec < d)) playEl(t);
  }
  vBase = sec;
  vWall = performance.now();
  render(sec);
}

function playEl(t) {
  const p = t.el.play();
  if (p && p.catch) p.catch((e) => { if (e.name !== "AbortError") $("#audio-status").textContent = `Could not play ${t.label}: ${e.message}`; });
}

function play() {
  let at = now();
  if (duration && at >= duration - 0.05) at = 0;
  playing = true;
  vBase = at;
  vWall = performance.now();
  for (const t of live()) {
    const d = t.el.duration;
    if (Math.abs(t.el.currentTime - at) > 0.05) t.el.currentTime = isFinite(d) ? Math.min(at, d) : at;
    if (!isFinite(d) || at < d) playEl(t);
  }
  playBtn.textContent = "Pause";
}

function pause() {
  vBase = now();
  playing = false;
  for (const t of tracks) t.el.pause();
  playBtn.textContent = "Play";
}

function setupAudio() {
  for (const t of tracks) {
    t.el.addEventListener("error", () => {
      t.ok = false;
      const gone = tracks.filter((x) => !x.ok);
      $("#audio-status").textContent = gone.length === 2
        ? "There is no recording of this interview; the transcript still plays along with the clock."
        : `There is no recording of ${gone.map((x) => x.label).join(" or ")}.`;
    });
    const onMeta = () => {
      setDuration(t.el.duration);
      if (t.pending !== undefined) { t.el.currentTime = t.pending; t.pending = undefined; }
      t.el.playbackRate = rate;
    };
    t.el.addEventListener("loadedmetadata", onMeta);
    t.el.addEventListener("durationchange", () => setDuration(t.el.duration));
    t.el.addEventListener("ended", () => { if (t === master()) pause(); });
    t.el.src = `${base}/recordings/${t.name}`;
  }
}

function setupControls() {
  playBtn.addEventListener("click", () => (playing ? pause() : play()));
  $("#back").addEventListener("click", () => seek(now() - 5));
  $("#fwd").addEventListener("click", () => seek(now() + 5));
  speedEl.addEventListener("change", () => {
    vBase = now();
    vWall = performance.now();
    rate = Number(speedEl.value) || 1;
    for (const t of tracks) { t.el.playbackRate = rate; t.el.defaultPlaybackRate = rate; }
  });
  seekEl.addEventListener("input", () => { seeking = true; render(Number(seekEl.value)); });
  seekEl.addEventListener("change", () => { seeking = false; seek(Number(seekEl.value)); });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea, button, a") || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === " " || e.key === "k") { e.preventDefault(); playing ? pause() : play(); }
    else if (e.key === "ArrowLeft") seek(now() - 5);
    else if (e.key === "ArrowRight") seek(now() + 5);
  });
}

// tick runs every frame: it keeps the recordings together, stops at the end
// and moves the highlight.
function tick() {
  const t = now();
  if (playing) {
    const m = master();
    for (const x of live()) {
      if (x === m || x.el.readyState < 1) continue;
      const d = x.el.duration;
      if (isFinite(d) && t >= d) continue;
      if (x.el.paused) playEl(x);
      if (Math.abs(x.el.currentTime - t) > 0.25) x.el.currentTime = t;
    }
    if (!m && duration && t >= duration) { pause(); vBase = duration; }
  }
  if (!seeking) render(t);
  requestAnimationFrame(tick);
}

// find is the last item starting at or before ms (binary search), or null.
function find(list, ms) {
  let lo = 0, hi = list.length - 1, at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].start <= ms) { at = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return at < 0 ? null : list[at];
}

function render(sec) {
  const ms = sec * 1000;
  const shown = Math.floor(sec);
  if (shown !== lastShown) {
    lastShown = shown;
    clockEl.textContent = `${mmss(ms)} / ${mmss(duration * 1000)}`;
    seekEl.setAttribute("aria-valuetext", `${mmss(ms)} of ${mmss(duration * 1000)}`);
  }
  if (!seeking) seekEl.value = String(sec);
  let w = find(words, ms);
  if (w && ms > w.end + 400) w = null; // a pause: nothing is being said
  if (w !== curWord) {
    if (curWord) curWord.el.classList.remove("current");
    if (w) w.el.classList.add("current");
    curWord = w;
  }
  let u = find(utts, ms);
  if (u && ms > u.end + 250) u = null;
  if (u !== curUtt) {
    if (curUtt) curUtt.el.classList.remove("current");
    if (u) {
      u.el.classList.add("current");
      if (playing && $("#follow").checked) {
        const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
        u.el.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
      }
    }
    curUtt = u;
  }
}

main();
