// Viva's interview room: the microphone, the call (protocol.js) and what the
// candidate sees of it: the interviewer's state, the question, a live
// transcript, the clock, notices, Mute and End.
import { api, fmtClock, trackLabel, modeLabel, sessionParam, micErrorMessage } from "./api.js";
import { InterviewConnection, Status } from "./protocol.js";

const $ = (id) => document.getElementById(id);
const els = {
  info: $("session-info"),
  room: $("room"),
  blocker: $("blocker"),
  blockerHeading: $("blocker-heading"),
  blockerText: $("blocker-text"),
  blockerRetry: $("blocker-retry"),
  blockerLink: $("blocker-link"),
  clock: $("clock"),
  clockTile: $("clock-tile"),
  stateTile: $("state-tile"),
  stateText: $("state-text"),
  connTile: $("conn-tile"),
  status: $("status"),
  alerts: $("alerts"),
  promptKind: $("prompt-kind"),
  prompt: $("prompt"),
  transcript: $("transcript"),
  mute: $("mute"),
  muteStatus: $("mute-status"),
  end: $("end"),
  audio: $("interviewer-audio"),
  audioUnlock: $("audio-unlock"),
  audioUnlockButton: $("audio-unlock-button"),
  endedOverlay: $("ended-overlay"),
  endedCard: $("ended-card"),
  endedText: $("ended-text"),
  reportLink: $("report-link"),
};

const sessionId = sessionParam();
const reportURL = () => `report.html?session=${encodeURIComponent(sessionId)}`;

// How long the "interview is over" message shows before the report page.
const ENDED_DELAY_MS = 2500;
// Between two `clock` messages the time left counts down locally, but only
// this far (protocol.md §2 clock).
const CLOCK_DRIFT_MS = 3000;
// About two minutes left: the server's time_low notice, also applied locally.
const TIME_LOW_MS = 120_000;
// How long `end` may take to come back as `ended` before the HTTP API ends it.
const END_TIMEOUT_MS = 8000;

let conn = null;
let micStream = null;
let ended = false;

/* ---------- the microphone ---------- */

async function getMic() {
  const live = micStream && micStream.getAudioTracks().some((t) => t.readyState === "live");
  if (live) return micStream;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw Object.assign(new Error("no mediaDevices"), { name: "insecure" });
  }
  micStream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  return micStream;
}

function stopMic() {
  if (micStream) micStream.getTracks().forEach((t) => t.stop());
  micStream = null;
}

/* ---------- the blocker (no session, no microphone) ---------- */

function showBlocker(heading, text, { retry = null, linkText = "Go to the microphone check", linkHref = "/#mic-check" } = {}) {
  els.room.hidden = true;
  els.blocker.hidden = false;
  els.blockerHeading.textContent = heading;
  els.blockerText.textContent = text;
  els.blockerRetry.hidden = !retry;
  els.blockerRetry.onclick = retry;
  els.blockerLink.textContent = linkText;
  els.blockerLink.href = linkHref;
  els.blocker.focus();
}

function hideBlocker() {
  els.blocker.hidden = true;
  els.room.hidden = false;
}

/* ---------- messages ---------- */

const ALERT_LIMIT = 4;

/**
 * Shows a dismissible message. kind: info, ok, warn or error. An identical
 * message already showing is not repeated. action: {label, run} adds a button.
 */
