package peer

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/media/stt/stttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// candidate is the browser's end in tests: a pion peer sending one Opus
// track.
type candidate struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	up    chan struct{}
	done  chan struct{} // closed when the RTCP reader returns
}

func newCandidate(t *testing.T) *candidate {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "candidate")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	c := &candidate{pc: pc, track: track, up: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(c.up) })
		}
	})
	t.Cleanup(c.close)
	return c
}

func (c *candidate) close() {
	_ = c.pc.Close()
	<-c.done
}

// connect negotiates with r and waits until the connection is up.
func (c *candidate) connect(t *testing.T, r *Receiver) {
	t.Helper()
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := r.HandleOffer(ctx, c.pc.LocalDescription().SDP)
	if err != nil {
		t.Fatalf("HandleOffer: %v", err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.up:
	case <-time.After(5 * time.Second):
		t.Fatal("connection not up after 5 s")
	}
}

// send sends packets as 20 ms samples at real-time pace, until they run out
// or stop is closed.
func (c *candidate) send(t *testing.T, packets [][]byte, stop <-chan struct{}) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for _, p := range packets {
		if err := c.track.WriteSample(pmedia.Sample{Data: p, Duration: 20 * time.Millisecond}); err != nil {
			t.Error(err)
			return
		}
		select {
		case <-tick.C:
		case <-stop:
			return
		}
	}
}

// encode encodes 16 kHz audio into 20 ms Opus packets at 48 kHz, padding the
// last with silence.
func encode(t *testing.T, pcm []int16) [][]byte {
	t.Helper()
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(pcm))
	for i, s := range pcm {
		f[i] = float32(s) / 32768
	}
	up := media.ToInt16(media.Resample(f, rate, opus.Rate))
	if r := len(up) % opus.FrameSamples; r != 0 {
		up = append(up, make([]int16, opus.FrameSamples-r)...)
	}
	var packets [][]byte
	buf := make([]byte, opus.MaxPacketBytes)
	for i := 0; i < len(up); i += opus.FrameSamples {
		n, err := enc.Encode(up[i:i+opus.FrameSamples], buf)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, append([]byte(nil), buf[:n]...))
	}
	return packets
}

// interview is the candidate's audio in the turn tests: two answers of under
// 2 s, each followed by 1.2 s of silence, after 0.4 s of silence.
type interview struct {
	audio        []int16
	onsets, ends []time.Duration // true speech onsets and ends
}

func newInterview(t *testing.T) interview {
	t.Helper()
	const (
		lead = 400 * time.Millisecond
		gap  = 1200 * time.Millisecond
	)
	var iv interview
	iv.audio = make([]int16, samples(lead))
	for _, text := range []string{"I moved us to Postgres.", "Then we tested each query."} {
		clip := speechOnly(stttest.Say(t, "rms", text), 2*rate)
		iv.onsets = append(iv.onsets, time.Duration(len(iv.audio))*time.Second/rate)
		iv.audio = append(iv.audio, clip...)
		iv.ends = append(iv.ends, time.Duration(len(iv.audio))*time.Second/rate)
		iv.audio = append(iv.audio, make([]int16, samples(gap))...)
	}
	return iv
}

// check compares the ends of turn with the true speech: onset and end of turn
// within 150 ms, utterance length within 300 ms.
func (iv interview) check(t *testing.T, turns []Event) {
	t.Helper()
	const tol = 150 * time.Millisecond
	if len(turns) != len(iv.onsets) {
		t.Fatalf("got %d ends of turn, want %d", len(turns), len(iv.onsets))
	}
	silence := endpoint.DefaultSilence
	for i, e := range turns {
		u := e.Utterance
		if u == nil {
			t.Fatalf("turn %d: end of turn without an utterance", i)
		}
		start := time.Duration(u.StartMS) * time.Millisecond
		length := time.Duration(len(u.PCM)) * time.Second / rate
		speech := iv.ends[i] - iv.onsets[i]
		t.Logf("turn %d: onset error %v, end-of-turn error %v, utterance %v for %v of speech",
			i, start-iv.onsets[i], e.At-(iv.ends[i]+silence), length, speech)
		if d := start - iv.onsets[i]; d < -tol || d > tol {
			t.Errorf("turn %d: starts at %v, speech began at %v", i, start, iv.onsets[i])
		}
		if d := e.At - (iv.ends[i] + silence); d < -tol || d > tol {
			t.Errorf("turn %d: ended at %v, want %v (speech end %v + %v)", i, e.At, iv.ends[i]+silence, iv.ends[i], silence)
		}
		if d := length - speech; d < -2*tol || d > 2*tol {
			t.Errorf("turn %d: utterance is %v long, speech %v", i, length, speech)
		}
	}
}

