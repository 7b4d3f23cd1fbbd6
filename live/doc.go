// Package live runs interviews: it owns the goroutines of each one and joins
// the pieces a call is made of — the signaling socket (signaling), the WebRTC
// connection that hears the candidate and speaks the interviewer's voice
// (media/peer), speech-to-text (media/stt), text-to-speech (media/tts), the
// recordings (media/record), the store and the interviewer, which decides
// what to say (the Interviewer seam; the interviewer package's state machine
// plugs in there).
//
// Each interview is one goroutine (run) that owns its state and takes its
// inputs from one channel: the client's messages, the endpointer's
// decisions, transcripts, the end of each prompt, the clock. Slow work
// (transcribing, synthesising, speaking) runs in goroutines that post their
// results back, so the interview never waits on an engine. Whoever starts a
// goroutine stops it: the interview waits for its own before it ends, and
// the Manager for every interview before Close returns.
//
// An interview outlives its socket: when the socket drops, what the candidate
// said is transcribed and kept, the session shows as interrupted, and a new
// socket within Config.Reconnect continues it on the same time base and the
// same recordings. Otherwise it ends as abandoned and is scored on what was
// said.
package live
