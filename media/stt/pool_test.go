package stt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/stt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gate is an engine whose transcriptions wait until released, so tests can
// fill the pool's queue deterministically.
type gate struct {
	release chan struct{}
	started chan struct{}
	err     error
}

func newGate() *gate { return &gate{release: make(chan struct{}), started: make(chan struct{}, 100)} }

func (g *gate) Transcribe(ctx context.Context, a stt.Audio) (stt.Result, error) {
	g.started <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return stt.Result{}, ctx.Err()
	}
	if g.err != nil {
		return stt.Result{}, g.err
	}
	return stt.Result{Engine: "gate", Text: "ok", Words: []viva.Word{{Text: "ok", StartMS: a.StartMS}}}, nil
}

func TestPoolBackPressure(t *testing.T) {
	t.Parallel()
	g := newGate()
	reg := prometheus.NewRegistry()
	p, err := stt.NewPool(stt.PoolConfig{Engine: g, Workers: 1, Queue: 2, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	first, err := p.Submit(ctx, stt.Audio{StartMS: 1})
	if err != nil {
		t.Fatal(err)
	}
	<-g.started // the worker holds the first; two more fill the queue
	var waiting []<-chan stt.Outcome
	for i := range 2 {
		out, err := p.Submit(ctx, stt.Audio{StartMS: int64(i + 2)})
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		waiting = append(waiting, out)
	}
	if got := gaugeValue(t, reg, "viva_stt_queue_depth"); got != 2 {
		t.Fatalf("queue depth %v, want 2", got)
	}
	start := time.Now()
	if _, err := p.Submit(ctx, stt.Audio{}); !errors.Is(err, stt.ErrBusy) {
		t.Fatalf("submit to a full queue: %v, want ErrBusy", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("a full queue blocked the caller")
	}
	close(g.release)
	for i, out := range append([]<-chan stt.Outcome{first}, waiting...) {
		o := <-out
		if o.Err != nil || o.Result.Words[0].StartMS != int64(i+1) {
			t.Fatalf("outcome %d: %+v", i, o)
		}
	}
	if n := testutil.CollectAndCount(reg, "viva_stt_latency_seconds"); n != 1 {
		t.Fatalf("latency histogram series: %d", n)
	}
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func TestPoolCloseDrainsAndRefuses(t *testing.T) {
	t.Parallel()
	g := newGate()
	close(g.release)
	p, err := stt.NewPool(stt.PoolConfig{Engine: g, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var outs []<-chan stt.Outcome
	for range 5 {
		out, err := p.Submit(context.Background(), stt.Audio{})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	p.Close()
	p.Close()
	for _, out := range outs {
		if o := <-out; o.Err != nil {
			t.Fatalf("queued work lost at Close: %v", o.Err)
		}
	}
	if _, err := p.Submit(context.Background(), stt.Audio{}); !errors.Is(err, stt.ErrUnavailable) {
		t.Fatalf("submit after Close: %v", err)
	}
}

func TestPoolCallerGivesUp(t *testing.T) {
	t.Parallel()
	g := newGate()
	p, err := stt.NewPool(stt.PoolConfig{Engine: g, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { close(g.release); p.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Transcribe(ctx, stt.Audio{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transcribe with a deadline: %v", err)
	}
}

func TestFallback(t *testing.T) {
	t.Parallel()
	down := newGate()
	down.err = errors.Join(errors.New("remote: 503"), stt.ErrUnavailable)
	close(down.release)
	local := newGate()
	close(local.release)
	f := &stt.Fallback{Primary: down, Secondary: local}
	r, err := f.Transcribe(context.Background(), stt.Audio{})
	if err != nil || r.Engine != "gate" || !strings.Contains(r.Notice, "on this machine") {
		t.Fatalf("fallback: %+v, %v", r, err)
	}
	// Errors that another engine cannot fix are not retried elsewhere.
	bad := newGate()
	bad.err = stt.ErrBadAudio
	close(bad.release)
	if _, err := (&stt.Fallback{Primary: bad, Secondary: local}).Transcribe(context.Background(), stt.Audio{}); !errors.Is(err, stt.ErrBadAudio) {
		t.Fatalf("bad audio: %v", err)
	}
}
