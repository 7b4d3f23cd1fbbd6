package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/viva-interview/viva"
)

// harness is a real HTTP server on loopback with the Upgrader mounted where
// the lead mounts it, and a handler per connection chosen by the test.
type harness struct {
	t       *testing.T
	up      *Upgrader
	tickets *Tickets
	clock   *fakeClock
	reg     *prometheus.Registry
	srv     *httptest.Server

	conns  chan *Conn       // each upgraded connection
	served chan serveResult // each Serve's return
}

type serveResult struct {
	session uuid.UUID
	err     error
}

// newHarness starts a server; handler makes the Handler for each
// connection (nil: one that accepts everything and does nothing).
func newHarness(t *testing.T, cfg Config, handler func(*Conn) Handler) *harness {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	h := &harness{t: t, clock: newFakeClock(), reg: prometheus.NewRegistry(),
		conns: make(chan *Conn, 16), served: make(chan serveResult, 16)}
	h.clock.now = time.Now()
	var err error
	if h.tickets, err = NewTickets(TicketConfig{Now: h.clock.Now}); err != nil {
		t.Fatal(err)
	}
	cfg.Tickets, cfg.Registerer = h.tickets, h.reg
	if h.up, err = NewUpgrader(cfg); err != nil {
		t.Fatal(err)
	}
	if handler == nil {
		handler = func(*Conn) Handler {
			return HandlerFunc(func(context.Context, Message) error { return nil })
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/sessions/{id}/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := h.up.Upgrade(w, r)
		if err != nil {
			return
		}
		h.conns <- c
		err = c.Serve(context.Background(), handler(c))
		h.served <- serveResult{c.Session(), err}
	})
	h.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		h.up.Close()
		h.srv.Close()
	})
	return h
}

func (h *harness) url(session uuid.UUID, ticket string) string {
	u := "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/api/v1/sessions/" + session.String() + "/ws"
	if ticket != "" {
		u += "?ticket=" + ticket
	}
	return u
}

// dial opens a socket for session with a fresh ticket.
func (h *harness) dial(session uuid.UUID) *websocket.Conn {
	h.t.Helper()
	ticket, _ := h.tickets.Issue(session, viva.LocalAccount)
	ws, resp, err := websocket.DefaultDialer.Dial(h.url(session, ticket), nil)
	if err != nil {
		h.t.Fatalf("dial: %v (%s)", err, body(resp))
	}
	h.t.Cleanup(func() { ws.Close() })
	return ws
}

// nextConn is the server side of the latest dial.
func (h *harness) nextConn() *Conn {
	h.t.Helper()
	select {
	case c := <-h.conns:
		return c
	case <-time.After(5 * time.Second):
		h.t.Fatal("no connection was upgraded")
		return nil
	}
}

// waitServed waits for a Serve to return.
func (h *harness) waitServed() serveResult {
	h.t.Helper()
	select {
	case r := <-h.served:
		return r
	case <-time.After(5 * time.Second):
		h.t.Fatal("Serve did not return")
		return serveResult{}
	}
}

