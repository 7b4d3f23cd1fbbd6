package tts_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/ttstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fake is a Synthesizer that says 0.3 s of a constant per word at 16 kHz,
// counts its calls, and can be held or made to fail.
type fake struct {
	name  string
	calls atomic.Int32
	gate  chan struct{} // if not nil, each call waits for a receive
	err   error
}

func (f *fake) Name() string { return f.name }

func (f *fake) Synthesize(ctx context.Context, text string) (tts.Speech, error) {
	f.calls.Add(1)
	text, err := tts.CleanText(text)
	if err != nil {
		return tts.Speech{}, err
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return tts.Speech{}, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return tts.Speech{}, err
	}
	if f.err != nil {
		return tts.Speech{}, f.err
	}
	pcm := make([]int16, len(strings.Fields(text))*4800)
	for i := range pcm {
		pcm[i] = int16(5000 * (i%40 - 20) / 20)
	}
	return tts.Speech{PCM: pcm, Rate: 16000, Engine: f.name}, nil
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		err      error
	}{
		{"  How would you\n\tevaluate it?  ", "How would you evaluate it?", nil},
		{"-o starts with a dash", "-o starts with a dash", nil},
		{"bad \xff utf8\x00here", "bad utf8 here", nil},
		{"", "", tts.ErrEmptyText},
		{" \n\r\t\x00 ", "", tts.ErrEmptyText},
		{strings.Repeat("é", tts.MaxTextRunes), strings.Repeat("é", tts.MaxTextRunes), nil},
		{strings.Repeat("é", tts.MaxTextRunes+1), "", tts.ErrTooLong},
	} {
		got, err := tts.CleanText(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("CleanText(%.20q) = %.20q, %v; want %.20q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestResample(t *testing.T) {
	t.Parallel()
	s := tts.Speech{PCM: make([]int16, 24000), Rate: 24000, Engine: "x"}
	for i := range s.PCM {
		s.PCM[i] = int16(10000 * (i%48 - 24) / 24)
	}
	up := s.To48k()
	if up.Rate != 48000 || len(up.PCM) != 48000 || up.Engine != "x" || up.DurationMS() != 1000 {
		t.Fatalf("To48k: rate %d, %d samples, engine %q", up.Rate, len(up.PCM), up.Engine)
	}
	same := s.Resample(24000)
	same.PCM[0] = 1234
	if s.PCM[0] == 1234 {
		t.Error("Resample to the same rate shares the samples")
	}
	if got := (tts.Speech{Rate: 16000}).To48k(); len(got.PCM) != 0 || got.Rate != 48000 {
		t.Errorf("empty speech: %+v", got)
	}
}

func TestFallback(t *testing.T) {
	t.Parallel()
	down := &fake{name: "remote", err: fmt.Errorf("remote: %w: status 503", tts.ErrUnavailable)}
	local := &fake{name: "local"}
	f := &tts.Fallback{Primary: down, Secondary: local}
	sp, err := f.Synthesize(context.Background(), "When would you not use an agent?")
	if err != nil || sp.Engine != "local" || sp.Notice != tts.FallbackNotice {
		t.Fatalf("fallback: %v, engine %q notice %q", err, sp.Engine, sp.Notice)
	}

	up := &fake{name: "remote"}
	f = &tts.Fallback{Primary: up, Secondary: local}
	if sp, err := f.Synthesize(context.Background(), "hello there"); err != nil || sp.Engine != "remote" || sp.Notice != "" {
		t.Fatalf("primary up: %v, engine %q notice %q", err, sp.Engine, sp.Notice)
	}
	before := local.calls.Load()
	if _, err := f.Synthesize(context.Background(), " "); !errors.Is(err, tts.ErrEmptyText) {
		t.Fatalf("empty text: %v", err)
	}
	if local.calls.Load() != before {
		t.Error("empty text fell back to the secondary")
	}
}

func TestFallbackConformance(t *testing.T) {
	t.Parallel()
	ttstest.Run(t, &tts.Fallback{
		Primary:   &fake{name: "remote", err: tts.ErrUnavailable},
		Secondary: &fake{name: "local"},
	})
}

func TestCacheConformance(t *testing.T) {
	t.Parallel()
	c, err := tts.NewCache(&fake{name: "local"}, tts.CacheConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ttstest.Run(t, c)
}

func TestCacheHit(t *testing.T) {
	t.Parallel()
	f := &fake{name: "flite:rms"}
	c, err := tts.NewCache(f, tts.CacheConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := c.Synthesize(ctx, "How would you evaluate the retriever?")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Synthesize(ctx, " How would you  evaluate the retriever? ")
	if err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("engine called %d times, want 1", n)
	}
	if len(again.PCM) != len(first.PCM) || &again.PCM[0] != &first.PCM[0] {
		t.Error("the cached prompt is not the synthesised one")
	}
	if st := c.Stats(); st.Hits != 1 || st.Misses != 1 || st.Entries != 1 || st.Samples != len(first.PCM) {
		t.Errorf("stats %+v", st)
	}
	if c.Name() != "flite:rms" {
		t.Errorf("Name %q", c.Name())
	}
}

// Another engine or voice does not share the first one's entries.
func TestCacheKeyedByEngine(t *testing.T) {
	t.Parallel()
	a, b := &fake{name: "flite:rms"}, &fake{name: "flite:slt"}
	ca, _ := tts.NewCache(a, tts.CacheConfig{})
	cb, _ := tts.NewCache(b, tts.CacheConfig{})
	for _, c := range []*tts.Cache{ca, cb} {
		if _, err := c.Synthesize(context.Background(), "hello there"); err != nil {
			t.Fatal(err)
		}
	}
	if a.calls.Load() != 1 || b.calls.Load() != 1 {
		t.Errorf("calls %d %d, want 1 each", a.calls.Load(), b.calls.Load())
	}
}

func TestCacheConcurrentIdentical(t *testing.T) {
	t.Parallel()
	f := &fake{name: "local", gate: make(chan struct{})}
	c, _ := tts.NewCache(f, tts.CacheConfig{})
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = c.Synthesize(context.Background(), "What breaks at a hundred times the corpus?") })
	}
	// Wait until every request is in: one leading, the rest waiting on it.
	for {
		if st := c.Stats(); st.Misses+st.Shared == n {
			break
		}
		runtime.Gosched()
	}
	close(f.gate)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("engine called %d times, want 1", got)
	}
}

