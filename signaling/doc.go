// Package signaling owns the interview's WebSocket: one socket per
// interview at a versioned path, JSON messages with a type field (SDP offer
// and answer, trickle ICE, and the server's events for the UI), authorised
// by a short-lived ticket from the HTTP API.
//
// It arrives with the live voice path; until then the package is empty.
package signaling
