package stt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolConfig configures a Pool. Zero values are the documented defaults.
type PoolConfig struct {
	// Engine does the transcribing. Required.
	Engine Transcriber
	// Workers is how many utterances are transcribed at once. Default 2.
	Workers int
	// Queue is how many utterances may wait. A full queue refuses new work
	// with ErrBusy instead of blocking the media path. Default 32.
	Queue int
	// Registerer receives the pool's metrics. Nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives the pool's logs. Nil discards them.
	Logger *slog.Logger
}

// Outcome is what became of one submitted utterance.
type Outcome struct {
	Result Result
	Err    error
	// Latency is from submission to result, queueing included.
	Latency time.Duration
}

type job struct {
	ctx       context.Context
	audio     Audio
	submitted time.Time
	out       chan Outcome
}

// Pool transcribes utterances on a bounded set of workers with a bounded
// queue: back-pressure shows up as ErrBusy at Submit, never as a stalled
// caller. It implements Transcriber too (submit and wait).
type Pool struct {
	engine  Transcriber
	queue   chan job
	metrics *poolMetrics
	log     *slog.Logger

	mu     sync.RWMutex // guards closed against Submit racing Close
	closed bool
	wg     sync.WaitGroup
}

// NewPool starts the workers; Close stops them.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Engine == nil {
		return nil, errors.New("stt: PoolConfig.Engine is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newPoolMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	p := &Pool{engine: cfg.Engine, queue: make(chan job, cfg.Queue), metrics: m, log: cfg.Logger}
	for range cfg.Workers {
		p.wg.Go(p.work)
	}
	return p, nil
}

func (p *Pool) work() {
	for j := range p.queue {
		p.metrics.depth.Dec()
		var o Outcome
		if err := j.ctx.Err(); err != nil {
			o.Err = err // the caller gave up while it waited
		} else {
			o.Result, o.Err = p.engine.Transcribe(j.ctx, j.audio)
		}
		o.Latency = time.Since(j.submitted)
		p.metrics.observe(o)
		j.out <- o
	}
}

// Submit queues one utterance and returns at once. The outcome arrives on
// the returned channel (buffered: nobody has to read it). A full queue
// gives ErrBusy.
func (p *Pool) Submit(ctx context.Context, a Audio) (<-chan Outcome, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, fmt.Errorf("stt: pool closed: %w", ErrUnavailable)
	}
	j := job{ctx: ctx, audio: a, submitted: time.Now(), out: make(chan Outcome, 1)}
	select {
	case p.queue <- j:
		p.metrics.depth.Inc()
		return j.out, nil
	default:
		p.metrics.rejected.Inc()
		return nil, fmt.Errorf("stt: %d utterances already waiting: %w", cap(p.queue), ErrBusy)
	}
}

// Transcribe implements Transcriber: submit, then wait for the outcome or
// the context.
func (p *Pool) Transcribe(ctx context.Context, a Audio) (Result, error) {
	out, err := p.Submit(ctx, a)
	if err != nil {
		return Result{}, err
	}
	select {
	case o := <-out:
		return o.Result, o.Err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Close stops accepting work, lets the workers finish what is queued, and
// waits for them. It is safe to call more than once.
func (p *Pool) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

type poolMetrics struct {
	depth    prometheus.Gauge
	rejected prometheus.Counter
	latency  *prometheus.HistogramVec
	done     *prometheus.CounterVec
}

func newPoolMetrics(reg prometheus.Registerer) (*poolMetrics, error) {
	m := &poolMetrics{
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "viva_stt_queue_depth", Help: "Utterances waiting for a speech-to-text worker.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "viva_stt_rejected_total", Help: "Utterances refused because the speech-to-text queue was full.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "viva_stt_latency_seconds",
			Help:    "Time from submitting an utterance to its transcript, queueing included.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 10),
		}, []string{"engine"}),
		done: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "viva_stt_utterances_total", Help: "Utterances transcribed, by engine and result (ok, empty, error).",
		}, []string{"engine", "result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.depth, m.rejected, m.latency, m.done} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("stt: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *poolMetrics) observe(o Outcome) {
	engine, result := o.Result.Engine, "ok"
	switch {
	case o.Err != nil:
		engine, result = "unknown", "error"
	case o.Result.Text == "":
		result = "empty"
	}
	m.done.WithLabelValues(engine, result).Inc()
	if o.Err == nil {
		m.latency.WithLabelValues(engine).Observe(o.Latency.Seconds())
	}
}
