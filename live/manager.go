package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer/llm"
	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/vad"
	"github.com/viva-interview/viva/signaling"
)

// DefaultReconnect is how long an interview waits for its candidate to come
// back after the socket drops.
const DefaultReconnect = 60 * time.Second

// ErrBusy: the server runs as many interviews as it may.
var ErrBusy = errors.New("too many live interviews")

// Scorer queues a finished interview for scoring; jobs.Queue implements it.
type Scorer interface {
	EnqueueScore(ctx context.Context, session uuid.UUID) error
}

// Phraser phrases a follow-up with a language model; *llm.Phraser
// implements it.
type Phraser interface {
	Phrase(ctx context.Context, r llm.Request) (llm.Choice, error)
}

// Config configures a Manager.
type Config struct {
	Store viva.Store      // required
	STT   stt.Transcriber // required: usually an stt.Pool
	TTS   tts.Synthesizer // required: usually a tts.Cache
	// Scorer queues ended interviews for scoring. Nil scores nothing.
	Scorer Scorer
	// Interviewer makes the interviewer of a session. Required: usually
	// NewInterviewer over the question bank.
	Interviewer func(*viva.Session) (Interviewer, error)
	// RecordingsDir holds the recordings, one directory per session.
	// Required.
	RecordingsDir string

	// Phraser, when set, has a language model choose and phrase each
	// follow-up (interviewer/llm); it is bounded by its own timeout, after
	// which the rubric's probe is said.
	Phraser Phraser

	// Endpoint and VAD tune turn taking; zero values are their defaults.
	Endpoint endpoint.Config
	VAD      vad.Config
	// Reconnect is how long a dropped candidate may take to come back.
	// Default DefaultReconnect.
	Reconnect time.Duration
	// MaxInterviews bounds the interviews live at once on this server.
	// Default 100.
	MaxInterviews int
	// Drain bounds how long an ending interview waits for its last
	// transcripts. Default 60s.
	Drain time.Duration
	// Overrun is how long past its budget an interview may run while the
	// interviewer says its closing words, before it is ended regardless.
	// Default 30s.
	Overrun time.Duration

	Logger     *slog.Logger          // nil discards
	Registerer prometheus.Registerer // nil keeps the metrics private
}

// Manager runs the live interviews of one server.
type Manager struct {
	cfg     Config
	log     *slog.Logger
	met     *metrics
	ctx     context.Context // cancelled by Close after the interviews stop
	cancel  context.CancelFunc
	stopped chan struct{} // closed by Close: interviews stop
	preSkip int           // the interviewer's encoder delay, for its recording

	mu         sync.Mutex
	interviews map[uuid.UUID]*interview
	closed     bool
	wg         sync.WaitGroup
}

// NewManager checks cfg and returns a Manager.
func NewManager(cfg Config) (*Manager, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("live: Config.Store is required")
	case cfg.STT == nil:
		return nil, errors.New("live: Config.STT is required")
	case cfg.TTS == nil:
		return nil, errors.New("live: Config.TTS is required")
	case cfg.RecordingsDir == "":
		return nil, errors.New("live: Config.RecordingsDir is required")
	}
	if _, err := endpoint.New(cfg.Endpoint); err != nil {
		return nil, err
	}
	if _, err := vad.New(cfg.VAD); err != nil {
		return nil, err
	}
	if cfg.Interviewer == nil {
		return nil, errors.New("live: Config.Interviewer is required")
	}
	if cfg.Reconnect <= 0 {
		cfg.Reconnect = DefaultReconnect
	}
	if cfg.MaxInterviews <= 0 {
		cfg.MaxInterviews = 100
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 60 * time.Second
	}
	if cfg.Overrun <= 0 {
		cfg.Overrun = 30 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.RecordingsDir, 0o700); err != nil {
		return nil, fmt.Errorf("recordings directory: %w", err)
	}
	met, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{
		cfg: cfg, log: log, met: met, ctx: ctx, cancel: cancel, preSkip: enc.Lookahead(),
		stopped: make(chan struct{}), interviews: make(map[uuid.UUID]*interview),
	}, nil
}

