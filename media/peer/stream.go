package peer

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/media/vad"
)

// rate is the sample rate of everything after the decoder.
const rate = vad.SampleRate

// jitterDepth is how many packets wait for a missing one before it is
// declared lost: 60 ms at 20 ms a packet.
const jitterDepth = 3

// stream is the media path of one incoming track, from RTP payloads to
// events. It does no I/O and is not safe for concurrent use.
type stream struct {
	log  *slog.Logger
	dec  opus.Decoder
	det  vad.Detector
	ep   *endpoint.Endpointer
	jit  *jitter
	emit func(Event)

	scratch []int16 // decoder output
	pending []int16 // decoded samples not yet a whole frame
	frames  int64   // frames fed to the detector
	lost    int64   // packets concealed

	// Verdicts wait here for as long as the detector's hangover, so that
	// the hangover after speech can be taken back: the endpointer then sees
	// silence start where the speech ended, not where the hangover did.
	delay    []bool
	hangover int // frames of hangover the detector adds after speech
	fed      int64

	hist      []int16 // audio kept for the current or next turn
	histStart int64   // sample index of hist[0]
	keep      int     // samples kept while no turn is open
	inTurn    bool
	onset     int64 // sample index of the current turn's onset
	speechEnd int64 // sample index where its speech last paused; -1 if speaking
}

func newStream(log *slog.Logger, vcfg vad.Config, ecfg endpoint.Config, emit func(Event)) (*stream, error) {
	dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{SampleRate: rate})
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	det, err := vad.New(vcfg)
	if err != nil {
		return nil, err
	}
	ep, err := endpoint.New(ecfg)
	if err != nil {
		return nil, err
	}
	h := vcfg.Hangover
	if h == 0 {
		h = 160 * time.Millisecond // vad.Config's documented default
	}
	hs := int(h.Seconds() * rate)
	// Energy holds speech while fewer than hangover samples of non-speech
	// have passed: ceil(hangover/frame)-1 whole frames.
	hangover := max((hs+vad.FrameSamples-1)/vad.FrameSamples-1, 0)
	c := ep.Config()
	keep := int((c.MinSpeech + c.BargeIn + time.Second + h).Seconds() * rate)
	return &stream{
		log: log, dec: dec, det: det, ep: ep, jit: newJitter(jitterDepth), emit: emit,
		scratch:   make([]int16, opus.MaxPacketSamples*rate/opus.Rate),
		hangover:  hangover,
		keep:      keep,
		speechEnd: -1,
	}, nil
}

// packet takes the next RTP packet's sequence number and payload.
func (s *stream) packet(seq uint16, payload []byte) {
	s.jit.push(seq, payload, s.decode)
}

// decode decodes one packet in order, or conceals a lost (nil) one.
func (s *stream) decode(payload []byte) {
	var n int
	var err error
	if payload != nil {
		n, err = s.dec.Decode(payload, s.scratch)
		if errors.Is(err, opus.ErrInvalidPacket) {
			s.log.Debug("invalid opus packet", "error", err)
			payload = nil
		}
	}
	if payload == nil {
		s.lost++
		n, err = s.dec.Conceal(s.scratch)
	}
	if err != nil {
		s.log.Warn("opus decode", "error", err)
		return
	}
	s.pending = append(s.pending, s.scratch[:n]...)
	for len(s.pending) >= vad.FrameSamples {
		frame := s.pending[:vad.FrameSamples]
		s.hist = append(s.hist, frame...)
		s.verdict(s.det.Speech(frame))
		s.frames++
		s.pending = s.pending[vad.FrameSamples:]
	}
	s.pending = append(s.pending[:0:0], s.pending...)
}

// verdict queues the detector's verdict on the next frame, taking back the
// hangover when speech ends, and feeds the endpointer the verdict that
// leaves the queue.
func (s *stream) verdict(speech bool) {
	if !speech && len(s.delay) > 0 && s.delay[len(s.delay)-1] {
		for i := max(len(s.delay)-s.hangover, 0); i < len(s.delay); i++ {
			s.delay[i] = false
		}
	}
	s.delay = append(s.delay, speech)
	if len(s.delay) <= s.hangover {
		return
	}
	v := s.delay[0]
	s.delay = s.delay[1:]
	s.fed++
	at := time.Duration(s.fed) * endpoint.FrameDuration
	for _, e := range s.ep.Frame(at, v) {
		s.event(e)
	}
	if !s.inTurn && len(s.hist) > s.keep {
		drop := len(s.hist) - s.keep
		s.hist = append(s.hist[:0], s.hist[drop:]...)
		s.histStart += int64(drop)
	}
}

func (s *stream) event(e endpoint.Event) {
	ev := Event{Event: e}
	at := samples(e.At)
	switch e.Kind {
	case endpoint.SpeechStarted:
		s.inTurn, s.onset, s.speechEnd = true, at, -1
	case endpoint.Pause:
		s.speechEnd = at
	case endpoint.Resumed:
		s.speechEnd = -1
	case endpoint.EndOfTurn:
		end := s.speechEnd
		if end < 0 {
			end = at
		}
		ev.Utterance = &Utterance{StartMS: s.onset * 1000 / rate, PCM: s.slice(s.onset, end)}
		s.inTurn = false
		if i := min(max(end-s.histStart, 0), int64(len(s.hist))); i > 0 {
			s.hist = append(s.hist[:0], s.hist[i:]...)
			s.histStart += i
		}
	}
	s.emit(ev)
}

// slice copies the kept audio between two sample indexes.
func (s *stream) slice(from, to int64) []int16 {
	from = min(max(from-s.histStart, 0), int64(len(s.hist)))
	to = min(max(to-s.histStart, from), int64(len(s.hist)))
	return append([]int16(nil), s.hist[from:to]...)
}

func samples(d time.Duration) int64 {
	return int64(d) * rate / int64(time.Second)
}
