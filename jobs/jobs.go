// Package jobs runs Viva's durable post-call work (scoring now; recording
// finalisation and transcription of leftovers join it with the media path)
// on River: its SQLite driver beside the embedded store, its pgx v5 driver on
// PostgreSQL. Jobs are rows in the database, so a job enqueued before a
// crash runs after the restart, and several `viva serve` processes on one
// PostgreSQL share the work.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
	"github.com/viva-interview/viva/scoring/judge"
)

// Config configures a Queue. Zero values are the documented defaults.
type Config struct {
	// Store is where workers read transcripts and write reports. Required.
	Store viva.Store
	// Workers is how many jobs this node runs at once. Zero makes an
	// insert-only queue: it enqueues but leaves the work to other nodes.
	Workers int
	// NodeID names this node in River's job rows (attempted_by). Default:
	// River's generated id.
	NodeID string
	// PollInterval is how often the node looks for new jobs when it gets no
	// notification (always, on SQLite). Default 1s.
	PollInterval time.Duration
	// JobTimeout bounds one attempt. Default 2m.
	JobTimeout time.Duration
	// Logger receives River's and the workers' logs. Nil discards them.
	Logger *slog.Logger
	// Registerer receives the job metrics. Nil registers nothing.
	Registerer prometheus.Registerer
	// Questions finds a question's rubric by id, for scoring (the question
	// bank). Nil scores delivery only.
	Questions func(id string) (scoring.Question, bool)
	// Judge, when set, adds a language model's verdict beside the
	// deterministic report (scoring/judge); the report is stored first and
	// the verdict added when it comes.
	Judge Judge
}

// Judge grades an interview with a language model; *judge.Judge
// implements it.
type Judge interface {
	Judge(ctx context.Context, in scoring.Input) (judge.Verdict, error)
}

// Queue enqueues post-call jobs and, when it has workers, runs them.
type Queue struct {
	insert  func(ctx context.Context, args river.JobArgs) error
	start   func(ctx context.Context) error
	stop    func(ctx context.Context) error
	workers int
}

// NewPostgres makes a queue on PostgreSQL, migrating River's tables.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Queue, error) {
	driver := riverpgxv5.New(pool)
	return newQueue(ctx, driver, cfg, func(m *rivermigrate.Migrator[pgx.Tx]) error {
		// Two nodes starting together must not both migrate. River's
		// migrations cannot share one transaction (new enum values), so a
		// session lock on a connection of its own guards them instead.
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", riverMigrationLock); err != nil {
			return err
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrationLock)
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	})
}

// NewSQLite makes a queue on the embedded store's SQLite file. River wants
// a pool of its own with a single connection (see riversqlite).
func NewSQLite(ctx context.Context, db *sql.DB, cfg Config) (*Queue, error) {
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	return newQueue(ctx, driver, cfg, func(m *rivermigrate.Migrator[*sql.Tx]) error {
		// One process owns an embedded store, so nothing races this.
		_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	})
}

const riverMigrationLock = 0x72697672 // "rivr"

func newQueue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg Config, migrate func(*rivermigrate.Migrator[TTx]) error) (*Queue, error) {
	if cfg.Store == nil {
		return nil, errors.New("jobs: Config.Store is required")
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("jobs: Config.Workers must be >= 0, got %d", cfg.Workers)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 2 * time.Minute
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := migrate(m); err != nil {
		return nil, fmt.Errorf("jobs: migrate river tables: %w", err)
	}

	met, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &scoreWorker{store: cfg.Store, log: logger, metrics: met, questions: cfg.Questions, judge: cfg.Judge})

	rc := &river.Config{
		ID:                   cfg.NodeID,
		Logger:               logger.With("component", "river"),
		Workers:              workers,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + time.Minute,
		MaxAttempts:          5,
	}
	if cfg.Workers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{
		insert: func(ctx context.Context, args river.JobArgs) error {
			_, err := client.Insert(ctx, args, nil)
			return err
		},
		start:   client.Start,
		stop:    client.Stop,
		workers: cfg.Workers,
	}, nil
}

// Start begins working jobs until Stop; an insert-only queue does nothing.
func (q *Queue) Start(ctx context.Context) error {
	if q.workers == 0 {
		return nil
	}
	return q.start(ctx)
}

// Stop waits for running jobs to finish (until ctx ends, when they are
// cancelled and retried later) and stops fetching new ones.
func (q *Queue) Stop(ctx context.Context) error {
	if q.workers == 0 {
		return nil
	}
	return q.stop(ctx)
}

// EnqueueScore asks for a session to be scored. Enqueuing it again while
// the first job is pending or done is a no-op.
func (q *Queue) EnqueueScore(ctx context.Context, sessionID uuid.UUID) error {
	if err := q.insert(ctx, ScoreArgs{SessionID: sessionID}); err != nil {
		return fmt.Errorf("enqueue scoring of %s: %w", sessionID, err)
	}
	return nil
}
