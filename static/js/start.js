// Viva's start page: choose the interview, check the microphone, create the
// session and go to the interview room.
import { api, TRACKS, MODES, DEFAULT_MINUTES, micErrorMessage } from "./api.js";

const $ = (id) => document.getElementById(id);
const form = $("start-form");
const trackEl = $("track");
const modeEl = $("mode");
const minutesEl = $("minutes");
const minutesErr = $("minutes-error");
const questionEl = $("question");
const questionHint = $("question-hint");
const micButton = $("mic-button");
const micLevel = $("mic-level");
const micStatus = $("mic-status");
const startButton = $("start-button");
const startStatus = $("start-status");

// The mode a track is usually practised in, used only until the user picks a mode.
const TRACK_MODE = { behavioral: "behavioral", "ml-screen": "screen" };

let minutesTouched = false;
let modeTouched = false;

/* ---------- the interview choice ---------- */

function fillSelect(select, labels) {
  for (const [value, label] of Object.entries(labels)) select.add(new Option(label, value));
}

function applyDefaultMinutes() {
  if (!minutesTouched) minutesEl.value = String(DEFAULT_MINUTES[modeEl.value] || 15);
}

// Questions are refetched whenever the track or mode changes; a late answer
// for an older choice is dropped.
let questionsRequest = 0;
async function loadQuestions() {
  const mine = ++questionsRequest;
  const keep = questionEl.value;
  questionEl.length = 1; // keep "Any question"
  questionHint.textContent = "Loading the questions…";
  const q = new URLSearchParams({ track: trackEl.value, mode: modeEl.value });
  try {
    const { questions = [] } = (await api("GET", `/api/v1/questions?${q}`)) || {};
    if (mine !== questionsRequest) return;
    for (const item of questions) {
      const label = item.minutes ? `${item.title} (about ${item.minutes} min)` : item.title;
      questionEl.add(new Option(label, item.id));
    }
    if (keep && questions.some((item) => item.id === keep)) questionEl.value = keep;
    questionHint.textContent = questions.length
      ? "Leave at “Any question” to let the interviewer choose."
      : "No questions for this track and mode; the interviewer will choose.";
  } catch {
    if (mine !== questionsRequest) return;
    questionHint.textContent = "Could not load the question list; the interviewer will choose one.";
  }
}

function validMinutes() {
  const raw = minutesEl.value.trim();
  const n = Number(raw);
  const ok = raw !== "" && Number.isInteger(n) && n >= 5 && n <= 180;
  minutesEl.setAttribute("aria-invalid", String(!ok));
  minutesErr.textContent = ok ? "" : "Enter a whole number of minutes from 5 to 180.";
  return ok ? n : null;
}

/* ---------- the microphone check ---------- */

const mic = { stream: null, ctx: null, raf: 0, state: "unchecked", heard: false };

function setMicStatus(text, kind) {
  micStatus.textContent = text;
  micStatus.className = `message ${kind || ""}`.trim();
}

function stopMic() {
  cancelAnimationFrame(mic.raf);
  if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
  if (mic.ctx) mic.ctx.close().catch(() => {});
  mic.stream = null;
  mic.ctx = null;
  micLevel.value = 0;
  micLevel.textContent = "0%";
}

async function checkMic() {
  stopMic();
  micButton.disabled = true;
  setMicStatus("Waiting for the browser's permission…");
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw { name: "insecure" };
    mic.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    mic.state = "ok";
    mic.heard = false;
    setMicStatus("Microphone on. Say a few words: the level bar should move.", "");
    startMeter(mic.stream);
    micButton.textContent = "Stop check";
  } catch (err) {
    mic.state = err && (err.name === "NotAllowedError" || err.name === "SecurityError") ? "denied" : "failed";
    setMicStatus(micErrorMessage(err), "error");
    micButton.textContent = "Check again";
  } finally {
    micButton.disabled = false;
  }
}

// Drives the <meter> from the RMS level of the microphone, on a dBFS scale
// (-60 dB → empty, 0 dB → full), which matches how loud speech feels.
function startMeter(stream) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  mic.ctx = new Ctx();
  const analyser = mic.ctx.createAnalyser();
  analyser.fftSize = 1024;
  mic.ctx.createMediaStreamSource(stream).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  let shown = 0;
  const tick = () => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const x of buf) sum += x * x;
    const db = 20 * Math.log10(Math.sqrt(sum / buf.length) || 1e-8);
    const level = Math.min(1, Math.max(0, (db + 60) / 60));
    shown = Math.max(level, shown * 0.9); // fall back smoothly
    micLevel.value = shown;
    micLevel.textContent = `${Math.round(shown * 100)}%`;
    if (!mic.heard && level > 0.35) {
      mic.heard = true;
      setMicStatus("We can hear you. Your microphone is ready.", "ok");
    }
    mic.raf = requestAnimationFrame(tick);
  };
  // Some browsers start an AudioContext suspended; the button press allows resuming it.
  mic.ctx.resume().catch(() => {});
  tick();
}

micButton.addEventListener("click", () => {
  if (mic.stream) {
    stopMic();
    micButton.textContent = "Check again";
    setMicStatus(mic.heard ? "Check finished: your microphone works." : "Check stopped.", mic.heard ? "ok" : "");
    return;
  }
  checkMic();
});

/* ---------- starting ---------- */

async function start(ev) {
  ev.preventDefault();
  const minutes = validMinutes();
  if (minutes === null) {
    minutesEl.focus();
    return;
  }
  if (mic.state === "denied" || mic.state === "failed") {
    startStatus.className = "message error";
    startStatus.textContent = "The interview needs a working microphone. " + micStatus.textContent;
    micButton.focus();
    return;
  }
  const body = { track: trackEl.value, mode: modeEl.value, minutes };
  if (questionEl.value) body.questions = [questionEl.value];
  startButton.disabled = true;
  startStatus.className = "message";
  startStatus.textContent = "Creating the interview…";
  try {
    const session = await api("POST", "/api/v1/sessions", body);
    stopMic(); // the room asks for the microphone itself
    location.assign(`room.html?session=${encodeURIComponent(session.id)}`);
  } catch (err) {
    startStatus.className = "message error";
    startStatus.textContent = `Could not create the interview: ${err.message}`;
    const fieldEl = { track: trackEl, mode: modeEl, minutes: minutesEl }[err.field];
    if (fieldEl) fieldEl.focus();
    startButton.disabled = false;
  }
}

/* ---------- wiring ---------- */

function init() {
  fillSelect(trackEl, TRACKS);
  fillSelect(modeEl, MODES);
  applyDefaultMinutes();

  trackEl.addEventListener("change", () => {
    const mode = TRACK_MODE[trackEl.value];
    if (!modeTouched && mode) {
      modeEl.value = mode;
      applyDefaultMinutes();
    }
    loadQuestions();
  });
  modeEl.addEventListener("change", () => {
    modeTouched = true;
    applyDefaultMinutes();
    loadQuestions();
  });
  minutesEl.addEventListener("input", () => {
    minutesTouched = true;
    if (minutesEl.getAttribute("aria-invalid") === "true") validMinutes();
  });
  minutesEl.addEventListener("change", validMinutes);
  form.addEventListener("submit", start);
  window.addEventListener("pagehide", stopMic);
  // The room links back here (#mic-check) when the microphone was refused.
  if (location.hash === "#mic-check") $("mic-check").focus();
  // Back/forward cache: a restored page must not keep a disabled button.
  window.addEventListener("pageshow", () => { startButton.disabled = false; });

  loadQuestions();
}

init();