func body(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func send(t *testing.T, ws *websocket.Conn, m Message) {
	t.Helper()
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	sendRaw(t, ws, data)
}

func sendRaw(t *testing.T, ws *websocket.Conn, data []byte) {
	t.Helper()
	ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// read reads the next message, answering pings as a browser does.
func read(t *testing.T, ws *websocket.Conn) Message {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	m, err := Parse(data)
	if err != nil {
		t.Fatalf("server sent %s: %v", data, err)
	}
	return m
}

func readError(t *testing.T, ws *websocket.Conn) *ErrorMessage {
	t.Helper()
	m := read(t, ws)
	em, ok := m.(*ErrorMessage)
	if !ok {
		t.Fatalf("got %#v, want an error message", m)
	}
	return em
}

// readClose reads until the server closes and returns the close code.
func readClose(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce.Code
	}
}

func TestHappyPath(t *testing.T) {
	var wg sync.WaitGroup
	h := newHarness(t, Config{}, func(c *Conn) Handler {
		return HandlerFunc(func(ctx context.Context, m Message) error {
			switch m := m.(type) {
			case *Offer:
				c.Send(&Answer{SDP: m.SDP})
				// Events arrive from other goroutines, as pion's
				// callbacks and the interviewer's send them.
				wg.Go(func() {
					c.Send(&Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", SDPMid: ptr("0")})
					c.Send(&State{Interviewer: InterviewerSpeaking, Interview: viva.StateLive})
					c.Send(&Prompt{ID: "q1", Kind: PromptQuestion, Text: "Tell me about a RAG system you built."})
					c.Send(&Clock{ElapsedMS: 10, RemainingMS: 899990, BudgetMS: 900000})
				})
			case *Candidate, *Mute, *Unmute:
			case *End:
				return c.End(EndCandidate)
			default:
				return fmt.Errorf("unexpected %T", m)
			}
			return nil
		})
	})
	session := uuid.New()
	ws := h.dial(session)
	c := h.nextConn()
	if c.Session() != session || c.Owner() != viva.LocalAccount {
		t.Errorf("conn for %v owned by %v", c.Session(), c.Owner())
	}

	send(t, ws, &Offer{SDP: testSDP})
	if a, ok := read(t, ws).(*Answer); !ok || a.SDP != testSDP {
		t.Fatalf("got %#v, want the answer", a)
	}
	send(t, ws, &Candidate{Candidate: "candidate:2 1 udp 2130706431 127.0.0.1 40001 typ host", SDPMLineIndex: ptr[uint16](0)})
	send(t, ws, &Candidate{}) // end of candidates
	var got []Type
	for range 4 {
		got = append(got, read(t, ws).Type())
	}
	if want := []Type{TypeCandidate, TypeState, TypePrompt, TypeClock}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("server events %v, want %v", got, want)
	}
	send(t, ws, &Mute{})
	send(t, ws, &Ping{T: 42})
	if p, ok := read(t, ws).(*Pong); !ok || p.T != 42 {
		t.Errorf("got %#v, want pong 42", p)
	}
	send(t, ws, &End{})
	if e, ok := read(t, ws).(*Ended); !ok || e.Reason != EndCandidate {
		t.Errorf("got %#v, want ended", e)
	}
	if code := readClose(t, ws); code != int(CloseNormal) {
		t.Errorf("close code %d, want %d", code, CloseNormal)
	}
	if r := h.waitServed(); r.err != nil || r.session != session {
		t.Errorf("Serve = %v for %v", r.err, r.session)
	}
	wg.Wait()
	<-c.Done()
	if err := c.Send(&Ping{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after close: %v, want ErrClosed", err)
	}

	for typ, want := range map[string]float64{"offer": 1, "candidate": 2, "mute": 1, "ping": 1, "end": 1} {
		if n := testutil.ToFloat64(h.up.m.messages.WithLabelValues("in", typ)); n != want {
			t.Errorf("messages in %s = %v, want %v", typ, n, want)
		}
	}
	for typ, want := range map[string]float64{"answer": 1, "prompt": 1, "pong": 1, "ended": 1} {
		if n := testutil.ToFloat64(h.up.m.messages.WithLabelValues("out", typ)); n != want {
			t.Errorf("messages out %s = %v, want %v", typ, n, want)
		}
	}
	if n := testutil.ToFloat64(h.up.m.open); n != 0 {
		t.Errorf("connections open = %v after close", n)
	}

	// A new ticket after the socket closed continues the session.
	ws2 := h.dial(session)
	h.nextConn()
	send(t, ws2, &Ping{T: 1})
	if _, ok := read(t, ws2).(*Pong); !ok {
		t.Error("no pong on the reconnected socket")
	}
}

func TestBadMessages(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	ws := h.dial(uuid.New())
	tests := []struct {
		name string
		kind int
		data string
		code Code
	}{
		{"garbage", websocket.TextMessage, "hello", CodeBadMessage},
		{"unknown type", websocket.TextMessage, `{"type":"dance","v":1}`, CodeUnknownType},
		{"server type", websocket.TextMessage, `{"type":"ended","v":1,"reason":"completed"}`, CodeUnexpectedType},
		{"version", websocket.TextMessage, `{"type":"ping","v":9}`, CodeUnsupportedVersion},
		{"unknown field", websocket.TextMessage, `{"type":"mute","v":1,"why":"cough"}`, CodeBadMessage},
		{"binary", websocket.BinaryMessage, `{"type":"ping","v":1}`, CodeBadMessage},
		{"invalid utf-8", websocket.BinaryMessage, "\xff\xfe", CodeBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws.WriteMessage(tt.kind, []byte(tt.data))
			if em := readError(t, ws); em.Code != tt.code || em.Message == "" {
				t.Errorf("error %+v, want code %s", em, tt.code)
			}
		})
	}
	// Still usable.
	send(t, ws, &Ping{T: 7})
	if _, ok := read(t, ws).(*Pong); !ok {
		t.Error("no pong after bad messages")
	}
	if n := testutil.ToFloat64(h.up.m.messages.WithLabelValues("in", "invalid")); n != float64(len(tests)) {
		t.Errorf("invalid messages in = %v, want %d", n, len(tests))
	}
}

func TestTooManyBadMessages(t *testing.T) {
	h := newHarness(t, Config{MaxBadMessages: 3}, nil)
	ws := h.dial(uuid.New())
	for range 3 {
		sendRaw(t, ws, []byte("{"))
	}
	for range 3 {
		readError(t, ws)
	}
	if code := readClose(t, ws); code != int(ClosePolicyViolation) {
		t.Errorf("close %d, want %d", code, ClosePolicyViolation)
	}
	if r := h.waitServed(); !errors.Is(r.err, ErrBadMessages) {
		t.Errorf("Serve = %v, want ErrBadMessages", r.err)
	}
}

func TestOversizeMessage(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	victim, bystander := uuid.New(), uuid.New()
	wsB := h.dial(bystander)
	h.nextConn()

	tests := []struct {
		name      string
		size      int
		wantError bool // a too_large error message before the close
	}{
		{"over the read limit", MaxMessageBytes + 1, true},
		{"over the hard cap", 8*MaxMessageBytes + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := h.dial(victim)
			h.nextConn()
			sendRaw(t, ws, []byte(`{"type":"offer","v":1,"sdp":"`+strings.Repeat("a", tt.size)+`"}`))
			if tt.wantError {
				if em := readError(t, ws); em.Code != CodeTooLarge {
					t.Errorf("error %+v, want too_large", em)
				}
			}
			if code := readClose(t, ws); code != int(CloseTooLarge) {
				t.Errorf("close %d, want %d", code, CloseTooLarge)
			}
			if r := h.waitServed(); !errors.Is(r.err, ErrTooLarge) || r.session != victim {
				t.Errorf("Serve = %v for %v, want ErrTooLarge for the victim", r.err, r.session)
			}
			// The other interview carries on.
			send(t, wsB, &Ping{T: 3})
			if _, ok := read(t, wsB).(*Pong); !ok {
				t.Error("the bystander got no pong")
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t, Config{Origins: []string{"https://app.example.com"}}, nil)
	session := uuid.New()
	issue := func() string { t, _ := h.tickets.Issue(session, viva.LocalAccount); return t }
	used := issue()
	if _, _, err := h.tickets.Redeem(used); err != nil {
		t.Fatal(err)
	}
	expired := issue()
	h.clock.Advance(31 * time.Second)

	tests := []struct {
		name   string
		url    string
		origin string
		status int
		code   Code
	}{
		{"bad origin", h.url(session, issue()), "https://evil.example", http.StatusForbidden, CodeBadOrigin},
		{"null origin", h.url(session, issue()), "null", http.StatusForbidden, CodeBadOrigin},
		{"missing ticket", h.url(session, ""), "", http.StatusUnauthorized, CodeTicketMissing},
		{"unknown ticket", h.url(session, strings.Repeat("A", 43)), "", http.StatusUnauthorized, CodeTicketUnknown},
		{"expired ticket", h.url(session, expired), "", http.StatusUnauthorized, CodeTicketExpired},
		{"used ticket", h.url(session, used), "", http.StatusUnauthorized, CodeTicketUsed},
		{"another session's ticket", h.url(uuid.New(), issue()), "", http.StatusForbidden, CodeTicketMismatch},
		{"bad session id", strings.Replace(h.url(session, issue()), session.String(), "nope", 1), "", http.StatusNotFound, CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			ws, resp, err := websocket.DefaultDialer.Dial(tt.url, hdr)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded")
			}
			checkRefusal(t, resp, tt.status, tt.code)
		})
	}
	t.Run("not a websocket", func(t *testing.T) {
		resp, err := http.Get(h.srv.URL + "/api/v1/sessions/" + session.String() + "/ws?ticket=" + issue())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		checkRefusal(t, resp, http.StatusBadRequest, CodeNotWebSocket)
	})
	for _, origin := range []string{"https://app.example.com", "HTTPS://APP.example.com", "http://" + strings.TrimPrefix(h.srv.URL, "http://")} {
		t.Run("allowed origin "+origin, func(t *testing.T) {
			hdr := http.Header{"Origin": {origin}}
			ws, resp, err := websocket.DefaultDialer.Dial(h.url(session, issue()), hdr)
			if err != nil {
				t.Fatalf("dial: %v (%s)", err, body(resp))
			}
			ws.Close()
			h.nextConn()
			h.waitServed()
		})
	}
	if n := testutil.ToFloat64(h.up.m.refused.WithLabelValues(string(CodeBadOrigin))); n != 2 {
		t.Errorf("refused bad_origin = %v, want 2", n)
	}
}

func checkRefusal(t *testing.T, resp *http.Response, status int, code Code) {
	t.Helper()
	if resp == nil {
		t.Fatal("no HTTP response")
	}
	var got struct {
		Error, Code, Field string
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("body: %v", err)
	}
	if resp.StatusCode != status || got.Code != string(code) || got.Error == "" {
		t.Errorf("%d %+v, want %d with code %s", resp.StatusCode, got, status, code)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestSecondSocket(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	session := uuid.New()
	first := h.dial(session)
	h.nextConn()

	ticket, _ := h.tickets.Issue(session, viva.LocalAccount)
	_, resp, err := websocket.DefaultDialer.Dial(h.url(session, ticket), nil)
	if err == nil {
		t.Fatal("a second socket was upgraded")
	}
	checkRefusal(t, resp, http.StatusConflict, CodeSessionBusy)

	// The refused ticket was not spent: once the first socket has gone it
	// opens the session.
	first.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	if r := h.waitServed(); r.err != nil {
		t.Errorf("Serve after the client's normal close = %v", r.err)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(h.url(session, ticket), nil)
	if err != nil {
		t.Fatalf("reconnect: %v (%s)", err, body(resp))
	}
	defer ws.Close()
	h.nextConn()
}

func TestSlowConsumer(t *testing.T) {
	h := newHarness(t, Config{SendQueue: 8, WriteWait: 2 * time.Second}, nil)
	ws := h.dial(uuid.New()) // never reads
	c := h.nextConn()

	text := strings.Repeat("word ", 12000) // 60 KB a message
	deadline := time.Now().Add(10 * time.Second)
	var err error
	sent := 0
	for ; err == nil && time.Now().Before(deadline); sent++ {
		err = c.Send(&Transcript{UtteranceID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: text})
	}
	if !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("after %d sends: %v, want ErrSlowConsumer", sent, err)
	}
	t.Logf("dropped after %d messages", sent)
	if r := h.waitServed(); !errors.Is(r.err, ErrSlowConsumer) {
		t.Errorf("Serve = %v, want ErrSlowConsumer", r.err)
	}
	if err := c.Send(&Pong{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the drop: %v, want ErrClosed", err)
	}
	if n := testutil.ToFloat64(h.up.m.slow); n != 1 {
		t.Errorf("slow consumers = %v, want 1", n)
	}
	// The client finds its connection gone once it reads what was sent.
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != int(CloseSlowConsumer) && ce.Code != websocket.CloseAbnormalClosure {
				t.Errorf("close %d, want %d or abnormal", ce.Code, CloseSlowConsumer)
			}
			break
		}
	}
}

func TestPeerTimeout(t *testing.T) {
	h := newHarness(t, Config{PingPeriod: 100 * time.Millisecond, PongWait: 400 * time.Millisecond}, nil)
	h.dial(uuid.New()) // never reads, so never answers a ping
	start := time.Now()
	if r := h.waitServed(); !errors.Is(r.err, ErrPeerTimeout) {
		t.Errorf("Serve = %v, want ErrPeerTimeout", r.err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("dead peer dropped after %v", d)
	}

	// A live client answers pings and stays.
	ws := h.dial(uuid.New())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case r := <-h.served:
		t.Errorf("a live client was dropped: %v", r.err)
	case <-time.After(time.Second):
	}
	ws.Close()
	<-done
	h.waitServed()
}

func TestHandlerErrors(t *testing.T) {
	h := newHarness(t, Config{}, func(c *Conn) Handler {
		return HandlerFunc(func(ctx context.Context, m Message) error {
			switch m.(type) {
			case *Offer:
				return &ProtocolError{Code: CodeBadSDP, Message: "the offer has no audio", Field: "sdp"}
			case *Mute:
				return errors.New("database on fire at 10.0.0.7")
			case *Answer:
				return &ProtocolError{Code: CodeBadState, Message: "no offer is out", Close: ClosePolicyViolation}
			}
			return nil
		})
	})
	ws := h.dial(uuid.New())
	send(t, ws, &Offer{SDP: testSDP})
	if em := readError(t, ws); em.Code != CodeBadSDP || em.Field != "sdp" {
		t.Errorf("got %+v", em)
	}
	send(t, ws, &Mute{})
	if em := readError(t, ws); em.Code != CodeInternal || em.Message != "internal error" {
		t.Errorf("got %+v; internal errors must not leak", em)
	}
	send(t, ws, &Answer{SDP: testSDP})
	if em := readError(t, ws); em.Code != CodeBadState {
		t.Errorf("got %+v", em)
	}
	if code := readClose(t, ws); code != int(ClosePolicyViolation) {
		t.Errorf("close %d, want %d", code, ClosePolicyViolation)
	}
	var pe *ProtocolError
	if r := h.waitServed(); !errors.As(r.err, &pe) || pe.Code != CodeBadState {
		t.Errorf("Serve = %v, want the handler's error", r.err)
	}
}

func TestShutdown(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	session := uuid.New()
	ws := h.dial(session)
	c := h.nextConn()
	c.Send(&Notice{Code: "hello", Message: "queued before the close"})

	closed := make(chan struct{})
	go func() {
		defer close(closed)
		h.up.Close()
	}()
	if n, ok := read(t, ws).(*Notice); !ok || n.Code != "hello" {
		t.Errorf("got %#v, want the queued notice first", n)
	}
	if code := readClose(t, ws); code != int(CloseGoingAway) {
		t.Errorf("close %d, want %d", code, CloseGoingAway)
	}
	<-closed
	if r := h.waitServed(); r.err != nil {
		t.Errorf("Serve = %v", r.err)
	}
	if h.up.Live(session) {
		t.Error("session still live after Close")
	}
	ticket, _ := h.tickets.Issue(session, viva.LocalAccount)
	_, resp, err := websocket.DefaultDialer.Dial(h.url(session, ticket), nil)
	if err == nil {
		t.Fatal("upgraded after Close")
	}
	checkRefusal(t, resp, http.StatusServiceUnavailable, CodeShuttingDown)
	h.up.Close() // idempotent
	c.Close()
}

func TestServeContextCancel(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	h.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("id", strings.Split(r.URL.Path, "/")[4])
		c, err := h.up.Upgrade(w, r)
		if err != nil {
			return
		}
		served <- c.Serve(ctx, HandlerFunc(func(context.Context, Message) error { return nil }))
	})
	ws := h.dial(uuid.New())
	cancel()
	if code := readClose(t, ws); code != int(CloseGoingAway) {
		t.Errorf("close %d, want %d", code, CloseGoingAway)
	}
	if err := <-served; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve = %v, want context.Canceled", err)
	}
}

func TestConfig(t *testing.T) {
	tk, _ := NewTickets(TicketConfig{})
	for _, cfg := range []Config{
		{},
		{Tickets: tk, Origins: []string{"app.example.com"}},
		{Tickets: tk, Origins: []string{"https://app.example.com/path"}},
		{Tickets: tk, PingPeriod: time.Second, PongWait: time.Second},
		{Tickets: tk, ReadLimit: MaxMessageBytes + 1},
		{Tickets: tk, SendQueue: -1},
	} {
		if _, err := NewUpgrader(cfg); err == nil {
			t.Errorf("NewUpgrader(%+v) accepted", cfg)
		}
	}
	reg := prometheus.NewRegistry()
	if _, err := NewUpgrader(Config{Tickets: tk, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewUpgrader(Config{Tickets: tk, Registerer: reg}); err == nil {
		t.Error("registered the metrics twice")
	}
}