// A waiter whose leader gives up takes over the synthesis.
func TestCacheLeaderCancelled(t *testing.T) {
	t.Parallel()
	f := &fake{name: "local", gate: make(chan struct{})}
	c, _ := tts.NewCache(f, tts.CacheConfig{})
	lctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(lctx, "hello there")
		leaderDone <- err
	}()
	for c.Stats().Misses != 1 {
		runtime.Gosched()
	}
	followerDone := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(context.Background(), "hello there")
		followerDone <- err
	}()
	for c.Stats().Shared != 1 {
		runtime.Gosched()
	}
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v, want Canceled", err)
	}
	f.gate <- struct{}{} // lets the follower's own synthesis through
	if err := <-followerDone; err != nil {
		t.Fatalf("follower: %v", err)
	}
	if st := c.Stats(); st.Misses != 2 || st.Entries != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCacheBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &fake{name: "local"}
	// Each one-word prompt is 4,800 samples: three fit.
	c, _ := tts.NewCache(f, tts.CacheConfig{MaxSamples: 3 * 4800})
	for _, w := range []string{"one", "two", "three", "one", "four"} { // "one" is used again, so "two" goes
		if _, err := c.Synthesize(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.Entries != 3 || st.Samples != 3*4800 || st.Evicted != 1 {
		t.Errorf("stats %+v", st)
	}
	before := f.calls.Load()
	c.Synthesize(ctx, "one")
	c.Synthesize(ctx, "two")
	if got := f.calls.Load() - before; got != 1 {
		t.Errorf("%d engine calls for a kept and an evicted prompt, want 1", got)
	}
	// Longer than the whole cache: returned, not kept.
	if _, err := c.Synthesize(ctx, "a b c d"); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Uncached != 1 {
		t.Errorf("stats %+v", st)
	}

	byCount, _ := tts.NewCache(f, tts.CacheConfig{MaxEntries: 2})
	for _, w := range []string{"one", "two", "three"} {
		byCount.Synthesize(ctx, w)
	}
	if st := byCount.Stats(); st.Entries != 2 || st.Evicted != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Fallback speech is returned but not kept.
func TestCacheSkipsFallbackSpeech(t *testing.T) {
	t.Parallel()
	down := &fake{name: "remote", err: tts.ErrUnavailable}
	c, _ := tts.NewCache(&tts.Fallback{Primary: down, Secondary: &fake{name: "local"}}, tts.CacheConfig{Name: "remote"})
	for range 2 {
		sp, err := c.Synthesize(context.Background(), "hello there")
		if err != nil || sp.Notice == "" {
			t.Fatalf("%v, notice %q", err, sp.Notice)
		}
	}
	if st := c.Stats(); st.Entries != 0 || st.Misses != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestWarm(t *testing.T) {
	t.Parallel()
	f := &fake{name: "local"}
	c, _ := tts.NewCache(f, tts.CacheConfig{WarmWorkers: 3})
	texts := []string{"How would you evaluate the retriever?", "What breaks at a hundred times the corpus?",
		"When would you not use an agent?", "", "How would you evaluate the retriever?"}
	err := c.Warm(context.Background(), texts)
	if !errors.Is(err, tts.ErrEmptyText) || !strings.Contains(err.Error(), "prompt 3") {
		t.Fatalf("Warm: %v, want prompt 3's ErrEmptyText", err)
	}
	before := f.calls.Load()
	for _, text := range texts[:3] {
		if _, err := c.Synthesize(context.Background(), text); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls.Load() != before {
		t.Error("warmed prompts called the engine again")
	}
	if st := c.Stats(); st.Entries != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestWarmStops(t *testing.T) {
	t.Parallel()
	f := &fake{name: "local", gate: make(chan struct{})}
	c, _ := tts.NewCache(f, tts.CacheConfig{WarmWorkers: 2})
	ctx, cancel := context.WithCancel(context.Background())
	texts := make([]string, 50)
	for i := range texts {
		texts[i] = fmt.Sprintf("prompt number %d", i)
	}
	done := make(chan error, 1)
	go func() { done <- c.Warm(ctx, texts) }()
	f.gate <- struct{}{}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Warm: %v, want Canceled", err)
	}
	if n := f.calls.Load(); n > 4 {
		t.Errorf("%d syntheses after the context ended", n)
	}
}