function addAlert(kind, text, { key = text, action = null } = {}) {
  for (const old of els.alerts.children) {
    if (old.dataset.key === key) old.remove();
  }
  const box = document.createElement("div");
  box.className = `alert ${kind}`;
  box.dataset.key = key;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  const p = document.createElement("p");
  p.className = "alert-text";
  p.textContent = text;
  box.append(p);
  if (action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = action.label;
    b.addEventListener("click", () => { box.remove(); action.run(); });
    box.append(b);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "dismiss";
  close.setAttribute("aria-label", "Dismiss message");
  close.textContent = "×";
  close.addEventListener("click", () => dismissAlert(box));
  box.append(close);
  els.alerts.append(box);
  while (els.alerts.children.length > ALERT_LIMIT) els.alerts.firstElementChild.remove();
  return box;
}

// Keeps keyboard focus somewhere sensible when a focused message goes away.
function dismissAlert(box) {
  const next = box.nextElementSibling || box.previousElementSibling;
  box.remove();
  const target = next ? next.querySelector(".dismiss") : els.mute;
  if (target && !target.disabled) target.focus();
}

function removeAlert(key) {
  for (const old of els.alerts.children) {
    if (old.dataset.key === key) old.remove();
  }
}

/* ---------- status, state, clock ---------- */

const STATUS_TEXT = {
  [Status.CONNECTING]: "connecting",
  [Status.CONNECTED]: "connected",
  [Status.RECONNECTING]: "reconnecting",
  [Status.ENDED]: "ended",
  [Status.FAILED]: "disconnected",
};

function showStatus(status) {
  els.connTile.dataset.conn = status;
  els.status.dataset.status = status;
  els.status.textContent = STATUS_TEXT[status] || status;
  if (status === Status.RECONNECTING) {
    addAlert("warn", "The connection dropped. Reconnecting… the interview continues where it left off.", { key: "conn" });
  } else if (status === Status.CONNECTED) {
    removeAlert("conn");
  }
}

const INTERVIEWER_TEXT = {
  speaking: "Speaking",
  listening: "Listening — your turn",
  thinking: "Thinking…",
};

let interviewState = "created";

function showState(msg) {
  interviewState = msg.interview;
  els.stateTile.dataset.interviewer = msg.interviewer;
  els.stateText.textContent = INTERVIEWER_TEXT[msg.interviewer] || msg.interviewer;
}

// The last `clock` message and when it arrived (performance.now()).
let clock = null;
let timeLow = false;

function onClock(msg) {
  clock = { remaining: msg.remaining_ms, at: performance.now() };
  renderClock();
}

function renderClock() {
  if (!clock) return;
  // Count down locally only while the interview is live and only briefly.
  const drift = interviewState === "live" && !ended ? Math.min(performance.now() - clock.at, CLOCK_DRIFT_MS) : 0;
  const left = Math.max(0, clock.remaining - drift);
  // Round up, so "0:00" means the time is really up.
  els.clock.textContent = fmtClock(Math.ceil(left / 1000) * 1000);
  els.clock.dataset.remainingMs = String(Math.round(left));
  setTimeLow(timeLow || left <= TIME_LOW_MS);
}

function setTimeLow(on) {
  timeLow = on;
  els.clockTile.classList.toggle("time-low", on);
}

/* ---------- the question and the transcript ---------- */

const PROMPT_KIND = { question: "Question", probe: "Follow-up", wrapup: "Closing" };
const SPEAKER = { candidate: "You", interviewer: "Interviewer" };

// After a reconnect the server repeats its last prompt so the room can be
// redrawn (protocol.md §7 step 4); it is shown but not added to the transcript twice.
let replayExpected = false;

function onPrompt(msg) {
  els.promptKind.textContent = PROMPT_KIND[msg.kind] || "Interviewer";
  els.prompt.textContent = msg.text;
  const last = lastInterviewerLine();
  const replay = replayExpected && last && last.dataset.text === msg.text;
  replayExpected = false;
  if (!replay) appendLine("interviewer", msg.text, { promptId: msg.id });
}

function lastInterviewerLine() {
  const lines = els.transcript.querySelectorAll(".line.interviewer");
  return lines.length ? lines[lines.length - 1] : null;
}

const utterances = new Map(); // utterance_id → <li>

function makeLine(speaker, text) {
  const li = document.createElement("li");
  li.className = `line ${speaker === "interviewer" ? "interviewer" : "candidate"}`;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = SPEAKER[speaker] || speaker;
  const p = document.createElement("p");
  p.className = "text";
  li.append(who, p);
  setLineText(li, text);
  return li;
}

function setLineText(li, text) {
  li.dataset.text = text;
  li.querySelector(".text").textContent = text || "…";
}

function appendLine(speaker, text, { promptId } = {}) {
  const li = makeLine(speaker, text);
  if (promptId) li.dataset.promptId = promptId;
  withScroll(() => els.transcript.append(li));
  return li;
}

// Partials are replaced by later ones of the same utterance, then by its final.
function onTranscript(msg) {
  let li = utterances.get(msg.utterance_id);
  withScroll(() => {
    if (!li) {
      li = makeLine(msg.speaker, msg.text);
      li.dataset.utteranceId = msg.utterance_id;
      els.transcript.append(li);
      utterances.set(msg.utterance_id, li);
    }
    li.dataset.start = String(msg.start_ms);
    setLineText(li, msg.text);
    li.classList.toggle("partial", !msg.final);
    li.dataset.final = String(!!msg.final);
  });
}

// Keeps the newest line in view, unless the candidate scrolled up to read.
function withScroll(change) {
  const t = els.transcript;
  const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
  change();
  if (atBottom) t.scrollTop = t.scrollHeight;
}

/**
 * Adds stored utterances the socket did not deliver: finals sent while the
 * connection was down are not repeated (protocol.md §7 step 4). With
 * `all`, interviewer utterances too (a fresh page resuming an interview).
 */
async function mergeStoredTranscript(all) {
  let data;
  try {
    data = await api("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}/transcript`);
  } catch {
    return;
  }
  const list = ((data && data.utterances) || []).slice().sort((a, b) => a.start_ms - b.start_ms);
  for (const u of list) {
    if (!all && u.speaker !== "candidate") continue;
    const known = utterances.get(u.id);
    if (known) {
      setLineText(known, u.text);
      known.classList.remove("partial");
      known.dataset.final = "true";
      continue;
    }
    const li = makeLine(u.speaker, u.text);
    li.dataset.utteranceId = u.id;
    li.dataset.start = String(u.start_ms);
    li.dataset.final = "true";
    utterances.set(u.id, li);
    insertByTime(li, u.start_ms);
  }
}

function insertByTime(li, startMs) {
  const later = [...els.transcript.querySelectorAll("li[data-start]")].find((x) => Number(x.dataset.start) > startMs);
  withScroll(() => (later ? els.transcript.insertBefore(li, later) : els.transcript.append(li)));
}

/* ---------- notices and errors ---------- */

function onNotice(msg) {
  switch (msg.code) {
    case "time_low":
      setTimeLow(true);
      addAlert("warn", msg.message || "About two minutes left.", { key: "time_low" });
      break;
    case "reconnected":
      replayExpected = true;
      addAlert("ok", msg.message || "Reconnected: the interview continues.", { key: "reconnected" });
      // Finals of the turn cut off by the drop are stored a little later.
      setTimeout(() => mergeStoredTranscript(false), 1500);
      setTimeout(() => mergeStoredTranscript(false), 6000);
      break;
    case "stt_busy":
      addAlert("warn", msg.message, { key: msg.code });
      break;
    default:
      addAlert("info", msg.message, { key: msg.code });
  }
}

function onServerError(msg) {
  addAlert("error", msg.message || "Something went wrong.", { key: `error:${msg.code}:${msg.message}` });
}

function onMessage(msg) {
  switch (msg.type) {
    case "prompt": return onPrompt(msg);
    case "transcript": return onTranscript(msg);
    case "state": return showState(msg);
    case "clock": return onClock(msg);
    case "notice": return onNotice(msg);
    case "error": return onServerError(msg);
    default: return undefined; // pong and types a later server may add
  }
}

/* ---------- audio out ---------- */

function playInterviewer(stream) {
  if (els.audio.srcObject !== stream) els.audio.srcObject = stream;
  const p = els.audio.play();
  if (p) {
    p.then(() => { els.audioUnlock.hidden = true; }).catch((err) => {
      // Autoplay policies may refuse sound until the user presses something.
      if (err && err.name === "NotAllowedError") els.audioUnlock.hidden = false;
    });
  }
}

/* ---------- mute and end ---------- */

function toggleMute() {
  const muted = els.mute.getAttribute("aria-pressed") !== "true";
  els.mute.setAttribute("aria-pressed", String(muted));
  els.muteStatus.textContent = muted ? "Your microphone is muted: the interviewer cannot hear you." : "";
  if (conn) conn.setMuted(muted);
  else if (micStream) micStream.getAudioTracks().forEach((t) => { t.enabled = !muted; });
}

// A native confirm: accessible everywhere, and what the browser test accepts.
function askToEnd() {
  if (ended) return;
  if (window.confirm("End the interview? It stops now and your report is prepared from what you said so far.")) {
    endInterview();
  } else {
    els.end.focus();
  }
}

async function endInterview() {
  if (ended) return;
  els.end.disabled = true;
  els.end.textContent = "Ending…";
  // Over the socket when it is open; the server answers with `ended`.
  if (conn && conn.end()) {
    setTimeout(() => { if (!ended) endOverHTTP(); }, END_TIMEOUT_MS);
    return;
  }
  await endOverHTTP();
}

async function endOverHTTP() {
  try {
    await api("POST", `/api/v1/sessions/${encodeURIComponent(sessionId)}/end`);
  } catch (err) {
    if (err.status !== 409) { // 409: it is over already
      addAlert("error", `Could not end the interview: ${err.message}`, { key: "end" });
      els.end.disabled = false;
      els.end.textContent = "End interview";
      return;
    }
  }
  onEnded("candidate");
}

/* ---------- the end ---------- */

const ENDED_REASON = {
  completed: "The interviewer wrapped up.",
  candidate: "You ended the interview.",
  time_up: "The time is up.",
  abandoned: "The connection was lost for too long, so the interview was closed with what you said.",
  error: "The server could not go on; the report covers what you said.",
};

function onEnded(reason) {
  if (ended) return;
  ended = true;
  if (conn) conn.close();
  stopMic();
  showStatus(Status.ENDED);
  els.mute.disabled = true;
  els.end.disabled = true;
  els.endedText.textContent = ENDED_REASON[reason] || "";
  els.reportLink.href = reportURL();
  els.endedOverlay.hidden = false;
  els.endedCard.focus();
  setTimeout(() => location.assign(reportURL()), ENDED_DELAY_MS);
}

async function onFailed({ message, retry }) {
  // Perhaps the interview ended while we could not reach it.
  try {
    const s = await api("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}`);
    if (["ended", "scored", "failed"].includes(s.state)) return onEnded(null);
  } catch {
    // keep the message below
  }
  removeAlert("conn");
  addAlert("error", message, { key: "failed", action: retry ? { label: "Try again", run: retry } : null });
}

/* ---------- start-up ---------- */

async function connect() {
  conn = new InterviewConnection(sessionId, {
    getStream: getMic,
    onStatus: showStatus,
    onMessage,
    onRemoteStream: playInterviewer,
    onEnded,
    onFailed,
  });
  conn.start();
}

async function acquireMicThenConnect() {
  try {
    await getMic();
  } catch (err) {
    showBlocker("Microphone needed", micErrorMessage(err), { retry: acquireMicThenConnect });
    return;
  }
  hideBlocker();
  connect();
}

function describe(s) {
  els.info.textContent = `${trackLabel(s.track)} · ${modeLabel(s.mode)} · ${s.minutes} minutes`;
  clock = { remaining: s.minutes * 60_000, at: performance.now() };
  renderClock();
}

async function main() {
  els.mute.addEventListener("click", toggleMute);
  els.end.addEventListener("click", askToEnd);
  els.audioUnlockButton.addEventListener("click", () => playInterviewer(els.audio.srcObject));
  setInterval(renderClock, 250);
  // Leaving (or reloading) drops the socket; the server waits for a reconnect.
  window.addEventListener("pagehide", stopMic);

  if (!sessionId) {
    showBlocker("No interview selected", "This page needs an interview. Choose one on the Practise page.", {
      linkText: "Start an interview", linkHref: "/",
    });
    return;
  }

  let session;
  try {
    session = await api("GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}`);
  } catch (err) {
    if (err.status === 404) {
      showBlocker("Interview not found", "This interview does not exist (it may have been deleted).", {
        linkText: "Start a new interview", linkHref: "/",
      });
      return;
    }
    // The socket path reports its own problems; carry on without the details.
  }
  if (session) {
    if (["ended", "scored", "failed"].includes(session.state)) return onEnded(null);
    describe(session);
    // Reopening the room mid-interview (a reload): redraw what was said so far.
    if (session.state === "live" || session.state === "interrupted") await mergeStoredTranscript(true);
  }
  await acquireMicThenConnect();
}

main();
