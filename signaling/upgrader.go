package signaling

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures an Upgrader and the connections it makes. Zero values
// are the documented defaults.
type Config struct {
	// Tickets redeems the ?ticket= of each upgrade. Required.
	Tickets *Tickets
	// Origins are the origins allowed besides the server's own, as
	// "scheme://host[:port]". A request whose Origin host equals its Host
	// is always allowed; one without an Origin header (not a browser) is
	// allowed too, the ticket being its authority.
	Origins []string
	// Logger receives connection logs. Nil discards them.
	Logger *slog.Logger
	// Registerer receives the signaling metrics. Nil keeps them private.
	Registerer prometheus.Registerer

	// SendQueue is how many messages may wait for a slow client before it
	// is dropped. Default 256.
	SendQueue int
	// ReadLimit bounds one client message, at most MaxMessageBytes (the
	// default).
	ReadLimit int64
	// PingPeriod is how often the server pings. Default 10s.
	PingPeriod time.Duration
	// PongWait is how long the server waits for a pong (or any frame)
	// before dropping the client. Default 25s; must exceed PingPeriod.
	PongWait time.Duration
	// WriteWait bounds one write to the socket. Default 10s.
	WriteWait time.Duration
	// CloseGrace is how long a closing server waits for the client's close
	// frame. Default 1s.
	CloseGrace time.Duration
	// MaxBadMessages is how many bad messages in a row close the connection
	// (1008). Default 16.
	MaxBadMessages int
	// HandshakeTimeout bounds the WebSocket handshake. Default 10s.
	HandshakeTimeout time.Duration
}

// Upgrader turns authorised HTTP requests into interview connections, at
// most one live connection per session.
type Upgrader struct {
	cfg     Config
	log     *slog.Logger
	m       *metrics
	origins map[string]bool
	ws      websocket.Upgrader

	mu     sync.Mutex
	live   map[uuid.UUID]*Conn // nil while the handshake runs
	closed bool
	wg     sync.WaitGroup // one per entry in live
}

// NewUpgrader checks cfg and returns an Upgrader.
func NewUpgrader(cfg Config) (*Upgrader, error) {
	if cfg.Tickets == nil {
		return nil, errors.New("signaling: Config.Tickets is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.PingPeriod, 10*time.Second)
	def(&cfg.PongWait, 25*time.Second)
	def(&cfg.WriteWait, 10*time.Second)
	def(&cfg.CloseGrace, time.Second)
	def(&cfg.HandshakeTimeout, 10*time.Second)
	if cfg.SendQueue == 0 {
		cfg.SendQueue = 256
	}
	if cfg.ReadLimit == 0 {
		cfg.ReadLimit = MaxMessageBytes
	}
	if cfg.MaxBadMessages == 0 {
		cfg.MaxBadMessages = 16
	}
	switch {
	case cfg.PingPeriod < 0 || cfg.PongWait < 0 || cfg.WriteWait < 0 || cfg.CloseGrace < 0 || cfg.HandshakeTimeout < 0:
		return nil, errors.New("signaling: Config durations must not be negative")
	case cfg.PongWait <= cfg.PingPeriod:
		return nil, fmt.Errorf("signaling: Config.PongWait (%v) must exceed PingPeriod (%v)", cfg.PongWait, cfg.PingPeriod)
	case cfg.SendQueue < 0:
		return nil, errors.New("signaling: Config.SendQueue must not be negative")
	case cfg.ReadLimit < 0 || cfg.ReadLimit > MaxMessageBytes:
		return nil, fmt.Errorf("signaling: Config.ReadLimit must be between 1 and %d", MaxMessageBytes)
	case cfg.MaxBadMessages < 0:
		return nil, errors.New("signaling: Config.MaxBadMessages must not be negative")
	}
	origins := map[string]bool{}
	for _, o := range cfg.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("signaling: Config.Origins: %q is not an origin like https://viva.example.com", o)
		}
		origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	u := &Upgrader{cfg: cfg, log: cfg.Logger, m: m, origins: origins, live: map[uuid.UUID]*Conn{}}
	u.ws = websocket.Upgrader{
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   4 << 10,
		WriteBufferSize:  4 << 10,
		CheckOrigin:      func(*http.Request) bool { return true }, // checked before the handshake
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			u.refuse(w, status, CodeBadHandshake, reason.Error(), "")
		},
	}
	return u, nil
}

// RefusalError is an upgrade the Upgrader refused; the HTTP response with
// Status and a JSON body {"error", "code", "field"} has already been sent.
type RefusalError struct {
	Status  int
	Code    Code
	Message string
}

