package peer

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
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
func (c *candidate) connect(t *testing.T, r *Peer) {
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
func encode(t testing.TB, pcm []int16) [][]byte {
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

func newInterview(t testing.TB) interview {
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

// check compares the turns in events with the true speech: onset and end
// of turn within 150 ms, the turn's audio (its segments joined) within
// 300 ms of the speech's length.
func (iv interview) check(t *testing.T, events []Event) {
	t.Helper()
	const tol = 150 * time.Millisecond
	turns := turnsOf(t, events)
	if len(turns) != len(iv.onsets) {
		t.Fatalf("got %d ends of turn, want %d", len(turns), len(iv.onsets))
	}
	silence := endpoint.DefaultSilence
	for i, tu := range turns {
		length := time.Duration(len(tu.pcm)) * time.Second / rate
		speech := iv.ends[i] - iv.onsets[i]
		t.Logf("turn %d: onset error %v, end-of-turn error %v, audio %v for %v of speech in %d segments",
			i, tu.start-iv.onsets[i], tu.end-(iv.ends[i]+silence), length, speech, tu.segments)
		if d := tu.start - iv.onsets[i]; d < -tol || d > tol {
			t.Errorf("turn %d: starts at %v, speech began at %v", i, tu.start, iv.onsets[i])
		}
		if d := tu.end - (iv.ends[i] + silence); d < -tol || d > tol {
			t.Errorf("turn %d: ended at %v, want %v (speech end %v + %v)", i, tu.end, iv.ends[i]+silence, iv.ends[i], silence)
		}
		if d := length - speech; d < -2*tol || d > 2*tol {
			t.Errorf("turn %d: audio is %v long, speech %v", i, length, speech)
		}
	}
}

// turn is one turn put back together from its events.
type turn struct {
	start, end time.Duration // first segment's start, end of turn
	pcm        []int16
	segments   int
}

// turnsOf joins each turn's segments, checking that they follow each other
// without overlap.
func turnsOf(t *testing.T, events []Event) []turn {
	t.Helper()
	var turns []turn
	var cur *turn
	for _, e := range events {
		switch e.Kind {
		case endpoint.SpeechStarted:
			cur = &turn{start: -1}
		case endpoint.Pause, endpoint.Split, endpoint.EndOfTurn:
			if cur == nil {
				t.Fatalf("%v outside a turn", e.Event)
			}
			if e.Segment == nil {
				t.Fatalf("%v without a segment", e.Event)
			}
			at := time.Duration(e.Segment.StartMS) * time.Millisecond
			if cur.start < 0 {
				cur.start = at
			} else if want := cur.start + time.Duration(len(cur.pcm))*time.Second/rate; len(e.Segment.PCM) > 0 && (at-want > 20*time.Millisecond || want-at > 20*time.Millisecond) {
				t.Errorf("segment at %v, want it right after the last at %v", at, want)
			}
			if len(e.Segment.PCM) > 0 {
				cur.segments++
			}
			cur.pcm = append(cur.pcm, e.Segment.PCM...)
			if e.Kind == endpoint.EndOfTurn {
				cur.end = e.At
				turns = append(turns, *cur)
				cur = nil
			}
		}
	}
	return turns
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

func newReceiver(t *testing.T, events chan<- Event) *Peer {
	t.Helper()
	r, err := New(Config{OnEvent: func(e Event) {
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

	var all []Event
	turns := 0
	deadline := time.After(3 * time.Second)
	for turns < len(iv.onsets) {
		select {
		case e := <-events:
			t.Logf("%v", e.Event)
			all = append(all, e)
			if e.Kind == endpoint.EndOfTurn {
				turns++
			}
		case <-deadline:
			t.Fatalf("got %d ends of turn, want %d", turns, len(iv.onsets))
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
	iv.check(t, all)
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

// listener reads the interviewer's track on the candidate's side, noting
// when each packet arrived.
type listener struct {
	mu      sync.Mutex
	arrived []time.Time
	packets []*rtp.Packet
}

func (l *listener) listen(c *candidate) {
	c.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			l.mu.Lock()
			l.arrived = append(l.arrived, time.Now())
			l.packets = append(l.packets, p)
			l.mu.Unlock()
		}
	})
}

func (l *listener) snapshot() ([]time.Time, []*rtp.Packet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.arrived), slices.Clone(l.packets)
}

// trickle connects c and p with trickle ICE both ways.
func trickle(t *testing.T, c *candidate, events chan<- Event) *Peer {
	t.Helper()
	var mu sync.Mutex // the candidate buffers the server's early candidates
	var early []webrtc.ICECandidateInit
	answered := false
	p, err := New(Config{
		OnEvent: func(e Event) {
			select {
			case events <- e:
			default:
			}
		},
		OnCandidate: func(ic *webrtc.ICECandidate) {
			if ic == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if !answered {
				early = append(early, ic.ToJSON())
				return
			}
			if err := c.pc.AddICECandidate(ic.ToJSON()); err != nil {
				t.Errorf("candidate: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c.pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic != nil {
			if err := p.AddCandidate(ic.ToJSON()); err != nil {
				t.Errorf("AddCandidate: %v", err)
			}
		}
	})
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := p.HandleOffer(ctx, offer.SDP)
	if err != nil {
		t.Fatalf("HandleOffer: %v", err)
	}
	if strings.Contains(answer, "a=candidate") {
		t.Errorf("a trickle answer carries candidates")
	}
	mu.Lock()
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		mu.Unlock()
		t.Fatal(err)
	}
	answered = true
	for _, ic := range early {
		if err := c.pc.AddICECandidate(ic); err != nil {
			t.Errorf("candidate: %v", err)
		}
	}
	mu.Unlock()
	select {
	case <-c.up:
	case <-time.After(5 * time.Second):
		t.Fatal("connection not up after 5 s")
	}
	return p
}

// tone is d of a 440 Hz tone at 48 kHz.
func tone(d time.Duration) []int16 {
	pcm := make([]int16, int(d.Seconds()*opus.Rate))
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/opus.Rate))
	}
	return pcm
}

// TestPeerSay: the interviewer's voice reaches the candidate over trickle
// ICE, paced in real time, with RTP timestamps on the interview's time base.
func TestPeerSay(t *testing.T) {
	t.Parallel()
	c := newCandidate(t)
	var l listener
	l.listen(c)
	p := trickle(t, c, make(chan Event, 64))
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() { // the candidate's open microphone
		defer close(sent)
		c.send(t, encode(t, make([]int16, 10*rate)), stop)
	}()
	defer func() { close(stop); <-sent }()
	waitStarted(t, p)

	const length = 2 * time.Second
	var frames []time.Duration
	start := time.Now()
	sp, err := p.Say(context.Background(), tone(length), func(at time.Duration, _ []byte) { frames = append(frames, at) })
	took := time.Since(start)
	if err != nil || sp.Interrupted || sp.Sent != length {
		t.Fatalf("Say: %+v, %v; want %v sent uninterrupted", sp, err, length)
	}
	if took < length-Lead-50*time.Millisecond {
		t.Errorf("Say took %v for %v of audio: not paced", took, length)
	}
	if len(frames) != 100 || frames[1]-frames[0] != 20*time.Millisecond {
		t.Errorf("onFrame saw %d frames, want 100 at 20 ms steps", len(frames))
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		arrived, packets := l.snapshot()
		if len(packets) == 100 {
			for i := 1; i < len(packets); i++ {
				if d := packets[i].Timestamp - packets[i-1].Timestamp; d != 960 {
					t.Fatalf("packet %d: timestamp step %d, want 960", i, d)
				}
			}
			if spread := arrived[99].Sub(arrived[0]); spread < length-Lead-60*time.Millisecond {
				t.Errorf("100 packets arrived over %v: not paced", spread)
			}
			dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{SampleRate: opus.Rate})
			if err != nil {
				t.Fatal(err)
			}
			out := make([]int16, opus.MaxPacketSamples)
			var n int
			for _, pkt := range packets[:50] {
				if n, err = dec.Decode(pkt.Payload, out); err != nil || n != opus.FrameSamples {
					t.Fatalf("decode: %d samples, %v", n, err)
				}
			}
			if peak := peakOf(out[:n]); peak < 4000 {
				t.Errorf("decoded peak %d: the tone did not arrive", peak)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d packets arrived, want 100", len(packets))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func peakOf(pcm []int16) int {
	peak := 0
	for _, s := range pcm {
		peak = max(peak, abs(s))
	}
	return peak
}

// TestPeerBargeIn: the candidate speaking over the interviewer silences its
// voice within Lead and a frame or two of the barge-in decision.
func TestPeerBargeIn(t *testing.T) {
	t.Parallel()
	c := newCandidate(t)
	var l listener
	l.listen(c)
	events := make(chan Event, 256)
	var bargeAt atomic.Int64
	p := trickle(t, c, events)
	// Speech 1 s into a 6 s prompt.
	audio := make([]int16, rate)
	audio = append(audio, speechOnly(stttest.Say(t, "rms", "Sorry, can I ask something first?"), 3*rate)...)
	audio = append(audio, make([]int16, 3*rate)...)
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		c.send(t, encode(t, audio), stop)
	}()
	defer func() { close(stop); <-sent }()
	go func() {
		for e := range events {
			if e.Kind == endpoint.BargeIn {
				bargeAt.CompareAndSwap(0, time.Now().UnixNano())
			}
		}
	}()
	defer close(events) // p is closed below, before this runs: no more events
	waitStarted(t, p)
	sp, err := p.Say(context.Background(), tone(6*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sp.Interrupted || sp.Sent >= 6*time.Second {
		t.Fatalf("Say %+v: want it interrupted", sp)
	}
	time.Sleep(300 * time.Millisecond) // let the last packets land
	_ = p.Close()
	arrived, _ := l.snapshot()
	if bargeAt.Load() == 0 || len(arrived) == 0 {
		t.Fatalf("barge-in seen: %v, packets: %d", bargeAt.Load() != 0, len(arrived))
	}
	silencedAfter := arrived[len(arrived)-1].Sub(time.Unix(0, bargeAt.Load()))
	t.Logf("interviewer spoke %v; its last packet arrived %v after the barge-in decision", sp.Sent, silencedAfter)
	if silencedAfter > Lead+100*time.Millisecond {
		t.Errorf("last interviewer packet %v after the barge-in, want within about %v", silencedAfter, Lead+frame)
	}
}

// waitStarted waits for the candidate's first packet to reach p: from then
// on the connection is up on the server's side too.
func waitStarted(t *testing.T, p *Peer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.started.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no candidate packet within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
