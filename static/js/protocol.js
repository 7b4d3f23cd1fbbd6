// The browser side of Viva's signaling protocol (docs/protocol.md): a ticket,
// a WebSocket, an RTCPeerConnection carrying the microphone out and the
// interviewer's voice in, trickled ICE, and reconnecting (§7). The room page
// (room.js) draws everything; this module only talks to the server.
import { api } from "./api.js";

/** How long a dropped interview waits for a new socket (server default, §7). */
export const RECONNECT_WINDOW_MS = 60_000;
// Back-off between attempts: 0.5, 1, 2, 4, 8, 8, … s, all within the window.
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
// A socket that has not opened by then is given up (the server's own handshake limit is 10 s).
const HANDSHAKE_TIMEOUT_MS = 10_000;
// Tickets live 30 s (§1.1); reuse one only well inside that, whatever the clocks say.
const TICKET_REUSE_MS = 20_000;
// How many times an unspent ticket is retried after a refused upgrade.
const TICKET_MAX_REUSES = 3;

/** Connection statuses reported through onStatus. */
export const Status = Object.freeze({
  CONNECTING: "connecting",
  CONNECTED: "connected",
  RECONNECTING: "reconnecting",
  ENDED: "ended",
  FAILED: "failed",
});

function wsURL(path) {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}

/**
 * One interview's connection. Callbacks (all optional):
 *   getStream()            → Promise<MediaStream>: the microphone, asked for on every new peer connection
 *   onStatus(status, info) connection status changes (Status.*); info.reason for FAILED
 *   onMessage(msg)         prompt, transcript, state, clock, notice, error, pong and unknown types
 *   onRemoteStream(stream) the interviewer's audio
 *   onOpen({reconnect})    a socket opened and its offer went out
 *   onEnded(reason)        the interview is over; reason is null when learnt other than by `ended`
 *   onFailed({message, retry}) gave up; retry() tries again from scratch
 */
export class InterviewConnection {
  constructor(sessionId, callbacks) {
    this.id = sessionId;
    this.cb = callbacks;
    this.ws = null;
    this.pc = null;
    this.ticket = null;       // {ticket, url, issuedAt, reuses} while it may still be unspent
    this.attempt = 0;         // attempts since the last good connection
    this.windowStart = 0;     // when the current run of attempts began
    this.retryTimer = 0;
    this.everOpened = false;  // a socket has opened before: later ones are reconnects
    this.muted = false;
    this.ending = false;      // `end` was sent
    this.stopped = false;     // ended, failed for good, or closed by the page
    this.status = null;
  }

  /** Connects for the first time. */
  start() {
    this.stopped = false;
    this.attempt = 0;
    this.windowStart = Date.now();
    this.setStatus(this.everOpened ? Status.RECONNECTING : Status.CONNECTING);
    this.connect();
  }

  /** Starts over after onFailed. */
  retry() {
    clearTimeout(this.retryTimer);
    this.ticket = null;
    this.start();
  }

  /** Mutes or unmutes the microphone and tells the server, when it can hear it. */
  setMuted(muted) {
    this.muted = muted;
    if (this.stream) this.stream.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    // `mute` before the offer is refused with bad_state (§3); the offer path sends it then.
    if (this.offerSent) this.send({ type: muted ? "mute" : "unmute" });
  }

  /** Asks the server to end the interview. False when no socket is open to carry it. */
  end() {
    const sent = this.send({ type: "end" });
    if (sent) this.ending = true;
    return sent;
  }

