package call

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"
)

// recorder keeps the events of a call.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// find returns the index of the nth (from 0) event of type typ, or -1.
func find(events []Event, typ string, nth int) int {
	for i, e := range events {
		if e.Type == typ {
			if nth == 0 {
				return i
			}
			nth--
		}
	}
	return -1
}

func count(events []Event, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// field decodes one field of an event's Raw.
func field[T any](t *testing.T, e Event, name string) T {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Raw, &m); err != nil {
		t.Fatalf("%s event: %v", e.Type, err)
	}
	var v T
	if err := json.Unmarshal(m[name], &v); err != nil {
		t.Fatalf("%s event field %s = %s: %v", e.Type, name, m[name], err)
	}
	return v
}

// testLogger logs to the test, at debug level.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// run makes a call within timeout, recording its events.
func run(t *testing.T, cfg Config, timeout time.Duration) (Result, []Event, error) {
	t.Helper()
	var rec recorder
	cfg.OnEvent = rec.add
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := Run(ctx, cfg)
	events := rec.all()
	for _, e := range events {
		line, _ := json.Marshal(e)
		t.Logf("event %s", truncate(string(line), 300))
	}
	return res, events, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// checkOrder checks that events are in time order and that each line of
// output is one JSON object with t_ms and type.
func checkOrder(t *testing.T, events []Event) {
	t.Helper()
	for i, e := range events {
		if i > 0 && e.At < events[i-1].At {
			t.Errorf("event %d (%s) at %v is before event %d (%s) at %v", i, e.Type, e.At, i-1, events[i-1].Type, events[i-1].At)
		}
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil || strings.Contains(string(line), "\n") {
			t.Fatalf("event %d is not one JSON line: %s (%v)", i, line, err)
		}
		if m["type"] != e.Type || m["t_ms"] != float64(e.At.Milliseconds()) {
			t.Errorf("event %d line %s: want type %q and t_ms %d", i, line, e.Type, e.At.Milliseconds())
		}
	}
}

// before asserts that the nth event of type a comes before the mth of b.
func before(t *testing.T, events []Event, a string, n int, b string, m int) {
	t.Helper()
	i, j := find(events, a, n), find(events, b, m)
	if i < 0 || j < 0 || i >= j {
		t.Errorf("want %s #%d (index %d) before %s #%d (index %d)", a, n, i, b, m, j)
	}
}

// realtimeSlots bounds the calls running at once: they run at real-time
// pace, and a starved machine (two CPUs under -race) stalls the
// microphone and the fake interviewer alike.
var realtimeSlots = make(chan struct{}, 2)

// realtime waits for a slot, held until the test and its fake server end.
func realtime(t *testing.T) {
	t.Helper()
	realtimeSlots <- struct{}{}
	t.Cleanup(func() { <-realtimeSlots })
}

func TestCallTwoAnswers(t *testing.T) {
	t.Parallel()
	realtime(t)
	srv := newFakeServer(t, script{answers: 2, offer: true})
	const speech = time.Second
	answers := []Answer{
		answer("one.wav", 200*time.Millisecond, speech, 600*time.Millisecond),
		answer("two.wav", 200*time.Millisecond, speech, 600*time.Millisecond),
	}
	start := time.Now()
	res, events, err := run(t, Config{Server: srv.url, Track: "llm", Mode: "screen", Minutes: 15, Answers: answers}, 30*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	elapsed := time.Since(start)
	sc := srv.call(t).stats()
	t.Logf("result %+v; server saw %+v", res, sc)

	req := <-srv.request
	if req["track"] != "llm" || req["mode"] != "screen" || req["minutes"] != float64(15) {
		t.Errorf("create session request %v", req)
	}
	if res.Ended != "completed" || res.Session == uuid.Nil {
		t.Errorf("ended %q, session %v; want completed and an id", res.Ended, res.Session)
	}
	if res.Err != nil {
		t.Errorf("Result.Err = %v", res.Err)
	}

	// Real-time pace: the answers alone last 3.6 s.
	if min := 2 * (speech + 800*time.Millisecond); elapsed < min {
		t.Errorf("the call took %v, less than its audio (%v)", elapsed, min)
	}
	// Turns and latency.
	if len(res.Turns) != 2 {
		t.Fatalf("got %d turns, want 2: %+v", len(res.Turns), res.Turns)
	}
	for i, turn := range res.Turns {
		if turn.Answer != i || turn.Name != answers[i].Name {
			t.Errorf("turn %d is answer %d (%s)", i, turn.Answer, turn.Name)
		}
		// The fake interviewer waits for 300 ms of silence.
		if turn.Latency < 250*time.Millisecond || turn.Latency > 2*time.Second || turn.FirstReply != turn.SpeechEnd+turn.Latency {
			t.Errorf("turn %d: latency %v (speech end %v, reply %v); want 250 ms to 2 s", i, turn.Latency, turn.SpeechEnd, turn.FirstReply)
		}
		// The speech ends 1.2 s into the answer: never sooner, later only
		// on a stalled machine.
		if d := turn.SpeechEnd - turn.Start; d < 1160*time.Millisecond || d > 2*time.Second {
			t.Errorf("turn %d: speech ended %v after the answer started, want 1.2 s", i, d)
		}
	}
	// Three prompts of 300 ms: 45 packets.
	if res.Received < 40 || res.Sent < int(elapsed/FrameDuration)*3/4 || res.Dropped != 0 {
		t.Errorf("sent %d, dropped %d, received %d packets in %v", res.Sent, res.Dropped, res.Received, elapsed)
	}

	// The server heard the speech at real-time pace, and nothing else.
	if sc.decodeErr != nil {
		t.Errorf("server decode: %v", sc.decodeErr)
	}
	if len(sc.spans) != 2 {
		t.Fatalf("server heard %d stretches of speech, want 2", len(sc.spans))
	}
	for i, sp := range sc.spans {
		if d := sp[1].Sub(sp[0]); d < speech-60*time.Millisecond {
			t.Errorf("speech %d arrived within %v, faster than its %v", i, d, speech)
		}
	}
	if got := time.Duration(sc.loud) * FrameDuration; got < 2*speech-100*time.Millisecond || got > 2*speech+100*time.Millisecond {
		t.Errorf("server decoded %v of loud audio, want %v", got, 2*speech)
	}
	if sc.packets < res.Sent*9/10 || sc.packets > res.Sent {
		t.Errorf("server got %d packets of %d sent", sc.packets, res.Sent)
	}

	// Events: everything the server sent, in order, with the client's.
	checkOrder(t, events)
	before(t, events, EventSession, 0, EventConnected, 0)
	before(t, events, "answer", 0, EventConnected, 0)
	before(t, events, "prompt", 0, EventAnswerStart, 0)
	before(t, events, EventAnswerStart, 0, EventAnswerEnd, 0)
	before(t, events, EventAnswerStart, 0, EventReplyAudio, 0)
	before(t, events, "prompt", 1, EventAnswerStart, 1)
	before(t, events, EventReplyAudio, 0, EventAnswerStart, 1)
	before(t, events, EventAnswerStart, 1, EventReplyAudio, 1)
	before(t, events, EventReplyAudio, 1, "ended", 0)
	before(t, events, "ended", 0, EventClosed, 0)
	if n := count(events, "prompt"); n != 3 {
		t.Errorf("got %d prompts, want 3", n)
	}
	if count(events, "offer") != 1 || count(events, EventBadMessage) != 0 {
		t.Errorf("the server's offer should be reported once and nothing refused")
	}
	if n := count(events, "candidate"); n < 2 {
		t.Errorf("got %d server candidates, want some and the end", n)
	}
	if e := events[find(events, EventSession, 0)]; field[string](t, e, "session") != res.Session.String() || !field[bool](t, e, "created") {
		t.Errorf("session event %s", e.Raw)
	}
	if e := events[find(events, EventReplyAudio, 1)]; field[int64](t, e, "latency_ms") != res.Turns[1].Latency.Milliseconds() {
		t.Errorf("reply event %s, turn %+v", e.Raw, res.Turns[1])
	}
	if e := events[find(events, EventClosed, 0)]; field[int](t, e, "code") != 1000 {
		t.Errorf("closed event %s, want code 1000", e.Raw)
	}
	prompt := events[find(events, "prompt", 0)]
	if field[string](t, prompt, "text") != "Design a retrieval system." || field[int](t, prompt, "v") != 1 {
		t.Errorf("prompt event %s", prompt.Raw)
	}
	if events[len(events)-1].Type != EventClosed {
		t.Errorf("last event %s, want %s", events[len(events)-1].Type, EventClosed)
	}
}

func TestCallEndsAfterTranscript(t *testing.T) {
	t.Parallel()
	realtime(t)
	srv := newFakeServer(t, script{answers: 1, waitEnd: true})
	session := uuid.New()
	res, events, err := run(t, Config{Server: srv.url, Session: session, End: true,
		Answers: []Answer{answer("only.wav", 100*time.Millisecond, 700*time.Millisecond, 400*time.Millisecond)}}, 30*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sc := srv.call(t).stats()
	if res.Ended != "candidate" || !sc.gotEnd {
		t.Errorf("ended %q, server got end: %v; want candidate", res.Ended, sc.gotEnd)
	}
	if res.Session != session || srv.created.Load() != 0 {
		t.Errorf("session %v, %d created; want to join %v", res.Session, srv.created.Load(), session)
	}
	checkOrder(t, events)
	if i := find(events, "transcript", 0); i < 0 || field[bool](t, events[i], "final") != true {
		t.Fatal("no final transcript")
	}
	before(t, events, EventAnswerEnd, 0, EventEndSent, 0)
	before(t, events, "transcript", 0, EventEndSent, 0)
	before(t, events, EventEndSent, 0, "ended", 0)
	// This interviewer never replies: the turn has a speech end and no reply.
	if len(res.Turns) != 1 || res.Turns[0].SpeechEnd <= 0 || res.Turns[0].FirstReply != 0 || res.Turns[0].Latency != 0 {
		t.Errorf("turns %+v, want one with a speech end and no reply", res.Turns)
	}
}

func TestCallImpairment(t *testing.T) {
	t.Parallel()
	realtime(t)
	// About 500 packets of silence, 5% lost and 0–30 ms late.
	srv := newFakeServer(t, script{endAfter: 480})
	res, _, err := run(t, Config{Server: srv.url, Impair: Impairment{Loss: 0.05, Jitter: 30 * time.Millisecond, Seed: 9},
		Logger: slog.New(slog.DiscardHandler)}, 40*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sc := srv.call(t).stats()
	lost := 1 - float64(sc.packets)/float64(sc.expected)
	t.Logf("client: sent %d, dropped %d (%.1f%%); server: %d of %d received (%.1f%% lost), %d out of order",
		res.Sent, res.Dropped, 100*float64(res.Dropped)/float64(res.Sent), sc.packets, sc.expected, 100*lost, sc.reordered)
	if sc.expected < 480 {
		t.Fatalf("only %d packets sent", sc.expected)
	}
	if lost < 0.02 || lost > 0.09 {
		t.Errorf("server lost %.1f%% of the packets, want 2–9%%", 100*lost)
	}
	if d := float64(res.Dropped) / float64(res.Sent); d < 0.02 || d > 0.09 {
		t.Errorf("impairment dropped %.1f%%, want 2–9%%", 100*d)
	}
	if sc.reordered == 0 {
		t.Error("no packet arrived out of order with 30 ms of jitter")
	}
	if sc.decodeErr != nil {
		t.Errorf("server decode: %v", sc.decodeErr)
	}
}

func TestCallBargeIn(t *testing.T) {
	t.Parallel()
	realtime(t)
	srv := newFakeServer(t, script{answers: 1, promptAudio: 2 * time.Second})
	a := answer("barge.wav", 0, time.Second, 500*time.Millisecond)
	a.Barge = 500 * time.Millisecond
	res, events, err := run(t, Config{Server: srv.url, Answers: []Answer{a}}, 30*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sc := srv.call(t).stats()
	if !sc.barged {
		t.Error("the server never heard the candidate while the interviewer spoke")
	}
	p, s := find(events, "prompt", 0), find(events, EventAnswerStart, 0)
	if p < 0 || s < 0 {
		t.Fatal("no prompt or no answer")
	}
	// A loaded machine may start it late, but before the interviewer ends
	// its 2 s prompt.
	if d := events[s].At - events[p].At; d < 480*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("answer started %v after the prompt, want 500 ms", d)
	}
	if !field[bool](t, events[s], "barge") {
		t.Errorf("answer start %s does not say barge", events[s].Raw)
	}
	// state #0 is speaking, state #1 listening after the 2 s prompt.
	before(t, events, EventAnswerStart, 0, "state", 1)
	if res.Ended != "completed" || len(res.Turns) != 1 {
		t.Errorf("ended %q with turns %+v", res.Ended, res.Turns)
	}
}

func TestCallSpeaksFliteWAV(t *testing.T) {
	t.Parallel()
	path := flite(t, "I would chunk each ticket by section and embed every chunk.")
	a, err := LoadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	realtime(t)
	srv := newFakeServer(t, script{answers: 1})
	res, _, err := run(t, Config{Server: srv.url, Answers: []Answer{a}}, 30*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sc := srv.call(t).stats()
	if len(res.Turns) != 1 || res.Turns[0].Latency <= 0 || res.Turns[0].SpeechEnd <= res.Turns[0].Start {
		t.Fatalf("turns %+v, want one measured", res.Turns)
	}
	if got := time.Duration(sc.loud) * FrameDuration; got < a.Duration()/2 {
		t.Errorf("server heard %v of speech in a %v answer", got, a.Duration())
	}
}

func TestCallServerUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	res, events, err := run(t, Config{Server: "http://" + addr}, 10*time.Second)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "create session") {
		t.Fatalf("err = %v, want ErrUnreachable naming create session and %s", err, addr)
	}
	if time.Since(start) > 5*time.Second || res.Session != uuid.Nil || len(events) != 0 || !errors.Is(res.Err, ErrUnreachable) {
		t.Errorf("result %+v, %d events", res, len(events))
	}
}

func TestCallSocketRefused(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, script{badTicket: true})
	res, _, err := run(t, Config{Server: srv.url}, 10*time.Second)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 401 || he.Code != "ticket_unknown" || he.Op != "open socket" {
		t.Fatalf("err = %#v, want an HTTPError 401 ticket_unknown from open socket", err)
	}
	for _, want := range []string{"open socket", "401", "ticket_unknown"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if res.Session == uuid.Nil {
		t.Error("the result lost the session")
	}
}

func TestCallAPIRefused(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, script{})
	// A base URL that is not the API: a 404 with a plain-text body.
	_, _, err := run(t, Config{Server: srv.url + "/nowhere"}, 10*time.Second)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 404 || he.Op != "create session" {
		t.Fatalf("err = %v, want a 404 from create session", err)
	}
}

func TestCallFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sc     script
		target error
		ended  string
		want   string
	}{
		{"ended with error", script{endError: true}, ErrInterviewFailed, "error", "ended the interview with an error"},
		{"socket dropped", script{drop: true}, ErrSocketClosed, "", "close 1001 (going_away)"},
		{"offer refused", script{refuseOffer: true}, ErrPeerFailed, "", "bad_sdp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			realtime(t)
			srv := newFakeServer(t, tc.sc)
			start := time.Now()
			res, _, err := run(t, Config{Server: srv.url, Answers: []Answer{answer("a.wav", 0, time.Second, 0)}}, 20*time.Second)
			if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v naming %q", err, tc.target, tc.want)
			}
			if res.Ended != tc.ended || !errors.Is(res.Err, tc.target) {
				t.Errorf("ended %q (err %v), want %q", res.Ended, res.Err, tc.ended)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to fail", d)
			}
		})
	}
}

