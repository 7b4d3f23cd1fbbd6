package call

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/viva-interview/viva/media/opus"
)

// loudPeak is the peak |sample| above which a frame counts as speech: about
// 1% of full scale.
const loudPeak = 328

// maxLag is how far behind its schedule the microphone may fall (a stalled
// machine) before it stops catching up and starts a new schedule.
const maxLag = time.Second

// lastLoudFrame is the index of the last 20 ms frame of pcm whose peak
// exceeds loudPeak, or -1 if there is none.
func lastLoudFrame(pcm []int16) int {
	for f := (len(pcm) - 1) / opus.FrameSamples; f >= 0; f-- {
		end := min(len(pcm), (f+1)*opus.FrameSamples)
		for _, s := range pcm[f*opus.FrameSamples : end] {
			if s > loudPeak || s < -loudPeak {
				return f
			}
		}
	}
	return -1
}

// micHooks are the microphone's reports, called from its goroutine.
type micHooks struct {
	started     func(i int, barge bool) // the answer's first frame was sent
	speechEnded func(i int)             // its last loud frame was sent
	ended       func(i int)             // its last frame was sent
	failed      func(err error)         // the microphone stopped on an error
}

// speak asks the microphone to play one answer.
type speak struct {
	index int
	barge bool
}

// mic sends the candidate's audio: an Opus packet every 20 ms on a
// schedule anchored at its start, silence unless an answer is playing.
type mic struct {
	log     *slog.Logger
	track   *webrtc.TrackLocalStaticSample
	enc     *opus.Encoder
	answers []Answer
	hooks   micHooks

	play chan speak    // at most one request at a time
	done chan int      // answers finished, in order
	quit chan struct{} // closed to stop
	exit chan struct{} // closed when the goroutine returns
}

func newMic(log *slog.Logger, track *webrtc.TrackLocalStaticSample, answers []Answer, hooks micHooks) (*mic, error) {
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		return nil, err
	}
	return &mic{
		log: log, track: track, enc: enc, answers: answers, hooks: hooks,
		play: make(chan speak, 1), done: make(chan int, len(answers)+1),
		quit: make(chan struct{}), exit: make(chan struct{}),
	}, nil
}

// start starts the goroutine; stop stops it and waits.
func (m *mic) start() { go m.run() }

func (m *mic) stop() {
	close(m.quit)
	<-m.exit
}

func (m *mic) run() {
	defer close(m.exit)
	var (
		silence = make([]int16, opus.FrameSamples)
		frame   = make([]int16, opus.FrameSamples)
		packet  = make([]byte, opus.MaxPacketBytes)
		cur     = -1 // the answer playing
		pos     int  // its next sample
		loud    int  // its last loud frame
		barge   bool
		writeOK = true
	)
	anchor := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for n := 0; ; n++ {
		select {
		case <-m.quit:
			return
		case <-timer.C:
		}
		if cur < 0 {
			select {
			case s := <-m.play:
				cur, pos, barge = s.index, 0, s.barge
				loud = lastLoudFrame(m.answers[cur].PCM)
			default:
			}
		}
		pcm := silence
		if cur >= 0 {
			a := m.answers[cur].PCM
			if pos == 0 {
				m.hooks.started(cur, barge)
			}
			k := copy(frame, a[pos:])
			clear(frame[k:])
			pcm = frame
		}
		size, err := m.enc.Encode(pcm, packet)
		if err != nil {
			m.hooks.failed(fmt.Errorf("encode the microphone's audio: %w", err))
			return
		}
		if err := m.track.WriteSample(pmedia.Sample{Data: packet[:size], Duration: FrameDuration}); err != nil {
			if writeOK {
				m.log.Debug("microphone write failed", "err", err)
			}
			writeOK = false
		} else {
			writeOK = true
		}
		if cur >= 0 {
			if pos/opus.FrameSamples == loud {
				m.hooks.speechEnded(cur)
			}
			pos += opus.FrameSamples
			if pos >= len(m.answers[cur].PCM) {
				m.hooks.ended(cur)
				m.done <- cur
				cur = -1
			}
		}
		// The next frame is due 20 ms after this one's slot, not 20 ms
		// from now, so the pace does not drift.
		next := anchor.Add(time.Duration(n+1) * FrameDuration)
		if lag := time.Since(next); lag > maxLag {
			m.log.Warn("microphone fell behind; restarting its schedule", "lag", lag)
			anchor, n = time.Now(), -1
			next = anchor
		}
		timer.Reset(time.Until(next))
	}
}
