// Shared helpers for Viva's pages: the JSON API, time formatting and labels.

/**
 * Calls the JSON API. Resolves to the parsed body (null for 204 or an empty
 * body); throws an Error whose message is the server's `error` text, with
 * `status`, `code`, `field` and `retryAfter` (seconds, or null) attached.
 */
export async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw apiError("Could not reach the Viva server. Check that it is running and try again.", { status: 0, code: "network" });
  }
  const text = res.status === 204 ? "" : await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const retry = Number(res.headers.get("Retry-After"));
    throw apiError((data && data.error) || `The server answered ${res.status} ${res.statusText}`.trim(), {
      status: res.status,
      code: (data && data.code) || "http_" + res.status,
      field: (data && data.field) || null,
      retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    });
  }
  return data;
}

function apiError(message, props) {
  return Object.assign(new Error(message), props);
}

/** Formats milliseconds as "m:ss" (minutes are not wrapped at 60). */
export function fmtClock(ms) {
  const total = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** Human labels for tracks and modes, in display order. */
export const TRACKS = {
  rag: "RAG and retrieval systems",
  agents: "Agents and orchestration",
  mlops: "MLOps and production AI",
  llm: "LLM fundamentals",
  behavioral: "Behavioral (AI engineering)",
  "ml-screen": "Classical-ML screen",
};

export const MODES = {
  "system-design": "System-design round",
  behavioral: "Behavioral round",
  screen: "Rapid screen",
};

/** Default interview length of each mode, in minutes (the server's defaults). */
export const DEFAULT_MINUTES = { "system-design": 45, behavioral: 20, screen: 15 };

export const trackLabel = (t) => TRACKS[t] || t;
export const modeLabel = (m) => MODES[m] || m;

/** The `session` query parameter of the current page, or null when absent. */
export function sessionParam() {
  const id = new URLSearchParams(location.search).get("session");
  return id && /^[0-9a-fA-F-]{36}$/.test(id) ? id : null;
}

/** A human explanation of a getUserMedia failure (err.name "insecure": no mediaDevices on this page). */
export function micErrorMessage(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "Viva needs your microphone. Allow it in the browser's site settings and press Check again.";
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return "No microphone was found. Connect one (or enable it in your system settings) and press Check again.";
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return "The microphone could not be started: another app may be using it. Close that app and press Check again.";
  }
  if (name === "insecure") {
    return "This browser only allows the microphone on secure pages. Open Viva at https:// or on localhost.";
  }
  return `The microphone could not be started (${(err && err.message) || "unknown error"}). Press Check again.`;
}