// TestCallDeadline is not parallel: it checks that no goroutine outlives
// the call.
func TestCallDeadline(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	srv := newFakeServer(t, script{silent: true})
	start := time.Now()
	res, events, err := run(t, Config{Server: srv.url, Answers: []Answer{answer("never.wav", 0, time.Second, 0)}}, 1500*time.Millisecond)
	returned := time.Now()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if d := returned.Sub(start); d > 3500*time.Millisecond {
		t.Errorf("Run returned %v after a 1.5 s deadline", d)
	}
	if res.Session == uuid.Nil || len(res.Turns) != 0 || res.Sent == 0 {
		t.Errorf("result %+v", res)
	}
	if find(events, EventConnected, 0) < 0 {
		t.Error("never connected")
	}
	// The client closed the socket: the server's side ends at once.
	c := srv.call(t)
	if d := c.finished.Sub(returned); d > 2*time.Second {
		t.Errorf("the server's side ended %v after Run returned", d)
	}
	srv.close()
	goleak.VerifyNone(t, ignore)
}

func TestCallConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no server", Config{}, "Server is required"},
		{"not http", Config{Server: "ftp://x"}, "not an http"},
		{"track", Config{Server: "http://x", Track: "cooking"}, "unknown track"},
		{"mode", Config{Server: "http://x", Mode: "chat"}, "unknown mode"},
		{"minutes", Config{Server: "http://x", Minutes: 2}, "Minutes 2"},
		{"empty answer", Config{Server: "http://x", Answers: []Answer{{Name: "a.wav"}}}, "no audio"},
		{"loss", Config{Server: "http://x", Impair: Impairment{Loss: 1}}, "Loss"},
		{"jitter", Config{Server: "http://x", Impair: Impairment{Jitter: -1}}, "Jitter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrConfig mentioning %q", err, tc.want)
			}
		})
	}
}

func ExampleRun() {
	a, err := LoadWAV("answer.wav")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{
		Server:  "http://127.0.0.1:8080",
		Answers: []Answer{a},
		OnEvent: func(e Event) { line, _ := json.Marshal(e); fmt.Println(string(line)) },
	})
	if err != nil {
		fmt.Println("call failed:", err)
	}
	for _, t := range res.Turns {
		fmt.Println(t.Name, t.Latency)
	}
}
