// Package vad owns voice activity detection: deciding, frame by frame,
// whether a stream of 16 kHz mono PCM holds speech. The endpointer builds
// end-of-turn decisions on top of it.
//
// Detector is the seam. Energy, the default, is pure Go: an adaptive
// energy detector with a noise-floor tracker, a spectral-flatness gate
// that rejects noise-like bursts, and a hangover. MEASUREMENTS.md holds
// its figures on labelled audio and the comparison with libspeexdsp's
// detector, which was measured and rejected. The vadtest subpackage holds
// the labelled audio and the conformance suite every Detector passes.
package vad

// SampleRate is the rate, in Hz, of the PCM every Detector expects.
const SampleRate = 16000

// FrameSamples is the length of the 20 ms frames the detectors are
// designed for and measured on.
const FrameSamples = SampleRate / 50

// Detector decides whether one frame of 16 kHz mono PCM is speech.
//
// Detectors are stateful (they track the noise floor and hold speech over
// short pauses), so each stream needs its own, and a Detector is not safe
// for concurrent use. Frames should be FrameSamples long; every
// implementation accepts other lengths (including empty ones) without
// panicking and documents what it does with them.
type Detector interface {
	// Speech reports whether frame, the next frame of the stream, is speech.
	Speech(frame []int16) bool
	// Reset forgets the stream so far, as if the Detector were new.
	Reset()
}
