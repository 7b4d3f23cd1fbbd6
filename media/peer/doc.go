// Package peer owns the server's end of an interview's WebRTC connection.
//
// A Receiver holds one pion PeerConnection per interview and hears the
// candidate: Opus over RTP, reordered by sequence number in a small jitter
// buffer (a gap is a lost packet, concealed by the decoder), decoded to
// 16 kHz mono, cut into 20 ms frames for the voice activity detector
// (media/vad) and the endpointer (media/endpoint). Every endpointer decision
// is reported as an Event; at each end of turn the Event also carries the
// Utterance: the turn's audio from its onset to the end of its speech.
//
// Time is the interview's time base: zero is the first RTP packet received,
// and afterwards time is the count of samples decoded (concealed ones
// included) over 16 kHz, so it follows the candidate's audio, not the
// server's clock.
package peer