// CanJoin reports whether a socket may be opened for the session now: it is
// new, live, or interrupted with its interview still waiting for the
// candidate. The error says why not: viva.ErrConflict for a session that is
// over, ErrBusy when the server is full.
func (m *Manager) CanJoin(s *viva.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("server is stopping: %w", ErrBusy)
	}
	if _, ok := m.interviews[s.ID]; ok {
		return nil
	}
	switch s.State {
	case viva.StateCreated:
	case viva.StateLive, viva.StateInterrupted:
		return fmt.Errorf("interview %s was interrupted and cannot be resumed on this server: %w", s.ID, viva.ErrConflict)
	default:
		return fmt.Errorf("interview %s is %s: %w", s.ID, s.State, viva.ErrConflict)
	}
	if len(m.interviews) >= m.cfg.MaxInterviews {
		return fmt.Errorf("%d interviews are live: %w", len(m.interviews), ErrBusy)
	}
	return nil
}

// Serve runs one socket of an interview until it closes, starting the
// interview if it is not running. It blocks; the HTTP handler that upgraded
// the socket calls it.
func (m *Manager) Serve(conn *signaling.Conn) error {
	iv, err := m.interview(conn.Session())
	if err != nil {
		_ = conn.Send(&signaling.ErrorMessage{Code: signaling.CodeBadState, Message: err.Error()})
		_ = conn.End(signaling.EndError)
		<-conn.Done()
		return err
	}
	iv.post(attach{conn: conn})
	err = conn.Serve(m.ctx, handler{iv: iv, conn: conn})
	iv.post(detach{conn: conn, err: err})
	return err
}

// interview returns the session's running interview, starting it if needed.
func (m *Manager) interview(id uuid.UUID) (*interview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if iv, ok := m.interviews[id]; ok {
		return iv, nil
	}
	if m.closed {
		return nil, fmt.Errorf("server is stopping: %w", ErrBusy)
	}
	ctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
	defer cancel()
	s, err := m.cfg.Store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.State != viva.StateCreated {
		return nil, fmt.Errorf("interview is %s: %w", s.State, viva.ErrConflict)
	}
	if len(m.interviews) >= m.cfg.MaxInterviews {
		return nil, ErrBusy
	}
	ivr, err := m.cfg.Interviewer(s)
	if err != nil {
		return nil, fmt.Errorf("interviewer: %w", err)
	}
	iv, err := newInterview(m, s, ivr)
	if err != nil {
		return nil, err
	}
	m.interviews[id] = iv
	m.met.live.Inc()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		iv.run()
		m.forget(iv)
		m.met.live.Dec()
	}()
	return iv, nil
}

// End ends the session's interview, if it runs here, as the candidate's
// end message would, and waits until it is over (or ctx is done). It
// reports whether the interview was running.
func (m *Manager) End(ctx context.Context, id uuid.UUID) (bool, error) {
	m.mu.Lock()
	iv, ok := m.interviews[id]
	m.mu.Unlock()
	if !ok {
		return false, nil
	}
	iv.post(endNow{})
	select {
	case <-iv.done:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

// forget removes an interview that is ending: from then on its session is
// judged by its state in the store.
func (m *Manager) forget(iv *interview) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.interviews[iv.s.ID] == iv {
		delete(m.interviews, iv.s.ID)
	}
}

// Live is the number of interviews running.
func (m *Manager) Live() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.interviews)
}

// Close stops every interview (each is marked interrupted, keeps what was
// said and recorded, and is queued for scoring) and waits for them, or
// until ctx is done, when it cancels what is left and waits for that.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.stopped)
	m.mu.Unlock()
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("interviews still stopping: %w", ctx.Err())
		m.cancel()
		<-done
	}
	m.cancel()
	return err
}

// recordingPath is where a session's recording of one direction lives. It
// is built from the session's UUID and a fixed name, never from user input.
func (m *Manager) recordingPath(id uuid.UUID, dir viva.Speaker) string {
	return filepath.Join(m.cfg.RecordingsDir, id.String(), string(dir)+".ogg")
}
