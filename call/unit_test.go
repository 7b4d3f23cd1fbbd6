package call

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"

	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/signaling"
)

func TestEventMarshalJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ev   Event
		want string
	}{
		{"server message", Event{At: 1234567 * time.Microsecond, Type: "prompt",
			Raw: json.RawMessage("{\"type\": \"prompt\",\n \"v\": 1, \"text\": \"a <b> & c\"}")},
			`{"t_ms":1234,"type":"prompt","v":1,"text":"a <b> & c"}`},
		{"client event", Event{At: 5 * time.Millisecond, Type: EventConnected, Raw: clientRaw(EventConnected, nil)},
			`{"t_ms":5,"type":"call.connected"}`},
		{"client fields", Event{Type: EventSession, Raw: clientRaw(EventSession, struct {
			Created bool `json:"created"`
		}{true})}, `{"t_ms":0,"type":"call.session","created":true}`},
		{"empty object", Event{Type: "x", Raw: json.RawMessage(`{}`)}, `{"t_ms":0}`},
		{"not an object", Event{Type: "x", Raw: json.RawMessage(`[1,2]`)}, `{"t_ms":0,"type":"x","raw":[1,2]}`},
		{"not JSON", Event{Type: "x", Raw: json.RawMessage(`{oops`)}, `{"t_ms":0,"type":"x","raw":"{oops"}`},
		{"no raw", Event{Type: "x"}, `{"t_ms":0,"type":"x"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			// json.Marshal escapes HTML; the command's encoder does not.
			var a, b any
			if err := json.Unmarshal(got, &a); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			_ = json.Unmarshal([]byte(tc.want), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) || !strings.HasPrefix(string(got), `{"t_ms":`) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestResultMarshalJSON(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("6f1c1d2e-8a8b-4c3d-9e0f-112233445566")
	r := Result{Session: id, Ended: "completed", Sent: 10, Received: 5, Duration: 3 * time.Second,
		Turns: []Turn{{Answer: 0, Name: "a.wav", Start: time.Second, SpeechEnd: 2 * time.Second,
			FirstReply: 2500 * time.Millisecond, Latency: 500 * time.Millisecond}},
		Err: errors.New("boom")}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"call.result","t_ms":3000,"session":"6f1c1d2e-8a8b-4c3d-9e0f-112233445566","ended":"completed",` +
		`"turns":[{"answer":0,"name":"a.wav","start_ms":1000,"speech_end_ms":2000,"first_reply_ms":2500,"latency_ms":500}],` +
		`"sent":10,"dropped":0,"received":5,"error":"boom"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got, _ = json.Marshal(Result{})
	if !strings.Contains(string(got), `"turns":[]`) || strings.Contains(string(got), "error") {
		t.Errorf("empty result: %s", got)
	}
}

func TestLastLoudFrame(t *testing.T) {
	t.Parallel()
	const f = opus.FrameSamples
	frames := func(loud ...int) []int16 {
		pcm := make([]int16, 5*f)
		for _, i := range loud {
			pcm[i*f+f/2] = -1000
		}
		return pcm
	}
	for _, tc := range []struct {
		name string
		pcm  []int16
		want int
	}{
		{"silent", make([]int16, 3*f), -1},
		{"empty", nil, -1},
		{"quiet noise", slices.Repeat([]int16{300, -300}, 2*f), -1},
		{"last frame", frames(0, 4), 4},
		{"middle", frames(1, 2), 2},
		{"partial last frame", append(make([]int16, f), 0, 5000), 1},
		{"voiced with padding", answer("x", 100*time.Millisecond, 500*time.Millisecond, 300*time.Millisecond).PCM, 29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lastLoudFrame(tc.pcm); got != tc.want {
				t.Errorf("lastLoudFrame = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestLoadWAV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "answer.wav")
	pcm16 := make([]int16, 16000) // 1 s at 16 kHz
	for i := range pcm16 {
		pcm16[i] = int16(8000 * ((i / 8) % 2)) // a square wave at 1 kHz
	}
	writeWAV(t, path, pcm16, 16000)
	a, err := LoadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "answer.wav" || len(a.PCM) != 48000 || a.Duration() != time.Second {
		t.Errorf("got %s with %d samples (%v)", a.Name, len(a.PCM), a.Duration())
	}
	if v := slog.AnyValue(a).Resolve().String(); strings.Contains(v, "PCM") || !strings.Contains(v, "answer.wav") {
		t.Errorf("LogValue shows %q", v)
	}

	bad := filepath.Join(dir, "notes.wav")
	if err := os.WriteFile(bad, []byte("these are not audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWAV(bad); !errors.Is(err, media.ErrNotWAV) || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadWAV(text) = %v, want ErrNotWAV naming the file", err)
	}
	if _, err := LoadWAV(filepath.Join(dir, "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadWAV(missing) = %v", err)
	}
}

// sink records the packets an impairer lets through.
type sink struct {
	mu   sync.Mutex
	seqs []uint16
}

func (s *sink) Write(h *rtp.Header, _ []byte, _ interceptor.Attributes) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs = append(s.seqs, h.SequenceNumber)
	return 0, nil
}

func (s *sink) got() []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seqs)
}

// impair sends n packets through an impairer, spaced by gap, and returns
// the sequence numbers delivered and the impairer's counts.
func impair(t *testing.T, cfg Impairment, n int, gap time.Duration) (got []uint16, sent, dropped int) {
	t.Helper()
	imp := newImpairer(cfg)
	var s sink
	w := imp.BindLocalStream(&interceptor.StreamInfo{}, &s)
	payload := []byte{1, 2, 3}
	for i := range n {
		h := rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(960 * i)}
		if _, err := w.Write(&h, payload, nil); err != nil {
			t.Fatal(err)
		}
		h.SequenceNumber = 0xffff // the track reuses its packets
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	sent, dropped = imp.counts()
	deadline := time.Now().Add(2 * time.Second)
	for len(s.got()) < sent-dropped && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := imp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(&rtp.Header{}, payload, nil); err != nil { // after Close: swallowed
		t.Fatal(err)
	}
	return s.got(), sent, dropped
}

func TestImpairer(t *testing.T) {
	t.Parallel()
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		got, sent, dropped := impair(t, Impairment{}, 100, 0)
		if sent != 100 || dropped != 0 || len(got) != 100 || !slices.IsSorted(got) {
			t.Errorf("sent %d, dropped %d, delivered %d in order %v", sent, dropped, len(got), slices.IsSorted(got))
		}
	})
	t.Run("loss and jitter", func(t *testing.T) {
		t.Parallel()
		const n = 2000
		got, sent, dropped := impair(t, Impairment{Loss: 0.05, Jitter: 30 * time.Millisecond, Seed: 42}, n, 0)
		if sent != n || len(got) != sent-dropped {
			t.Fatalf("sent %d, dropped %d, delivered %d", sent, dropped, len(got))
		}
		if f := float64(dropped) / n; f < 0.03 || f > 0.07 {
			t.Errorf("dropped %.1f%%, want about 5%%", 100*f)
		}
		if slices.IsSorted(got) {
			t.Error("jitter did not reorder")
		}
		if slices.Contains(got, 0xffff) {
			t.Error("a delayed packet was not copied")
		}
		// The same seed drops the same packets.
		again, _, _ := impair(t, Impairment{Loss: 0.05, Jitter: 30 * time.Millisecond, Seed: 42}, n, 0)
		a, b := slices.Clone(got), slices.Clone(again)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Error("the same seed dropped other packets")
		}
	})
	t.Run("jitter reorders paced packets", func(t *testing.T) {
		t.Parallel()
		got, _, _ := impair(t, Impairment{Jitter: 30 * time.Millisecond, Seed: 3}, 150, 2*time.Millisecond)
		inversions := 0
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				inversions++
			}
		}
		if len(got) != 150 || inversions == 0 {
			t.Errorf("delivered %d with %d inversions", len(got), inversions)
		}
	})
}

// TestHandleServerMessages feeds the socket's handler messages a strict
// parser refuses.
func TestHandleServerMessages(t *testing.T) {
	t.Parallel()
	var rec recorder
	c := &call{
		log:      slog.New(slog.DiscardHandler),
		ev:       &emitter{start: time.Now(), fn: rec.add},
		inbox:    make(chan inbound, 8),
		stopping: make(chan struct{}),
	}
	c.handle([]byte(`{"type":"hologram","v":1,"x":1}`))                                             // a type from a later version: shown, ignored
	c.handle([]byte(`[1,2,3]`))                                                                     // not an object
	c.handle([]byte(`{"type":"prompt","v":1,"id":"q","kind":"question","text":"Hi","extra":true}`)) // strict parse fails; still acted on
	c.handle([]byte(`{"type":"state","v":1,"interviewer":"listening","interview":"live"}`))
	events := rec.all()
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	want := []string{"hologram", EventBadMessage, "prompt", EventBadMessage, "state"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	if got := field[string](t, events[3], "message_type"); got != "prompt" {
		t.Errorf("bad message event %s", events[3].Raw)
	}
	if len(c.inbox) != 2 {
		t.Fatalf("%d messages for the script, want 2", len(c.inbox))
	}
	if p, ok := (<-c.inbox).msg.(*signaling.Prompt); !ok || p.Text != "Hi" {
		t.Errorf("first message for the script: %#v", p)
	}
}
