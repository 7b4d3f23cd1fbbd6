// Package media owns an interview's audio: the pion/webrtc peer connection,
// jitter buffer and Opus decoding, voice activity and end-of-turn detection,
// the paced interviewer track, and the Ogg recordings of both sides on the
// interview's time base. Speech engines live beneath it (media/stt,
// media/tts).
//
// So far it holds the audio input every path shares: ReadWAV, which
// decodes any common WAV file (PCM or float, any rate and channel count)
// with bounded memory, and a band-limited resampler to the engines' 16 kHz.
// The peer connection and the recorder arrive with the live voice path.
package media
