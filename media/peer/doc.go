// Package peer owns the server's end of an interview's WebRTC connection.
//
// A Peer holds one pion PeerConnection per interview, negotiated with trickle
// ICE (or a complete answer, when no candidate callback is set). It hears
// the candidate: Opus over RTP, reordered by sequence number in a small
// jitter buffer (a gap is a lost packet, concealed by the decoder; a jump in
// RTP timestamps is the sender's DTX, inserted as silence), decoded to 16 kHz
// mono, cut into 20 ms frames for the voice activity detector (media/vad)
// and the endpointer (media/endpoint). Every endpointer decision is reported
// as an Event; an end of turn carries the turn's audio, a pause its last
// seconds (for a quick partial transcript, whose words SetWords hands back
// to the endpointer so that "because…" is a thinking pause, not an end).
//
// It speaks the interviewer's voice: Say encodes synthesised speech to Opus
// and sends it in real time, at most Lead ahead, so that a barge-in (which
// the Peer acts on by itself) silences it within a frame or two.
//
// Time is the interview's time base: zero is the first RTP packet of the
// first connection (Config.Start carries it over a reconnect), and afterwards
// time is the count of samples decoded (concealed and inserted ones
// included) over 16 kHz, so it follows the candidate's audio, not the
// server's clock. Both directions' packets are reported with their times on
// it, for the recordings.
package peer
