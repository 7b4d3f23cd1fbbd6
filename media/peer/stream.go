package peer

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
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

// MaxSegment bounds a stretch of speech without a pause: longer ones are
// split, so that the last segment of a turn, the one still being
// transcribed when the turn ends, is short.
const MaxSegment = 4 * time.Second

// maxGap bounds the silence inserted for one jump in RTP timestamps (the
// sender's DTX, a paused tab). A longer jump is a new stream, not a pause.
const maxGap = 10 * time.Minute

// rtpPerSample is how many 48 kHz RTP clock ticks one 16 kHz sample spans.
const rtpPerSample = opus.Rate / rate

// streamConfig is what a stream needs besides its codec pieces.
type streamConfig struct {
	log      *slog.Logger
	vad      vad.Config
	endpoint endpoint.Config
	start    time.Duration // the time base at this stream's first sample
	await    bool          // each Pause's words will come with setWords
	emit     func(Event)
	onPacket func(at time.Duration, payload []byte)
}

// stream is the media path of one incoming track, from RTP packets to
// events. Its packet method runs on one goroutine; the control setters
// (words, interviewer, mute) may be called from any, and take effect
// before the next packet.
type stream struct {
	log      *slog.Logger
	dec      opus.Decoder
	det      vad.Detector
	ep       *endpoint.Endpointer
	jit      *jitter
	emit     func(Event)
	onPacket func(at time.Duration, payload []byte)
	start    time.Duration
	await    bool

	scratch []int16 // decoder output
	pending []int16 // decoded samples not yet a whole frame
	pos     int64   // samples produced so far: the time base, less start
	frames  int64   // frames fed to the detector
	lost    int64   // packets concealed
	gaps    int64   // samples of silence inserted for timestamp jumps
	tsOK    bool    // nextTS is known
	nextTS  uint32  // RTP timestamp expected next

	// Verdicts wait here for as long as the detector's hangover, so that
	// the hangover after speech can be taken back: the endpointer then sees
	// silence start where the speech ended, not where the hangover did.
	delay    []bool
	hangover int // frames of hangover the detector adds after speech
	fed      int64
	muted    int64 // frames withheld from the endpointer while muted

	hist      []int16 // audio kept for the current or next turn
	histStart int64   // sample index of hist[0]
	keep      int     // samples kept while no turn is open
	inTurn    bool
	onset     int64 // sample index of the current turn's onset
	segStart  int64 // sample index where the turn's audio not yet reported starts
	speechEnd int64 // sample index where its speech last paused; -1 if speaking

	mu   sync.Mutex // guards ctl
	ctl  controls
	mute bool // the candidate's microphone is muted (applied copy of ctl)
}

// controls are inputs from other goroutines, waiting for the next packet.
type controls struct {
	words       []string
	wordsSet    bool
	speaking    bool
	speakingSet bool
	mute        bool
}

func newStream(cfg streamConfig) (*stream, error) {
	dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{SampleRate: rate})
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	det, err := vad.New(cfg.vad)
	if err != nil {
		return nil, err
	}
	ep, err := endpoint.New(cfg.endpoint)
	if err != nil {
		return nil, err
	}
	h := cfg.vad.Hangover
	if h == 0 {
		h = 160 * time.Millisecond // vad.Config's documented default
	}
	hs := int(h.Seconds() * rate)
	// Energy holds speech while fewer than hangover samples of non-speech
	// have passed: ceil(hangover/frame)-1 whole frames.
	hangover := max((hs+vad.FrameSamples-1)/vad.FrameSamples-1, 0)
	c := ep.Config()
	keep := int((c.MinSpeech + c.BargeIn + time.Second + h).Seconds() * rate)
	emit, onPacket := cfg.emit, cfg.onPacket
	if emit == nil {
		emit = func(Event) {}
	}
	if onPacket == nil {
		onPacket = func(time.Duration, []byte) {}
	}
	return &stream{
		log: cfg.log, dec: dec, det: det, ep: ep, jit: newJitter(jitterDepth),
		emit: emit, onPacket: onPacket, start: cfg.start, await: cfg.await,
		scratch:   make([]int16, opus.MaxPacketSamples*rate/opus.Rate),
		hangover:  hangover,
		keep:      keep,
		speechEnd: -1,
	}, nil
}

