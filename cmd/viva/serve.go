package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/interviewer/llm"
	"github.com/viva-interview/viva/jobs"
	"github.com/viva-interview/viva/live"
	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/scoring/judge"
	"github.com/viva-interview/viva/server"
	"github.com/viva-interview/viva/static"
	"github.com/viva-interview/viva/store"
	"github.com/viva-interview/viva/store/postgres"
	"github.com/viva-interview/viva/store/sqlite"
)

type serveCmd struct {
	Addr            string        `default:"127.0.0.1:8080" env:"VIVA_ADDR" help:"Address to listen on."`
	DataDir         string        `default:"./data" env:"VIVA_DATA_DIR" type:"path" help:"Directory for the embedded database and recordings."`
	DatabaseURL     string        `name:"database-url" env:"DATABASE_URL" help:"PostgreSQL URL; when set, PostgreSQL replaces the embedded store and jobs are shared with other nodes on it."`
	Workers         int           `default:"2" env:"VIVA_WORKERS" help:"Background jobs (scoring) this node runs at once; 0 leaves them to other nodes."`
	NodeID          string        `env:"VIVA_NODE_ID" help:"This node's name in job records (default: hostname-pid)."`
	StoreWait       time.Duration `default:"30s" env:"VIVA_STORE_WAIT" help:"How long to keep retrying an unreachable PostgreSQL at start-up."`
	ShutdownTimeout time.Duration `default:"30s" env:"VIVA_SHUTDOWN_TIMEOUT" help:"How long a graceful shutdown waits for requests and jobs before cancelling them."`
	MaxBodyBytes    int64         `default:"65536" env:"VIVA_MAX_BODY_BYTES" help:"Largest JSON request body accepted."`
	Origins         []string      `name:"allowed-origins" env:"VIVA_ALLOWED_ORIGINS" help:"Origins besides this server's own whose pages may open interview sockets (scheme://host[:port], comma-separated)."`
	MaxInterviews   int           `default:"20" env:"VIVA_MAX_INTERVIEWS" help:"Interviews this server runs at once."`
	Reconnect       time.Duration `default:"60s" env:"VIVA_RECONNECT" help:"How long an interview waits for a candidate whose connection dropped."`
	EndSilence      time.Duration `default:"800ms" env:"VIVA_END_SILENCE" help:"Silence after a finished sentence that ends the candidate's turn."`
	MaxThinking     time.Duration `default:"2.5s" env:"VIVA_MAX_THINKING" help:"Silence allowed after an unfinished sentence ('because…') before the turn ends."`
	STTQueue        int           `default:"32" name:"stt-queue" env:"VIVA_STT_QUEUE" help:"Utterances that may wait for the speech engine before new ones are refused."`
	LLMModel        string        `name:"llm-model" env:"VIVA_LLM_MODEL" help:"Chat model that phrases follow-ups and gives a second verdict beside each report (e.g. gpt-4o-mini, or llama3.1 on Ollama); unset: the rubric's own probes and the deterministic report only, nothing leaves this machine."`
	LLMBaseURL      string        `name:"llm-base-url" env:"VIVA_LLM_BASE_URL" help:"OpenAI-compatible API root of the chat model (default: --openai-base-url; Ollama: http://127.0.0.1:11434/v1)."`
	LLMTimeout      time.Duration `name:"llm-timeout" env:"VIVA_LLM_TIMEOUT" default:"1.5s" help:"How long a follow-up waits for the chat model before the rubric's probe is said instead."`

	sttFlags
	ttsFlags
	questionsFlag
}

