// Package call is the headless candidate behind `viva call`: it creates (or
// joins) an interview on a Viva server, connects to it over the signaling
// WebSocket and a real WebRTC peer connection, speaks recorded answers into
// it at real-time pace, and reports every server event as it arrives. Tests,
// demos and load tests talk to Viva through it.
//
// A call follows docs/protocol.md:
//
//  1. POST /api/v1/sessions (unless Config.Session names one), then POST
//     /api/v1/sessions/{id}/ticket, then the WebSocket at the ticket's url
//     (no Origin header: the ticket is the authority).
//  2. An offer with one sendrecv audio transceiver (our Opus track out, the
//     interviewer's voice in), trickled candidates both ways.
//  3. The script: from the moment the peer connection exists the microphone
//     sends encoded silence every 20 ms, like a browser with an open
//     microphone. Each answer waits for a new prompt and then for the
//     interviewer to be listening (or, with Answer.Barge, starts that long
//     after the prompt), and is sent frame by frame on a 20 ms schedule
//     anchored at the call's start, so drift does not accumulate.
//  4. After the last answer the microphone stays open until the server sends
//     ended, or, with Config.End, until the turn has been transcribed, when
//     the call sends end.
//
// Turn latency is measured as the candidate hears it: from the moment the
// last loud frame of an answer was sent (Turn.SpeechEnd) to the arrival of
// the first RTP packet of the interviewer's reply (Turn.FirstReply). The
// server sends audio only while the interviewer speaks, so a reply is the
// first packet after the answer's speech that follows a pause of at least
// ReplyGap.
//
// Impairment (Config.Impair) drops and delays our outgoing RTP packets in a
// pion interceptor, after the packetizer has numbered them, so the server
// sees real loss and reordering.
//
// Run starts no goroutine that outlives it.
package call