// packet takes the next RTP packet's sequence number, timestamp and payload.
func (s *stream) packet(seq uint16, ts uint32, payload []byte) {
	s.apply()
	s.jit.push(seq, packet{ts: ts, payload: payload}, s.decode)
}

// setWords, setSpeaking and setMute queue inputs for the next packet.
func (s *stream) setWords(words []string) {
	s.mu.Lock()
	s.ctl.words, s.ctl.wordsSet = words, true
	s.mu.Unlock()
}

func (s *stream) setSpeaking(speaking bool) {
	s.mu.Lock()
	s.ctl.speaking, s.ctl.speakingSet = speaking, true
	s.mu.Unlock()
}

func (s *stream) setMute(mute bool) {
	s.mu.Lock()
	s.ctl.mute = mute
	s.mu.Unlock()
}

// apply hands queued control inputs to the endpointer.
func (s *stream) apply() {
	s.mu.Lock()
	c := s.ctl
	s.ctl.words, s.ctl.wordsSet, s.ctl.speakingSet = nil, false, false
	s.mu.Unlock()
	if c.wordsSet {
		s.ep.SetWords(c.words)
	}
	if c.speakingSet {
		s.ep.SetInterviewerSpeaking(c.speaking)
	}
	s.mute = c.mute
}

// decode decodes one packet in order, or conceals a lost (nil) one. A jump
// in RTP timestamps beyond the packets lost (the sender's DTX) becomes
// silence, so that time keeps following the candidate's clock.
func (s *stream) decode(p *packet) {
	var payload []byte
	if p != nil {
		payload = p.payload
		if s.tsOK {
			if gap := int64(int32(p.ts - s.nextTS)); gap >= rtpPerSample*vad.FrameSamples/2 && gap <= samples(maxGap)*rtpPerSample {
				s.gaps += gap / rtpPerSample
				s.produce(make([]int16, gap/rtpPerSample))
			}
		}
		s.tsOK, s.nextTS = true, p.ts
	}
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
	if payload != nil {
		s.onPacket(s.start+time.Duration(s.pos)*time.Second/rate, payload)
	}
	s.nextTS += uint32(n * rtpPerSample)
	s.produce(s.scratch[:n])
}