func (c *serveCmd) Run(g *Globals) error {
	log := g.logger()
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if c.NodeID == "" {
		host, _ := os.Hostname()
		c.NodeID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	bank, qerrs := c.load()
	for _, err := range qerrs {
		log.Warn("question skipped", "problem", err.Error())
	}
	if bank.Len() == 0 {
		return errors.New("no valid interview questions")
	}
	log.Info("question bank loaded", "questions", bank.Len(), "user_dir", c.Questions)
	st, queue, err := c.openBackends(ctx, log, bank)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()

	reg := server.NewRegistry()
	interviews, closeMedia, err := c.openInterviews(ctx, log, reg, st, queue, bank)
	if err != nil {
		return err
	}
	defer closeMedia()
	srv, err := server.New(server.Config{
		Store: st, Scorer: queue, Static: static.Files(), Logger: log, Registry: reg, MaxBodyBytes: c.MaxBodyBytes,
		Interviews: interviews, Origins: c.Origins, Questions: bankList{bank},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := queue.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String(), "node_id", c.NodeID, "workers", c.Workers)

	select {
	case <-ctx.Done():
		log.Info("shutting down; a second signal forces exit")
	case err := <-served:
		log.Error("http server stopped", "err", err)
	}
	stop() // from here a second SIGINT/SIGTERM kills the process

	// Stop in order: close the interview sockets and end the interviews
	// (each keeps what was said and is queued for scoring), stop accepting
	// and finish requests, let running jobs finish, then close the speech
	// engines and the store (deferred above).
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	var errs []error
	if err := srv.CloseSockets(); err != nil {
		errs = append(errs, fmt.Errorf("close sockets: %w", err))
	}
	if err := interviews.Close(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop interviews: %w", err))
	}
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("http server: %w", err))
	}
	if err := queue.Stop(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop jobs: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}

// openInterviews builds the media side: the speech engine behind a
// bounded pool, the interviewer's voice behind a warmed cache, and the
// manager of live interviews. closeMedia releases the engines.
func (c *serveCmd) openInterviews(ctx context.Context, log *slog.Logger, reg *prometheus.Registry, st viva.Store, q *jobs.Queue, bank *interviewer.Bank) (*live.Manager, func(), error) {
	engine, engineCloser, err := c.engine(log)
	if err != nil {
		return nil, nil, fmt.Errorf("speech engine: %w", err)
	}
	pool, err := stt.NewPool(stt.PoolConfig{Engine: engine, Workers: c.STTDecoders, Queue: c.STTQueue, Registerer: reg, Logger: log})
	if err != nil {
		engineCloser.Close()
		return nil, nil, err
	}
	closeMedia := func() {
		_ = pool.Close()
		_ = engineCloser.Close()
	}
	voice, err := c.voice(log, &c.sttFlags)
	if err != nil {
		closeMedia()
		return nil, nil, fmt.Errorf("interviewer voice: %w", err)
	}
	var phraser live.Phraser
	if c.LLMModel != "" {
		base := c.llmBaseURL()
		p, err := llm.New(llm.Config{BaseURL: base, APIKey: c.OpenAIAPIKey, Model: c.LLMModel, Timeout: c.LLMTimeout, Logger: log})
		if err != nil {
			closeMedia()
			return nil, nil, err
		}
		log.Info("follow-ups phrased and reports judged by a chat model; the questions and the candidate's words are sent to it", "base_url", redactURL(base), "model", c.LLMModel)
		phraser = p
	}
	m, err := live.NewManager(live.Config{
		Phraser: phraser,
		Store:   st, STT: pool, TTS: voice, Scorer: q, Interviewer: live.NewInterviewer(bank, interviewer.Config{}),
		RecordingsDir: filepath.Join(c.DataDir, "recordings"),
		Endpoint:      endpoint.Config{Silence: c.EndSilence, MaxThinking: c.MaxThinking},
		Reconnect:     c.Reconnect, MaxInterviews: c.MaxInterviews,
		Logger: log, Registerer: reg,
	})
	if err != nil {
		closeMedia()
		return nil, nil, err
	}
	// Warm the voice with what every interview says first, in the
	// background: a cold prompt is synthesised on demand anyway.
	warmCtx, stopWarm := context.WithCancel(ctx)
	warmed := make(chan struct{})
	closeEngines := closeMedia
	closeMedia = func() {
		stopWarm()
		<-warmed
		closeEngines()
	}
	go func() {
		defer close(warmed)
		if err := voice.Warm(warmCtx, bank.Openings()); err != nil && warmCtx.Err() == nil {
			log.Warn("warming the interviewer's voice", "err", err)
		}
	}()
	return m, closeMedia, nil
}

// bankList lists the question bank for the start page.
type bankList struct{ b *interviewer.Bank }

func (l bankList) List(track viva.Track, mode viva.Mode) []server.QuestionInfo {
	var out []server.QuestionInfo
	for _, q := range l.b.Questions(track, mode) {
		out = append(out, server.QuestionInfo{ID: q.ID, Title: q.Title, Track: q.Track, Modes: q.Modes, Minutes: q.Minutes})
	}
	return out
}

// llmBaseURL is where the chat model is: --llm-base-url, else the API root
// of the other OpenAI-compatible engines.
func (c *serveCmd) llmBaseURL() string {
	if c.LLMBaseURL != "" {
		return c.LLMBaseURL
	}
	return c.OpenAIBaseURL
}

// openBackends opens the store the flags choose and the job queue beside it.
func (c *serveCmd) openBackends(ctx context.Context, log *slog.Logger, bank *interviewer.Bank) (viva.Store, *jobs.Queue, error) {
	jcfg := jobs.Config{Workers: c.Workers, NodeID: c.NodeID, Logger: log, Questions: bank.Scoring}
	if c.LLMModel != "" {
		j, err := judge.New(judge.Config{BaseURL: c.llmBaseURL(), APIKey: c.OpenAIAPIKey, Model: c.LLMModel, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		jcfg.Judge = j
	}
	if c.DatabaseURL == "" {
		unlock, err := lockDataDir(c.DataDir)
		if err != nil {
			return nil, nil, err
		}
		path := filepath.Join(c.DataDir, sqlite.FileName)
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			unlock()
			return nil, nil, err
		}
		db, err := sqlite.OpenDB(path)
		if err != nil {
			st.Close()
			unlock()
			return nil, nil, err
		}
		jcfg.Store = st
		q, err := jobs.NewSQLite(ctx, db, jcfg)
		if err != nil {
			db.Close()
			st.Close()
			unlock()
			return nil, nil, err
		}
		log.Info("embedded store open", "path", path)
		return closeAll{st, []func() error{db.Close, unlock}}, q, nil
	}

	var (
		st  *postgres.Store
		err error
	)
	deadline := time.Now().Add(c.StoreWait)
	for {
		st, err = postgres.Open(ctx, c.DatabaseURL)
		var tooNew *store.SchemaTooNewError
		if err == nil || errors.As(err, &tooNew) || ctx.Err() != nil || time.Now().After(deadline) {
			break
		}
		log.Warn("postgres unreachable; retrying", "err", err, "gives_up_in", time.Until(deadline).Round(time.Second).String())
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	if err != nil {
		return nil, nil, err
	}
	jcfg.Store = st
	q, err := jobs.NewPostgres(ctx, st.Pool(), jcfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	log.Info("postgres store open")
	return st, q, nil
}

// closeAll closes the embedded store, then River's pool and the data
// directory's lock.
type closeAll struct {
	viva.Store
	after []func() error
}

func (c closeAll) Close() error {
	errs := []error{c.Store.Close()}
	for _, f := range c.after {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

// lockDataDir makes sure one viva serve at a time uses an embedded data
// directory: the embedded store and its jobs are single-node. (Several
// nodes share a PostgreSQL instead.) The lock dies with the process.
func lockDataDir(dir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "viva.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another viva serve (lock %s): stop it, or use --data-dir elsewhere, or share a PostgreSQL (--database-url) between nodes", dir, path)
	}
	return f.Close, nil
}
