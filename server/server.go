// Package server is Viva's HTTP front: the JSON API for interview sessions,
// health and readiness probes, Prometheus metrics and the embedded web app.
// It translates domain errors into HTTP statuses and JSON error bodies once,
// at this edge.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/signaling"
)

// Scorer queues post-call scoring; jobs.Queue implements it.
type Scorer interface {
	EnqueueScore(ctx context.Context, sessionID uuid.UUID) error
}

// Config configures a Server. Zero values are the documented defaults.
type Config struct {
	Store  viva.Store // required
	Scorer Scorer     // required
	// Static is the web app served at /. Nil serves no pages.
	Static fs.FS
	// Logger receives request and error logs. Nil discards them.
	Logger *slog.Logger
	// Registry receives and exposes the HTTP metrics at /metrics. Nil uses a
	// new registry with Go and process collectors.
	Registry *prometheus.Registry
	// MaxBodyBytes bounds a JSON request body. Default 64 KiB.
	MaxBodyBytes int64
	// ReadyTimeout bounds the store check behind /readyz. Default 2s.
	ReadyTimeout time.Duration

	// Interviews runs live interviews. Nil serves no interview sockets
	// (the ticket and socket routes answer 404).
	Interviews Interviews
	// Origins are the origins besides the server's own whose pages may
	// open interview sockets ("scheme://host[:port]").
	Origins []string
	// Questions lists the question bank for the start page. Nil lists none.
	Questions Questions
}

// Server serves Viva's HTTP API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	ready   atomic.Bool // last /readyz verdict, to log only changes

	tickets  *signaling.Tickets
	upgrader *signaling.Upgrader
}

// New checks cfg and builds the server's routes.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Scorer == nil {
		return nil, errors.New("server: Config.Store and Config.Scorer are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = NewRegistry()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: m}
	if cfg.Interviews != nil {
		if s.tickets, err = signaling.NewTickets(signaling.TicketConfig{}); err != nil {
			return nil, err
		}
		if s.upgrader, err = signaling.NewUpgrader(signaling.Config{
			Tickets: s.tickets, Origins: cfg.Origins, Logger: cfg.Logger, Registerer: cfg.Registry,
		}); err != nil {
			return nil, err
		}
	}
	s.ready.Store(true)
	s.routes()
	return s, nil
}

// NewRegistry is a Prometheus registry with the Go runtime and process
// collectors, the base every Viva process exposes.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func (s *Server) routes() {
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))

	s.handle("POST /api/v1/sessions", s.createSession)
	s.handle("GET /api/v1/sessions", s.listSessions)
	s.handle("GET /api/v1/sessions/{id}", s.getSession)
	s.handle("DELETE /api/v1/sessions/{id}", s.deleteSession)
	s.handle("POST /api/v1/sessions/{id}/end", s.endSession)
	s.handle("GET /api/v1/sessions/{id}/transcript", s.transcript)
	s.handle("GET /api/v1/sessions/{id}/report", s.report)
	s.handle("GET /api/v1/sessions/{id}/recordings/{direction}", s.recording)
	s.handle("GET /api/v1/questions", s.questions)
	s.handle("POST /api/v1/sessions/{id}/shares", s.createShare)
	s.handle("GET /api/v1/sessions/{id}/shares", s.listShares)
	s.handle("DELETE /api/v1/sessions/{id}/shares/{share}", s.revokeShare)
	s.handle("GET /api/v1/shared/{token}", s.sharedReport)
	s.handle("GET /api/v1/shared/{token}/recordings/{direction}", s.sharedRecording)
	if s.cfg.Interviews != nil {
		s.handle("POST /api/v1/sessions/{id}/ticket", s.ticket)
		s.handle("GET /api/v1/sessions/{id}/ws", s.socket)
	}
	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API endpoint: "+r.Method+" "+r.URL.Path, "")
	})

	if s.cfg.Static != nil {
		files := http.FileServerFS(s.cfg.Static)
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here", "")
				return
			}
			files.ServeHTTP(w, r)
		})
	}
}

// handle registers h under pattern with logging, metrics and panic recovery.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.instrument(pattern, h))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	err := s.cfg.Store.Ready(ctx)
	if was := s.ready.Swap(err == nil); was != (err == nil) {
		if err != nil {
			s.log.Error("store not ready", "err", err)
		} else {
			s.log.Info("store ready again")
		}
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