func (e *RefusalError) Error() string {
	return fmt.Sprintf("signaling: upgrade refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// Upgrade authorises r and upgrades it to a WebSocket, or answers it with an
// HTTP error and a JSON body and returns a *RefusalError. In order it
// checks: a WebSocket GET (400 not_websocket), the path's {id} if the route
// has one (404 not_found), the Origin (403 bad_origin), the ticket (401
// ticket_missing, ticket_unknown, ticket_expired, ticket_used; 403
// ticket_mismatch if it is for another session than {id}), and that the
// session has no live socket (409 session_busy; checked before the ticket is
// spent when the path names the session).
//
// The caller must Serve or Close the returned Conn; the session is free for
// a new socket once it has finished.
func (u *Upgrader) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if u.isClosed() {
		return nil, u.refuse(w, http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down; try again shortly", "")
	}
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		return nil, u.refuse(w, http.StatusBadRequest, CodeNotWebSocket, "this endpoint takes a WebSocket handshake (GET with Upgrade: websocket)", "")
	}
	var pathID uuid.UUID
	if raw := r.PathValue("id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return nil, u.refuse(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no session %q", truncate(raw, 64)), "")
		}
		pathID = id
	}
	if !u.originAllowed(r) {
		return nil, u.refuse(w, http.StatusForbidden, CodeBadOrigin, fmt.Sprintf("origin %q may not open this socket", truncate(r.Header.Get("Origin"), 100)), "")
	}
	text := r.URL.Query().Get("ticket")
	if text == "" {
		return nil, u.refuse(w, http.StatusUnauthorized, CodeTicketMissing, "a ticket is required: POST /api/v1/sessions/{id}/ticket, then connect with ?ticket=", "ticket")
	}
	if pathID != uuid.Nil && u.busy(pathID) {
		return nil, u.refuse(w, http.StatusConflict, CodeSessionBusy, "this interview already has a live connection", "")
	}
	session, owner, err := u.cfg.Tickets.Redeem(text)
	switch {
	case errors.Is(err, ErrTicketExpired):
		return nil, u.refuse(w, http.StatusUnauthorized, CodeTicketExpired, "the ticket has expired; ask for a new one", "ticket")
	case errors.Is(err, ErrTicketUsed):
		return nil, u.refuse(w, http.StatusUnauthorized, CodeTicketUsed, "the ticket has already been used; ask for a new one", "ticket")
	case err != nil:
		return nil, u.refuse(w, http.StatusUnauthorized, CodeTicketUnknown, "unknown ticket", "ticket")
	case pathID != uuid.Nil && session != pathID:
		return nil, u.refuse(w, http.StatusForbidden, CodeTicketMismatch, "the ticket is for another session", "ticket")
	}
	if ok, closed := u.claim(session); !ok {
		if closed {
			return nil, u.refuse(w, http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down; try again shortly", "")
		}
		return nil, u.refuse(w, http.StatusConflict, CodeSessionBusy, "this interview already has a live connection", "")
	}
	ws, err := u.ws.Upgrade(hijacker(w), r, nil)
	if err != nil {
		u.release(session)
		return nil, &RefusalError{Status: http.StatusBadRequest, Code: CodeBadHandshake, Message: err.Error()}
	}
	c := &Conn{
		ws:      ws,
		cfg:     &u.cfg,
		m:       u.m,
		log:     u.log.With("session_id", session),
		session: session,
		owner:   owner,
		release: func() { u.release(session) },
		opened:  time.Now(),
		send:    make(chan outgoing, u.cfg.SendQueue),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	u.m.open.Inc()
	c.log.Info("signaling opened", "remote_addr", r.RemoteAddr)
	u.mu.Lock()
	u.live[session] = c
	closed := u.closed
	u.mu.Unlock()
	if closed { // Close ran during the handshake
		c.shutdown()
	}
	return c, nil
}

// Live reports whether session has a socket, open or opening.
func (u *Upgrader) Live(session uuid.UUID) bool { return u.busy(session) }

// Close refuses new upgrades (503 shutting_down), closes every live
// connection with 1001 (going away) and waits for them to finish. It is
// idempotent.
func (u *Upgrader) Close() error {
	u.mu.Lock()
	u.closed = true
	conns := make([]*Conn, 0, len(u.live))
	for _, c := range u.live {
		if c != nil {
			conns = append(conns, c)
		}
	}
	u.mu.Unlock()
	for _, c := range conns {
		c.shutdown()
	}
	for _, c := range conns {
		<-c.done
	}
	u.wg.Wait()
	return nil
}

func (u *Upgrader) isClosed() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.closed
}

func (u *Upgrader) busy(session uuid.UUID) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	_, ok := u.live[session]
	return ok
}

// claim reserves session for a new socket.
func (u *Upgrader) claim(session uuid.UUID) (ok, closed bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false, true
	}
	if _, busy := u.live[session]; busy {
		return false, false
	}
	u.live[session] = nil
	u.wg.Add(1)
	return true, false
}

func (u *Upgrader) release(session uuid.UUID) {
	u.mu.Lock()
	delete(u.live, session)
	u.mu.Unlock()
	u.wg.Done()
}

func (u *Upgrader) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return false
	}
	if strings.EqualFold(o.Host, r.Host) {
		return true
	}
	return u.origins[strings.ToLower(o.Scheme+"://"+o.Host)]
}

func (u *Upgrader) refuse(w http.ResponseWriter, status int, code Code, msg, field string) *RefusalError {
	u.m.refused.WithLabelValues(string(code)).Inc()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		Error string `json:"error"`
		Code  Code   `json:"code"`
		Field string `json:"field,omitempty"`
	}{msg, code, field}) // a failed write means the client went away
	return &RefusalError{Status: status, Code: code, Message: msg}
}

// hijacker finds the http.Hijacker under middleware wrappers that only
// offer Unwrap (gorilla asserts the interface directly).
func hijacker(w http.ResponseWriter) http.ResponseWriter {
	for {
		if _, ok := w.(http.Hijacker); ok {
			return w
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
