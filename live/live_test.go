package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/call"
	"github.com/viva-interview/viva/internal/openaicompat/chattest"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/interviewer/llm"
	"github.com/viva-interview/viva/live"
	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/media/record"
	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/stttest"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/flite"
	"github.com/viva-interview/viva/server"
	"github.com/viva-interview/viva/store/sqlite"
)

// harness is a Viva server on loopback with the real media path: SQLite,
// PocketSphinx, flite, pion.
type harness struct {
	t      testing.TB
	url    string
	store  viva.Store
	m      *live.Manager
	dir    string
	scored chan uuid.UUID
}

// scorer notes which sessions were queued for scoring.
type scorer chan uuid.UUID

func (s scorer) EnqueueScore(_ context.Context, id uuid.UUID) error {
	select {
	case s <- id:
	default:
	}
	return nil
}

func newHarness(t testing.TB, tune func(*live.Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	voice, err := flite.New(flite.Config{})
	if err != nil {
		t.Skip("flite:", err)
	}
	cache, err := tts.NewCache(voice, tts.CacheConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := stt.NewPool(stt.PoolConfig{Engine: engine, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: st, dir: dir, scored: make(chan uuid.UUID, 16)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := live.Config{
		Store: st, STT: pool, TTS: cache, Scorer: scorer(h.scored),
		RecordingsDir: filepath.Join(dir, "recordings"), Logger: log,
	}
	if tune != nil {
		tune(&cfg)
	}
	h.m, err = live.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: st, Scorer: scorer(h.scored), Interviews: h.m, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	h.url = ts.URL
	t.Cleanup(func() {
		_ = srv.CloseSockets()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.m.Close(ctx); err != nil {
			t.Errorf("manager close: %v", err)
		}
		ts.Close()
		_ = pool.Close()
		_ = st.Close()
	})
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// script is the interviewer of the tests: two questions, then the closing.
func script(*viva.Session) (live.Interviewer, error) {
	return &live.Script{Prompts: []interviewer.Prompt{
		{ID: "q1", Kind: interviewer.KindQuestion, Text: "How would you split documents for retrieval?"},
		{ID: "q2", Kind: interviewer.KindProbe, Text: "How would you evaluate it?"},
	}}, nil
}

// say makes an answer: flite's rms voice at 48 kHz, each part separated by
// the given silence, with a second of silence at both ends.
func say(t testing.TB, pause time.Duration, parts ...string) (call.Answer, []time.Duration) {
	t.Helper()
	var pcm []int16
	var lengths []time.Duration
	silence := func(d time.Duration) { pcm = append(pcm, make([]int16, int(d.Seconds()*16000))...) }
	silence(time.Second)
	for i, p := range parts {
		if i > 0 {
			silence(pause)
		}
		s := trim(stttest.Say(t, "rms", p))
		lengths = append(lengths, time.Duration(len(s))*time.Second/16000)
		pcm = append(pcm, s...)
	}
	silence(time.Second)
	f := make([]float32, len(pcm))
	for i, s := range pcm {
		f[i] = float32(s) / 32768
	}
	return call.Answer{Name: parts[0], PCM: media.ToInt16(media.Resample(f, 16000, opus.Rate))}, lengths
}

// trim cuts a clip to its loud part.
func trim(pcm []int16) []int16 {
	first, last := 0, len(pcm)
	for first < last && abs(pcm[first]) < 500 {
		first++
	}
	for last > first && abs(pcm[last-1]) < 500 {
		last--
	}
	return pcm[first:last]
}

func abs(s int16) int { return int(math.Abs(float64(s))) }

// events collects a call's events.
type events struct {
	mu  sync.Mutex
	all []call.Event
}

func (e *events) add(ev call.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *events) of(typ string) []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []map[string]any
	for _, ev := range e.all {
		if ev.Type != typ {
			continue
		}
		var m map[string]any
		_ = json.Unmarshal(ev.Raw, &m)
		out = append(out, m)
	}
	return out
}

// finals are the final candidate transcripts.
func (e *events) finals() []map[string]any {
	var out []map[string]any
	for _, m := range e.of("transcript") {
		if m["final"] == true && m["speaker"] == "candidate" {
			out = append(out, m)
		}
	}
	return out
}

func run(t *testing.T, h *harness, cfg call.Config) (call.Result, *events) {
	t.Helper()
	var ev events
	cfg.Server = h.url
	cfg.OnEvent = ev.add
	if cfg.Session == uuid.Nil && cfg.Minutes == 0 {
		cfg.Minutes = 20
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := call.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("call: %v (result %+v)", err, res)
	}
	return res, &ev
}

// energy is the RMS of pcm.
func energy(pcm []int16) float64 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(max(len(pcm), 1)))
}

// TestInterview runs a whole scripted interview over real WebRTC: a thinking
// pause after "because" does not end the answer, each answer is transcribed
// once, both recordings are as long as the call and a word's time seeks the
// candidate's recording to it.
func TestInterview(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	a1, parts := say(t, 1500*time.Millisecond,
		"We split each document into overlapping chunks because",
		"the retriever needs short passages.")
	a2, _ := say(t, 0, "We measure recall on a labelled set of questions.")
	res, ev := run(t, h, call.Config{Answers: []call.Answer{a1, a2}})
	checkInterview(t, h, res, ev, parts)
}

// TestInterviewImpaired is TestInterview over a network that loses 5% of
// the candidate's packets and delays each by up to 30 ms.
func TestInterviewImpaired(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	a1, parts := say(t, 1500*time.Millisecond,
		"We split each document into overlapping chunks because",
		"the retriever needs short passages.")
	a2, _ := say(t, 0, "We measure recall on a labelled set of questions.")
	res, ev := run(t, h, call.Config{
		Answers: []call.Answer{a1, a2},
		Impair:  call.Impairment{Loss: 0.05, Jitter: 30 * time.Millisecond, Seed: 7},
	})
	t.Logf("sent %d packets, dropped %d", res.Sent, res.Dropped)
	if res.Dropped == 0 {
		t.Errorf("the impairment dropped nothing")
	}
	checkInterview(t, h, res, ev, parts)
}

func checkInterview(t *testing.T, h *harness, res call.Result, ev *events, parts []time.Duration) {
	t.Helper()
	if res.Ended != "completed" {
		t.Fatalf("ended %q, want completed", res.Ended)
	}
	var ids []string
	for _, p := range ev.of("prompt") {
		ids = append(ids, p["id"].(string))
	}
	if strings.Join(ids, ",") != "q1,q2,closing" {
		t.Errorf("prompts %v, want q1,q2,closing", ids)
	}
	finals := ev.finals()
	if len(finals) != 2 {
		for _, f := range finals {
			t.Logf("final: %v", f["text"])
		}
		t.Fatalf("%d final candidate transcripts, want 2 (one per answer: the thinking pause must not split the first)", len(finals))
	}
	for i, f := range finals {
		t.Logf("answer %d: %q (%v–%v ms), latency %v", i, f["text"], f["start_ms"], f["end_ms"], res.Turns[i].Latency)
	}
	// The first answer's transcript spans both halves and the pause.
	span := time.Duration(finals[0]["end_ms"].(float64)-finals[0]["start_ms"].(float64)) * time.Millisecond
	if want := parts[0] + 1500*time.Millisecond + parts[1]/2; span < want {
		t.Errorf("first answer spans %v, want over %v: it was cut at the thinking pause", span, want)
	}
	if text := finals[0]["text"].(string); !strings.Contains(text, "because") {
		t.Logf("note: 'because' not recognised in %q", text)
	}

	id := res.Session
	s, err := h.store.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != viva.StateEnded {
		t.Errorf("session is %s, want ended", s.State)
	}
	select {
	case got := <-h.scored:
		if got != id {
			t.Errorf("scored %v, want %v", got, id)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("the session was not queued for scoring")
	}
	us, err := h.store.Utterances(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var cand, iv []viva.Utterance
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			cand = append(cand, u)
		} else {
			iv = append(iv, u)
		}
	}
	if len(cand) != 2 || len(iv) != 3 {
		t.Fatalf("stored %d candidate and %d interviewer utterances, want 2 and 3", len(cand), len(iv))
	}

	recs, err := h.store.Recordings(context.Background(), id)
	if err != nil || len(recs) != 2 {
		t.Fatalf("recordings %v, %v; want 2", recs, err)
	}
	for _, r := range recs {
		if !strings.HasPrefix(r.Path, filepath.Join(h.dir, "recordings", id.String())) {
			t.Errorf("recording at %s, outside the session's directory", r.Path)
		}
		info, err := record.Probe(r.Path)
		if err != nil {
			t.Fatalf("probe %s: %v", r.Direction, err)
		}
		t.Logf("%s recording: %v (stored %d ms), %d packets", r.Direction, info.Duration, r.DurationMS, info.Packets)
		if d := info.Duration.Milliseconds() - r.DurationMS; d < -20 || d > 20 {
			t.Errorf("%s: file is %v, store says %d ms", r.Direction, info.Duration, r.DurationMS)
		}
		pcm, err := record.Decode(r.Path, 16000)
		if err != nil {
			t.Fatalf("decode %s: %v", r.Direction, err)
		}
		if got := time.Duration(len(pcm)) * time.Second / 16000; math.Abs(float64(got-info.Duration)) > 0.01*float64(info.Duration) {
			t.Errorf("%s decodes to %v, probe says %v", r.Direction, got, info.Duration)
		}
		if r.Direction == viva.SpeakerCandidate {
			// The candidate sent Sent packets of 20 ms; the recording
			// holds them all (lost ones concealed) on the time base.
			want := time.Duration(res.Sent) * 20 * time.Millisecond
			if math.Abs(float64(info.Duration-want)) > 0.01*float64(want) {
				t.Errorf("candidate recording %v, the candidate sent %v", info.Duration, want)
			}
			checkSeek(t, pcm, cand)
		} else {
			checkSeek(t, pcm, iv)
		}
	}
}

// checkSeek checks that each utterance's time points at speech in the
// recording, and the half second before the candidate's first word at none.
func checkSeek(t *testing.T, pcm []int16, us []viva.Utterance) {
	t.Helper()
	at := func(ms int64) []int16 {
		i := min(max(int(ms*16), 0), len(pcm))
		return pcm[i:min(i+16*200, len(pcm))]
	}
	for _, u := range us {
		if e := energy(at(u.StartMS + 100)); e < 300 {
			t.Errorf("%s utterance at %d ms: the recording is silent there (rms %.0f)", u.Speaker, u.StartMS, e)
		}
		if u.StartMS >= 700 {
			if e := energy(at(u.StartMS - 600)); e > 300 {
				t.Errorf("%s utterance at %d ms: the recording already speaks 600 ms before (rms %.0f)", u.Speaker, u.StartMS, e)
			}
		}
	}
}

// TestReconnect drops the candidate mid-answer: what was said is
// transcribed and kept, and a new call within the window continues the
// same interview on the same time base.
func TestReconnect(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	long, _ := say(t, 0, "First we would gather requirements from the support team, then estimate how many tickets arrive each day and how fresh the index must be.")
	ctx, cancel := context.WithCancel(context.Background())
	var ev events
	var session uuid.UUID
	var once sync.Once
	cfg := call.Config{Server: h.url, Minutes: 20, Answers: []call.Answer{long}, OnEvent: func(e call.Event) {
		ev.add(e)
		if id, ok := sessionOf(e); ok {
			session = id
		}
		if e.Type == call.EventAnswerStart {
			once.Do(func() { time.AfterFunc(3*time.Second, cancel) }) // drop mid-answer
		}
	}}
	_, err := call.Run(ctx, cfg)
	cancel()
	if err == nil {
		t.Fatal("the dropped call returned no error")
	}
	if session == uuid.Nil {
		t.Fatal("no session")
	}
	// What was said before the drop is stored.
	var before []viva.Utterance
	deadline := time.Now().Add(20 * time.Second)
	for len(before) == 0 && time.Now().Before(deadline) {
		us, _ := h.store.Utterances(context.Background(), session)
		for _, u := range us {
			if u.Speaker == viva.SpeakerCandidate {
				before = append(before, u)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(before) != 1 {
		t.Fatalf("%d candidate utterances stored after the drop, want 1", len(before))
	}
	t.Logf("before the drop: %q at %d–%d ms", before[0].Text, before[0].StartMS, before[0].EndMS)
	s, _ := h.store.Session(context.Background(), session)
	if s.State != viva.StateInterrupted {
		t.Errorf("session is %s while the candidate is away, want interrupted", s.State)
	}
	time.Sleep(time.Second)

	a2, _ := say(t, 0, "We measure recall on a labelled set of questions.")
	res, ev2 := run(t, h, call.Config{Session: session, Answers: []call.Answer{a2, a2}})
	if res.Ended != "completed" {
		t.Fatalf("ended %q after the reconnect, want completed", res.Ended)
	}
	if len(ev2.of("notice")) == 0 || ev2.of("notice")[0]["code"] != "reconnected" {
		t.Errorf("no reconnected notice: %v", ev2.of("notice"))
	}
	us, _ := h.store.Utterances(context.Background(), session)
	var cand []viva.Utterance
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			cand = append(cand, u)
		}
	}
	if len(cand) < 2 {
		t.Fatalf("%d candidate utterances in all, want at least 2", len(cand))
	}
	// The time base went on while the candidate was away (over a second).
	if gap := cand[1].StartMS - before[0].EndMS; gap < 1000 {
		t.Errorf("the answer after the reconnect starts %d ms after the one before the drop, want over 1000", gap)
	}
	recs, _ := h.store.Recordings(context.Background(), session)
	for _, r := range recs {
		info, err := record.Probe(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Direction == viva.SpeakerCandidate && info.Duration.Milliseconds() < cand[len(cand)-1].EndMS {
			t.Errorf("candidate recording %v ends before the last utterance at %d ms", info.Duration, cand[len(cand)-1].EndMS)
		}
	}
}

// TestAbandoned: a candidate who does not come back within the window is
// not waited for: the interview ends, keeps what was said, and is scored.
func TestAbandoned(t *testing.T) {
	h := newHarness(t, func(c *live.Config) {
		c.Interviewer = script
		c.Reconnect = 2 * time.Second
	})
	long, _ := say(t, 0, "First we would gather requirements from the support team and estimate the volume.")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var session uuid.UUID
	_, _ = call.Run(ctx, call.Config{Server: h.url, Minutes: 20, Answers: []call.Answer{long}, OnEvent: func(e call.Event) {
		if id, ok := sessionOf(e); ok {
			session = id
		}
		switch e.Type {
		case call.EventAnswerStart:
			time.AfterFunc(2500*time.Millisecond, cancel)
		}
	}})
	select {
	case id := <-h.scored:
		if id != session {
			t.Fatalf("scored %v, want %v", id, session)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the abandoned interview was not scored")
	}
	s, err := h.store.Session(context.Background(), session)
	if err != nil || s.State != viva.StateEnded {
		t.Fatalf("session %v, %v; want ended", s, err)
	}
	us, _ := h.store.Utterances(context.Background(), session)
	n := 0
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d candidate utterances kept, want 1", n)
	}
	// A later ticket finds the interview over.
	resp, err := httpPost(h.url + "/api/v1/sessions/" + session.String() + "/ticket")
	if err != nil {
		t.Fatal(err)
	}
	if resp != 409 {
		t.Errorf("ticket for an ended interview: %d, want 409", resp)
	}
}

func httpPost(url string) (int, error) {
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestBargeIn: the candidate starting to talk over a long prompt silences
// the interviewer; what it said is stored cut short and the answer counts.
func TestBargeIn(t *testing.T) {
	h := newHarness(t, func(c *live.Config) {
		c.Interviewer = func(*viva.Session) (live.Interviewer, error) {
			return &live.Script{Prompts: []interviewer.Prompt{{ID: "q1", Kind: interviewer.KindQuestion, Text: strings.Repeat(
				"Tell me how you would design the retrieval layer, which store you would use, and why. ", 3)}}}, nil
		}
	})
	a, _ := say(t, 0, "Sorry to interrupt, can I ask about the scale first?")
	a.Barge = 1500 * time.Millisecond
	res, ev := run(t, h, call.Config{Answers: []call.Answer{a}})
	if res.Ended != "completed" {
		t.Fatalf("ended %q, want completed", res.Ended)
	}
	if n := len(ev.finals()); n != 1 {
		t.Errorf("%d final transcripts, want 1", n)
	}
	us, _ := h.store.Utterances(context.Background(), res.Session)
	var first *viva.Utterance
	for i, u := range us {
		if u.Speaker == viva.SpeakerInterviewer {
			first = &us[i]
			break
		}
	}
	if first == nil {
		t.Fatal("no interviewer utterance stored")
	}
	spoken := time.Duration(first.EndMS-first.StartMS) * time.Millisecond
	t.Logf("the prompt played for %v before the barge-in", spoken)
	// The prompt is about 15 s long; the candidate came in after 1.5 s and
	// the barge-in needs about 0.3 s of speech.
	if spoken > 4*time.Second {
		t.Errorf("the prompt played for %v: the barge-in did not silence it", spoken)
	}
}

// TestBadOffer: an offer without audio gets a bad_sdp error and the socket
// stays usable; the interview is not disturbed.
func TestBadOffer(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	ws, _ := dial(t, h)
	send := func(v any) {
		if err := ws.WriteJSON(v); err != nil {
			t.Fatal(err)
		}
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.CreateDataChannel("chat", nil); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	send(map[string]any{"type": "offer", "v": 1, "sdp": offer.SDP})
	msg := readType(t, ws, "error")
	if msg["code"] != "bad_sdp" || msg["field"] != "sdp" {
		t.Errorf("error %v, want bad_sdp on sdp", msg)
	}
	send(map[string]any{"type": "candidate", "v": 1, "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"})
	if msg := readType(t, ws, "error"); msg["code"] != "bad_state" {
		t.Errorf("a candidate before any accepted offer: %v, want bad_state", msg)
	}
	send(map[string]any{"type": "ping", "v": 1, "t": 42})
	if msg := readType(t, ws, "pong"); msg["t"] != float64(42) {
		t.Errorf("pong %v", msg)
	}
}

// TestSecondSocket: a second socket for a live interview is refused; the
// first is not disturbed.
func TestSecondSocket(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	ws, id := dial(t, h)
	resp, err := http.Post(h.url+"/api/v1/sessions/"+id.String()+"/ticket", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tk struct{ URL string }
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	_, r, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url, "http")+tk.URL, nil)
	if err == nil || r == nil || r.StatusCode != http.StatusConflict {
		t.Fatalf("second socket: %v, %v; want 409", err, r)
	}
	if err := ws.WriteJSON(map[string]any{"type": "ping", "v": 1, "t": 7}); err != nil {
		t.Fatal(err)
	}
	if msg := readType(t, ws, "pong"); msg["t"] != float64(7) {
		t.Errorf("the first socket after the refusal: %v", msg)
	}
}

// TestServerStop: stopping the server mid-interview keeps what was said
// and recorded, marks the interview interrupted and queues it for scoring.
func TestServerStop(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Interviewer = script })
	a, _ := say(t, 0, "We split each document into overlapping chunks.")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var session uuid.UUID
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = call.Run(ctx, call.Config{Server: h.url, Minutes: 20, Answers: []call.Answer{a}, OnEvent: func(e call.Event) {
			if id, ok := sessionOf(e); ok {
				session = id
			}
			if e.Type == "transcript" && strings.Contains(string(e.Raw), `"final":true`) {
				stopCtx, stop := context.WithTimeout(context.Background(), 20*time.Second)
				defer stop()
				if err := h.m.Close(stopCtx); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		}})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("call still running a minute in")
	}
	s, err := h.store.Session(context.Background(), session)
	if err != nil || s.State != viva.StateInterrupted {
		t.Fatalf("session %v, %v; want interrupted", s, err)
	}
	select {
	case <-h.scored:
	default:
		t.Error("the interrupted interview was not queued for scoring")
	}
	recs, _ := h.store.Recordings(context.Background(), session)
	for _, r := range recs {
		info, err := record.Probe(r.Path)
		if err != nil || !info.Ended || info.Duration <= 0 {
			t.Errorf("%s recording: %+v, %v; want a closed, non-empty file", r.Direction, info, err)
		}
	}
	if resp, _ := httpPost(h.url + "/api/v1/sessions"); resp == 0 {
		t.Error("the HTTP API stopped with the interviews")
	}
}

// dial creates a session and opens its socket.
func dial(t *testing.T, h *harness) (*websocket.Conn, uuid.UUID) {
	t.Helper()
	resp, err := http.Post(h.url+"/api/v1/sessions", "application/json", strings.NewReader(`{"track":"rag","mode":"system-design","minutes":20}`))
	if err != nil {
		t.Fatal(err)
	}
	var s viva.Session
	_ = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	resp, err = http.Post(h.url+"/api/v1/sessions/"+s.ID.String()+"/ticket", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tk struct{ URL string }
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url, "http")+tk.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws, s.ID
}

// readType reads messages until one of type typ.
func readType(t *testing.T, ws *websocket.Conn, typ string) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// sessionOf returns the session a call.session event names.
func sessionOf(e call.Event) (uuid.UUID, bool) {
	if e.Type != call.EventSession {
		return uuid.Nil, false
	}
	var m struct{ Session uuid.UUID }
	if err := json.Unmarshal(e.Raw, &m); err != nil {
		return uuid.Nil, false
	}
	return m.Session, true
}

// TestRealInterviewer runs a system-design round with the question bank's
// interviewer: it asks, listens to a partial answer, probes the
// highest-weight concept the answer missed (evaluation), keeps the clock,
// wraps up, and the store holds the full transcript and the probes with
// their reasons.
func TestRealInterviewer(t *testing.T) {
	qs, errs := interviewer.Builtin()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	bank := interviewer.NewBank(qs)
	h := newHarness(t, func(c *live.Config) {
		c.Interviewer = live.NewInterviewer(bank, interviewer.Config{MaxProbes: 2})
	})
	a1, _ := say(t, 0, "We split the tickets into overlapping chunks and embed them with a sentence transformer.")
	a2, _ := say(t, 0, "We would measure recall at ten on a labelled set of questions.")
	a3, _ := say(t, 0, "We would add a dashboard and alerts on user feedback.")
	res, ev := run(t, h, call.Config{Minutes: 10, Questions: []string{"rag.support-tickets"}, Answers: []call.Answer{a1, a2, a3}})
	if res.Ended != "completed" {
		t.Fatalf("ended %q, want completed", res.Ended)
	}
	var kinds []string
	for _, p := range ev.of("prompt") {
		kinds = append(kinds, p["kind"].(string)+":"+p["id"].(string))
	}
	t.Logf("prompts: %v", kinds)
	if len(kinds) != 4 || !strings.HasPrefix(kinds[0], "question:rag.support-tickets") || !strings.HasPrefix(kinds[1], "probe:") || !strings.HasPrefix(kinds[3], "wrapup:") {
		t.Errorf("prompts %v, want the question, two probes and the wrap-up", kinds)
	}
	if len(ev.of("clock")) == 0 {
		t.Error("no clock")
	}
	probes, err := h.store.Probes(context.Background(), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		t.Logf("probe at %d ms: %s %s (%s): %q", p.AskedMS, p.Kind, p.Target, p.Reason, p.Text)
	}
	if len(probes) != 2 || probes[0].Target != "evaluation" || probes[0].Kind != "missed" || !strings.Contains(probes[0].Reason, "weight 3") {
		t.Fatalf("probes %+v, want evaluation (missed, weight 3) first", probes)
	}
	if probes[1].Target == "evaluation" {
		t.Error("evaluation probed twice")
	}
	us, _ := h.store.Utterances(context.Background(), res.Session)
	var cand, iv int
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			cand++
		} else {
			iv++
		}
	}
	if cand != 3 || iv != 4 {
		t.Errorf("stored %d candidate and %d interviewer utterances, want 3 and 4", cand, iv)
	}
	if s, _ := h.store.Session(context.Background(), res.Session); s.State != viva.StateEnded {
		t.Errorf("session %s, want ended", s.State)
	}
}

// TestLLMPhrasesProbe: with a chat model configured (an httptest server
// speaking the chat completions wire format), the model's pick among the
// probes is said in its words, and that probe is what the store records.
func TestLLMPhrasesProbe(t *testing.T) {
	qs, _ := interviewer.Builtin()
	bank := interviewer.NewBank(qs)
	const phrased = "You mentioned chunking and embeddings. Who would use this, and how fresh must the answers be?"
	chat, _ := chattest.Server(t, 0, chattest.JSON(t, map[string]any{"choice": 2, "text": phrased}), nil)
	p, err := llm.New(llm.Config{BaseURL: chat.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *live.Config) {
		c.Interviewer = live.NewInterviewer(bank, interviewer.Config{MaxProbes: 1})
		c.Phraser = p
	})
	a1, _ := say(t, 0, "We split the tickets into overlapping chunks and embed them with a sentence transformer.")
	a2, _ := say(t, 0, "Support agents, and answers must include today's tickets.")
	res, ev := run(t, h, call.Config{Minutes: 10, Questions: []string{"rag.support-tickets"}, Answers: []call.Answer{a1, a2}})
	if res.Ended != "completed" {
		t.Fatalf("ended %q", res.Ended)
	}
	prompts := ev.of("prompt")
	if len(prompts) != 3 || prompts[1]["text"] != phrased {
		t.Fatalf("prompts %v, want the model's words as the probe", prompts)
	}
	probes, _ := h.store.Probes(context.Background(), res.Session)
	if len(probes) != 1 || probes[0].Text != phrased || probes[0].Target == "evaluation" {
		t.Errorf("probes %+v, want the model's second choice (not the first, evaluation) in its words", probes)
	}
}