  /** Closes everything; no reconnecting afterwards. */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.closeSocket();
    this.closePeer();
  }

  /* ---------- attempts ---------- */

  setStatus(status, info) {
    if (this.status === status && !info) return;
    this.status = status;
    this.cb.onStatus?.(status, info || {});
  }

  async connect() {
    if (this.stopped) return;
    let ticket;
    try {
      ticket = await this.getTicket();
    } catch (err) {
      if (this.stopped) return;
      if (err.status === 409) return this.finish(null); // the interview is over (or cannot continue)
      if (err.status === 404) return this.fail("This interview does not exist. Start a new one.", false);
      // 503 busy carries Retry-After; network errors and 5xx are worth retrying too.
      return this.retryLater(err.retryAfter ? err.retryAfter * 1000 : 0, err.message);
    }
    if (!this.stopped) this.openSocket(ticket);
  }

  // A ticket is single-use once the socket opens, but an upgrade refused with
  // 409 session_busy leaves it unspent (§1.2), so it is kept for the next try.
  async getTicket() {
    const t = this.ticket;
    if (t && t.reuses < TICKET_MAX_REUSES && Date.now() - t.issuedAt < TICKET_REUSE_MS) {
      t.reuses++;
      return t;
    }
    const res = await api("POST", `/api/v1/sessions/${encodeURIComponent(this.id)}/ticket`);
    this.ticket = { ticket: res.ticket, url: res.url, issuedAt: Date.now(), reuses: 0 };
    return this.ticket;
  }

  retryLater(minDelay = 0, reason = "") {
    if (this.stopped) return;
    const delay = Math.max(minDelay, BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]);
    this.attempt++;
    if (Date.now() - this.windowStart + delay > RECONNECT_WINDOW_MS) {
      this.fail(
        this.everOpened
          ? "The connection to the Viva server was lost and could not be restored."
          : `Could not connect to the Viva server${reason ? `: ${reason}` : "."}`,
        true,
      );
      return;
    }
    this.setStatus(this.everOpened ? Status.RECONNECTING : Status.CONNECTING);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  fail(message, canRetry) {
    this.stopped = true;
    this.closeSocket();
    this.closePeer();
    this.setStatus(Status.FAILED, { reason: message });
    this.cb.onFailed?.({ message, retry: canRetry ? () => this.retry() : null });
  }

  finish(reason) {
    if (this.status === Status.ENDED) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.setStatus(Status.ENDED);
    this.cb.onEnded?.(reason);
  }

  /* ---------- the socket ---------- */

  openSocket(ticket) {
    const ws = new WebSocket(wsURL(ticket.url));
    this.ws = ws;
    this.offerSent = false;
    let opened = false;
    const timer = setTimeout(() => { if (!opened) ws.close(); }, HANDSHAKE_TIMEOUT_MS);
    // Messages are handled one at a time, in order: applying an answer is
    // asynchronous, and the candidates after it must wait for it.
    let queue = Promise.resolve();

    ws.onopen = () => {
      opened = true;
      clearTimeout(timer);
      this.ticket = null; // spent
      const reconnect = this.everOpened;
      this.everOpened = true;
      queue = queue.then(() => this.startCall(ws, reconnect)).catch((err) => this.localError(err));
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // not ours to fix; the server never sends this
      }
      if (!msg || typeof msg !== "object") return;
      queue = queue.then(() => this.handle(msg)).catch((err) => this.localError(err));
    };
    ws.onclose = (ev) => {
      clearTimeout(timer);
      // Queued behind the messages still being handled, so that an `ended`
      // just before the 1000 close is seen first.
      queue = queue.then(() => {
        if (ws !== this.ws) return; // a socket we closed or replaced ourselves
        this.ws = null;
        this.closePeer();
        this.socketClosed(ev.code, opened);
      }).catch((err) => this.localError(err));
    };
  }

  socketClosed(code, opened) {
    if (this.stopped) return;
    if (!opened) {
      // The upgrade was refused or never arrived. Browsers hide the HTTP
      // status; while reconnecting the usual cause is 409 session_busy (the
      // server has not yet noticed the old socket), so the ticket is kept.
      return this.retryLater();
    }
    if (code === 1000 || this.ending) return this.finish(null); // 1000 follows `ended`
    if (code === 1008 || code === 1009) {
      // A protocol error on our side: retrying blindly would repeat it (§5).
      return this.fail(`The server closed the connection (code ${code}). Reload the page to try again.`, true);
    }
    // 1001 going away, 1006 lost, 1011, 4001 slow consumer, 4002 peer timeout:
    // reconnect within the server's window (§7).
    this.attempt = 0;
    this.windowStart = Date.now();
    this.setStatus(Status.RECONNECTING);
    this.retryLater();
  }

  closeSocket() {
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }

  send(msg) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ ...msg, v: 1 }));
    return true;
  }

  /** Drops the current socket and peer connection and reconnects, as after a network drop. */
  reconnectNow() {
    if (this.stopped) return;
    this.closeSocket();
    this.closePeer();
    this.socketClosed(1006, true);
  }

  localError(err) {
    console.error("viva:", err);
    this.cb.onMessage?.({ type: "error", v: 1, code: "client", message: `Audio setup failed: ${err.message || err}` });
  }

  /* ---------- the call ---------- */

  // On every new socket: a new RTCPeerConnection with the microphone
  // (sendrecv), and a new offer (§7 step 4).
  async startCall(ws, reconnect) {
    this.stream = await this.cb.getStream();
    if (ws !== this.ws) return;
    this.stream.getAudioTracks().forEach((t) => { t.enabled = !this.muted; });
    const pc = new RTCPeerConnection();
    this.pc = pc;
    this.remoteSet = false;
    this.pendingCandidates = [];
    this.sentEndOfCandidates = false;
    this.outbox = [];

    for (const track of this.stream.getAudioTracks()) {
      pc.addTransceiver(track, { direction: "sendrecv", streams: [this.stream] });
    }
    pc.ontrack = (ev) => {
      if (pc === this.pc) this.cb.onRemoteStream?.(ev.streams[0] || new MediaStream([ev.track]));
    };
    pc.onicecandidate = (ev) => { if (pc === this.pc) this.sendCandidate(ev.candidate); };
    pc.onconnectionstatechange = () => this.peerStateChanged(pc);

    await pc.setLocalDescription(await pc.createOffer());
    if (ws !== this.ws) return;
    this.send({ type: "offer", sdp: pc.localDescription.sdp });
    this.offerSent = true;
    for (const c of this.outbox.splice(0)) this.sendCandidate(c);
    if (this.muted) this.send({ type: "mute" });
    this.cb.onOpen?.({ reconnect });
  }

  peerStateChanged(pc) {
    if (pc !== this.pc) return;
    switch (pc.connectionState) {
      case "connected":
        this.attempt = 0;
        this.setStatus(Status.CONNECTED);
        break;
      case "failed":
        // ICE or DTLS broke for good: start over with a new socket and peer
        // connection, which the server treats as a reconnect.
        this.reconnectNow();
        break;
      default:
        break;
    }
  }

  // Only the fields `candidate` allows (§2): spreading the whole candidate
  // object would add fields the server refuses.
  sendCandidate(c) {
    // A candidate before the offer is refused (bad_state); hold it until then.
    if (!this.offerSent) {
      this.outbox.push(c);
      return;
    }
    if (!c || !c.candidate) {
      // null (or an empty candidate in some browsers) ends gathering; say so once.
      if (!this.sentEndOfCandidates) this.send({ type: "candidate", candidate: "" });
      this.sentEndOfCandidates = true;
      return;
    }
    const msg = { type: "candidate", candidate: c.candidate };
    if (c.sdpMid != null) msg.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex != null) msg.sdpMLineIndex = c.sdpMLineIndex;
    if (c.usernameFragment) msg.usernameFragment = c.usernameFragment;
    this.send(msg);
  }

  async handle(msg) {
    switch (msg.type) {
      case "answer":
        return this.applyAnswer(msg);
      case "offer":
        return this.applyOffer(msg);
      case "candidate":
        return this.addRemoteCandidate(msg);
      case "ended":
        // The server closes with 1000 right after; the peer connection goes with the socket.
        return this.finish(msg.reason || null);
      default:
        this.cb.onMessage?.(msg);
    }
  }

  async applyAnswer(msg) {
    const pc = this.pc;
    if (!pc || pc.signalingState !== "have-local-offer") return;
    await pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
    await this.remoteDescriptionSet(pc);
  }

  // The server offers only to renegotiate (§2 offer); answer it.
  async applyOffer(msg) {
    const pc = this.pc;
    if (!pc) return;
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    await this.remoteDescriptionSet(pc);
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc === this.pc) this.send({ type: "answer", sdp: pc.localDescription.sdp });
  }

  // Candidates may arrive before the answer they belong to (§2 candidate):
  // they wait in pendingCandidates until the remote description is set.
  async addRemoteCandidate(msg) {
    const init = msg.candidate === ""
      ? { candidate: "" } // end-of-candidates
      : { candidate: msg.candidate, sdpMid: msg.sdpMid ?? null, sdpMLineIndex: msg.sdpMLineIndex ?? null,
          usernameFragment: msg.usernameFragment ?? null };
    if (!this.pc) return;
    if (!this.remoteSet) {
      this.pendingCandidates.push(init);
      return;
    }
    await this.addCandidate(this.pc, init);
  }

  async remoteDescriptionSet(pc) {
    if (pc !== this.pc) return;
    this.remoteSet = true;
    const pending = this.pendingCandidates.splice(0);
    for (const init of pending) await this.addCandidate(pc, init);
  }

  async addCandidate(pc, init) {
    try {
      await pc.addIceCandidate(init);
    } catch (err) {
      // Older browsers reject the end-of-candidates form; it only speeds things up.
      if (init.candidate !== "") console.warn("viva: a remote ICE candidate was refused", err);
    }
  }

  closePeer() {
    const pc = this.pc;
    this.pc = null;
    this.offerSent = false;
    if (pc) {
      pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
    }
  }
}
