package peer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva/media/opus"
)

// Lead is how far the interviewer's voice runs ahead of real time: the
// first frames of a prompt go out at once, the rest one per 20 ms, so at most
// this much audio is ever queued on the way to the candidate. A barge-in
// therefore silences the voice within Lead plus one frame.
const Lead = 2 * frame

// frame is the length of one Opus packet of the interviewer's voice.
const frame = 20 * time.Millisecond

// Spoken is what one Say sent.
type Spoken struct {
	// Start is when the first frame went out, on the interview's time base.
	Start time.Duration
	// Sent is how much audio went out.
	Sent time.Duration
	// Interrupted says Say stopped early: Hush (a barge-in), ctx or Close.
	Interrupted bool
}

// voice is the interviewer's outgoing track: Opus packets made from
// synthesised speech, paced in real time.
type voice struct {
	p     *Peer
	track *webrtc.TrackLocalStaticRTP

	say sync.Mutex // one Say at a time; guards enc and the RTP state
	enc *opus.Encoder
	seq uint16
	ts0 uint32 // RTP timestamp of time base zero

	mu   sync.Mutex // guards hush
	hush chan struct{}
}

func newVoice(p *Peer) (*voice, error) {
	track, err := webrtc.NewTrackLocalStaticRTP(opusCodec, "audio", "interviewer")
	if err != nil {
		return nil, fmt.Errorf("interviewer track: %w", err)
	}
	tr, err := p.pc.AddTransceiverFromTrack(track,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		return nil, fmt.Errorf("audio transceiver: %w", err)
	}
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		return nil, err
	}
	v := &voice{p: p, track: track, enc: enc, seq: uint16(rand.Uint32()), ts0: rand.Uint32()}
	sender := tr.Sender()
	p.wg.Add(1)
	go func() { // RTCP must be read for the interceptors to work
		defer p.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	return v, nil
}

// Say speaks pcm, 48 kHz mono audio, on the interviewer's track in paced
// 20 ms Opus frames. It returns when all of it has gone out, or early when
// Hush is called (the endpointer's barge-in calls it), ctx is done or the
// Peer closes. onFrame, if not nil, receives each packet with its time on
// the interview's time base: what the interviewer's recording is made of.
// While Say runs the endpointer knows the interviewer is speaking. Calls
// are serialised.
func (p *Peer) Say(ctx context.Context, pcm []int16, onFrame func(at time.Duration, packet []byte)) (Spoken, error) {
	v := p.voice
	v.say.Lock()
	defer v.say.Unlock()
	if p.isClosed() {
		return Spoken{}, ErrClosed
	}
	hush := make(chan struct{})
	v.mu.Lock()
	v.hush = hush
	v.mu.Unlock()
	p.st.setSpeaking(true)
	defer func() {
		v.mu.Lock()
		v.hush = nil
		v.mu.Unlock()
		p.st.setSpeaking(false)
	}()

	frames := (len(pcm) + opus.FrameSamples - 1) / opus.FrameSamples
	buf := make([]byte, opus.MaxPacketBytes)
	pad := make([]int16, opus.FrameSamples)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	begin := time.Now()
	sp := Spoken{Start: p.Now()}
	for i := range frames {
		if i >= int(Lead/frame) { // pace: frame i leaves Lead before its time
			wait := time.Until(begin.Add(time.Duration(i)*frame - Lead))
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-hush:
				sp.Interrupted = true
			case <-ctx.Done():
				sp.Interrupted = true
			case <-p.closed:
				sp.Interrupted = true
			}
		}
		select { // a hush that raced the timer still wins
		case <-hush:
			sp.Interrupted = true
		default:
		}
		if sp.Interrupted {
			break
		}
		chunk := pcm[i*opus.FrameSamples : min((i+1)*opus.FrameSamples, len(pcm))]
		if len(chunk) < opus.FrameSamples {
			chunk = append(pad[:0], chunk...)
			chunk = chunk[:opus.FrameSamples]
		}
		n, err := v.enc.Encode(chunk, buf)
		if err != nil {
			return sp, fmt.Errorf("encode: %w", err)
		}
		at := sp.Start + time.Duration(i)*frame
		pkt := &rtp.Packet{
			Header: rtp.Header{
				Version: 2, Marker: i == 0, SequenceNumber: v.seq,
				Timestamp: v.ts0 + uint32(at*opus.Rate/time.Second),
			},
			Payload: buf[:n],
		}
		v.seq++
		if err := v.track.WriteRTP(pkt); err != nil && !errors.Is(err, context.Canceled) {
			return sp, fmt.Errorf("send: %w", err)
		}
		if onFrame != nil {
			onFrame(at, buf[:n])
		}
		sp.Sent += frame
	}
	if err := ctx.Err(); err != nil && sp.Interrupted {
		return sp, err
	}
	return sp, nil
}

// Hush stops the interviewer's voice: a Say in progress returns before its
// next frame. It does nothing when the interviewer is not speaking.
func (p *Peer) Hush() {
	v := p.voice
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.hush != nil {
		close(v.hush)
		v.hush = nil
	}
}
