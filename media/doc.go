// Package media owns an interview's audio: the pion/webrtc peer connection,
// jitter buffer and Opus decoding, voice activity and end-of-turn detection,
// the paced interviewer track, and the Ogg recordings of both sides on the
// interview's time base. Speech engines live beneath it (media/stt,
// media/tts).
//
// It arrives with the speech-to-text and live voice path; until then the
// package is empty.
package media