// speechOnly trims a clip to its first and last loud samples and to at most
// limit samples.
func speechOnly(pcm []int16, limit int) []int16 {
	const loud = 1000
	first, last := 0, len(pcm)
	for first < len(pcm) && abs(pcm[first]) < loud {
		first++
	}
	for last > first && abs(pcm[last-1]) < loud {
		last--
	}
	pcm = pcm[first:last]
	if len(pcm) > limit {
		pcm = pcm[:limit]
	}
	return pcm
}

func abs(s int16) int { return int(math.Abs(float64(s))) }

func newReceiver(t *testing.T, events chan<- Event) *Receiver {
	t.Helper()
	r, err := NewReceiver(Config{OnEvent: func(e Event) {
		select {
		case events <- e:
		default:
			t.Errorf("event queue full, dropped %v", e.Event)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestReceiverTurns(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	packets := encode(t, iv.audio)
	events := make(chan Event, 256)
	r := newReceiver(t, events)
	c := newCandidate(t)
	c.connect(t, r)
	c.send(t, packets, nil)

	var turns []Event
	deadline := time.After(3 * time.Second)
	for len(turns) < len(iv.onsets) {
		select {
		case e := <-events:
			t.Logf("%v", e.Event)
			if e.Kind == endpoint.EndOfTurn {
				turns = append(turns, e)
			}
		case <-deadline:
			t.Fatalf("got %d ends of turn, want %d", len(turns), len(iv.onsets))
		}
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for range len(events) {
		if e := <-events; e.Kind == endpoint.EndOfTurn {
			t.Errorf("extra end of turn: %v", e.Event)
		}
	}
	iv.check(t, turns)
}

func TestReceiverCloseWhileReceiving(t *testing.T) {
	t.Parallel()
	events := make(chan Event, 256)
	r := newReceiver(t, events)
	c := newCandidate(t)
	c.connect(t, r)
	packets := encode(t, stttest.Say(t, "rms", "Close me while I am still talking."))
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		c.send(t, packets, stop)
	}()
	select { // audio is flowing once the candidate's speech is heard
	case <-events:
	case <-time.After(3 * time.Second):
		t.Fatal("no event within 3 s")
	}
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	close(stop)
	<-sent
	if _, err := r.HandleOffer(context.Background(), "v=0"); !errors.Is(err, ErrClosed) {
		t.Errorf("HandleOffer after Close: %v, want ErrClosed", err)
	}
}

func TestReceiverRejectsOffer(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		setup func(t *testing.T, pc *webrtc.PeerConnection)
		want  error
	}{
		"no audio": {
			setup: func(t *testing.T, pc *webrtc.PeerConnection) {
				if _, err := pc.CreateDataChannel("chat", nil); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNoAudio,
		},
		"video only": {
			setup: func(t *testing.T, pc *webrtc.PeerConnection) {
				if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNoAudio,
		},
		"no opus": {
			setup: func(t *testing.T, pc *webrtc.PeerConnection) {
				track, err := webrtc.NewTrackLocalStaticSample(
					webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "candidate")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := pc.AddTrack(track); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNoOpus,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := &webrtc.MediaEngine{}
			if err := m.RegisterCodec(webrtc.RTPCodecParameters{
				RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000},
				PayloadType:        0,
			}, webrtc.RTPCodecTypeAudio); err != nil {
				t.Fatal(err)
			}
			if err := m.RegisterCodec(webrtc.RTPCodecParameters{
				RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
				PayloadType:        96,
			}, webrtc.RTPCodecTypeVideo); err != nil {
				t.Fatal(err)
			}
			pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			tt.setup(t, pc)
			offer, err := pc.CreateOffer(nil)
			if err != nil {
				t.Fatal(err)
			}
			r := newReceiver(t, make(chan Event, 1))
			_, err = r.HandleOffer(context.Background(), offer.SDP)
			if !errors.Is(err, tt.want) {
				t.Errorf("HandleOffer: %v, want %v", err, tt.want)
			}
		})
	}
}
