// Package signaling owns the interview's WebSocket protocol: one socket per
// interview at /api/v1/sessions/{id}/ws, JSON messages with a "type" and a
// protocol version "v" (SDP offer and answer and trickle ICE both ways; the
// interviewer's prompts, live transcripts, interview state, clock, notices
// and errors from the server), and the short-lived single-use tickets that
// authorise a socket for one session and one owner.
//
// It knows nothing of the media engine. The media and interviewer side
// plugs in through two small interfaces owned here: it implements Handler
// to receive the client's messages, and sends its own through a Sender
// (a *Conn), which never blocks.
//
// The pieces:
//
//   - Parse and Encode: the strict wire format (message.go); every parse
//     error is a *ProtocolError whose Code the client is sent.
//   - Tickets: issue and redeem tickets (ticket.go).
//   - Upgrader: checks Origin and ticket before the handshake, keeps at most
//     one live socket per session, and makes Conns (upgrader.go).
//   - Conn: one reader and one writer goroutine, a bounded send queue that
//     drops a slow client instead of blocking, a read limit and ping/pong
//     deadlines (conn.go).
//
// docs/protocol.md is the protocol's reference for client authors: every
// message, the order of an interview, error and close codes, limits and
// reconnects.
package signaling