// produce cuts decoded audio into frames for the detector.
func (s *stream) produce(pcm []int16) {
	s.pos += int64(len(pcm))
	s.pending = append(s.pending, pcm...)
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
// hangover when speech ends, and feeds the endpointer the verdicts that are
// final: a speech verdict waits for as long as the hangover (it may be
// hangover, taken back when the silence is reported), a silence verdict
// settles every verdict queued before it. While the candidate is muted the
// endpointer is not fed at all: its clock stops, so a muted silence is never
// an end of turn.
func (s *stream) verdict(speech bool) {
	if !speech && len(s.delay) > 0 && s.delay[len(s.delay)-1] {
		for i := max(len(s.delay)-s.hangover, 0); i < len(s.delay); i++ {
			s.delay[i] = false
		}
	}
	s.delay = append(s.delay, speech)
	n := len(s.delay) - s.hangover
	if !speech {
		n = len(s.delay)
	}
	for _, v := range s.delay[:max(n, 0)] {
		s.feed(v)
	}
	s.delay = append(s.delay[:0], s.delay[max(n, 0):]...)
	if !s.inTurn && len(s.hist) > s.keep {
		drop := len(s.hist) - s.keep
		s.hist = append(s.hist[:0], s.hist[drop:]...)
		s.histStart += int64(drop)
	}
}

// feed gives the endpointer the next settled verdict.
func (s *stream) feed(v bool) {
	s.fed++
	if s.mute {
		s.muted++
		return
	}
	at := time.Duration(s.fed-s.muted) * endpoint.FrameDuration
	for _, e := range s.ep.Frame(at, v) {
		s.event(e)
	}
	if s.inTurn && s.speechEnd < 0 && s.fed*vad.FrameSamples-s.segStart >= samples(MaxSegment) {
		s.split(s.fed * vad.FrameSamples)
	}
}

// split cuts the speech since the last cut at its quietest 10 ms in the
// last quarter before end, and reports the part before the cut as a
// segment of the turn.
func (s *stream) split(end int64) {
	const win = rate / 100
	from := s.segStart + (end-s.segStart)*3/4
	cut, quiet := end, int64(-1)
	for i := from; i+win <= end; i += win {
		var e int64
		for _, v := range s.slice(i, i+win) {
			e += int64(v) * int64(v)
		}
		if quiet < 0 || e < quiet {
			cut, quiet = i, e
		}
	}
	ev := Event{
		Event:   endpoint.Event{Kind: endpoint.Split, At: time.Duration(cut) * time.Second / rate, Reason: "speech longer than " + MaxSegment.String() + " without a pause, cut at its quietest 10 ms"},
		Segment: &Utterance{StartMS: s.ms(s.segStart), PCM: s.slice(s.segStart, cut)},
	}
	s.segStart = cut
	s.trim(cut)
	ev.At += s.start
	s.emit(ev)
}

// event turns an endpointer decision into an Event on the interview's time
// base, with the turn's audio where the decision calls for it: each pause
// reports the speech since the previous one, so that speech recognition
// keeps pace with a long answer.
func (s *stream) event(e endpoint.Event) {
	e.At += time.Duration(s.muted) * endpoint.FrameDuration
	at := samples(e.At)
	ev := Event{Event: e}
	switch e.Kind {
	case endpoint.SpeechStarted:
		s.inTurn, s.onset, s.segStart, s.speechEnd = true, at, at, -1
	case endpoint.Pause:
		s.speechEnd = at
		if s.inTurn {
			ev.Segment = &Utterance{StartMS: s.ms(s.segStart), PCM: s.slice(s.segStart, at)}
			s.segStart = at
			s.trim(at)
			if s.await {
				s.ep.ExpectWords()
			}
		}
	case endpoint.Resumed:
		s.speechEnd = -1
	case endpoint.EndOfTurn:
		end := s.speechEnd
		if end < 0 {
			end = at
		}
		ev.Segment = &Utterance{StartMS: s.ms(s.segStart), PCM: s.slice(s.segStart, end)}
		s.inTurn = false
		s.trim(end)
	}
	ev.At += s.start
	s.emit(ev)
}

// trim forgets the audio before sample index i.
func (s *stream) trim(i int64) {
	if n := min(max(i-s.histStart, 0), int64(len(s.hist))); n > 0 {
		s.hist = append(s.hist[:0], s.hist[n:]...)
		s.histStart += n
	}
}

// flush ends a turn that is still open, with the audio heard so far: the
// connection is closing mid-answer, and what was said must not be lost.
func (s *stream) flush() {
	if !s.inTurn {
		return
	}
	at := time.Duration(s.pos) * time.Second / rate
	s.event(endpoint.Event{Kind: endpoint.EndOfTurn, At: at - time.Duration(s.muted)*endpoint.FrameDuration,
		Reason: "the connection closed mid-turn"})
}

// ms converts a sample index of this stream to milliseconds on the
// interview's time base.
func (s *stream) ms(i int64) int64 {
	return (s.start + time.Duration(i)*time.Second/rate).Milliseconds()
}

// slice copies the kept audio between two sample indexes.
func (s *stream) slice(from, to int64) []int16 {
	from = min(max(from-s.histStart, 0), int64(len(s.hist)))
	to = min(max(to-s.histStart, from), int64(len(s.hist)))
	return append([]int16(nil), s.hist[from:to]...)
}

// now is the time base at the end of the audio decoded so far.
func (s *stream) now() time.Duration {
	return s.start + time.Duration(s.pos)*time.Second/rate
}

func samples(d time.Duration) int64 {
	return int64(d) * rate / int64(time.Second)
}
