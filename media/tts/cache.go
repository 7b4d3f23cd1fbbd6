package tts

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
)

// Defaults for a zero CacheConfig.
const (
	DefaultCacheEntries = 1024
	// DefaultCacheSamples is 16 Mi samples: 32 MiB of PCM, about 11 minutes
	// of speech at 24 kHz or 17 at 16 kHz.
	DefaultCacheSamples = 16 << 20
	DefaultWarmWorkers  = 2
)

// CacheConfig configures a Cache. Zero values are the documented defaults.
type CacheConfig struct {
	// Name identifies the engine and voice in the cache keys. Default: the
	// wrapped synthesiser's Name(), when it has that method.
	Name string
	// MaxEntries bounds how many prompts are kept (default
	// DefaultCacheEntries).
	MaxEntries int
	// MaxSamples bounds the PCM samples kept, over all prompts (default
	// DefaultCacheSamples). Speech longer than this is never kept.
	MaxSamples int
	// WarmWorkers is how many prompts Warm synthesises at once (default
	// DefaultWarmWorkers).
	WarmWorkers int
}

// CacheStats counts what a Cache did.
type CacheStats struct {
	Entries  int // prompts held
	Samples  int // PCM samples held
	Hits     int // requests answered from the cache
	Shared   int // requests that waited for an identical request's synthesis
	Misses   int // requests that made the engine synthesise
	Evicted  int // prompts dropped to stay within the bounds
	Uncached int // syntheses not kept: over MaxSamples, or a fallback's
}

// Cache is a Synthesizer that keeps what another one said, for prompts
// known in advance (the question bank, the greeting, the closing). Entries
// are keyed by the SHA-256 of the engine's name and the cleaned text, and
// the least recently used go first when the cache is over MaxEntries or
// MaxSamples. Concurrent requests for the same text make the engine
// synthesise once.
//
// Speech a Fallback made with its secondary engine (it carries a Notice) is
// returned but not kept, so the next request tries the primary again.
//
// Speech from the cache shares its PCM with every other caller: treat it as
// read-only. A Cache is safe for concurrent use and starts no goroutines
// that outlive a call.
type Cache struct {
	next Synthesizer
	name string
	cfg  CacheConfig

	mu      sync.Mutex
	lru     *list.List // of *entry, most recent first
	items   map[cacheKey]*list.Element
	flights map[cacheKey]*flight
	samples int
	stats   CacheStats
}

type cacheKey [sha256.Size]byte

type entry struct {
	key    cacheKey
	speech Speech
}

// flight is one synthesis that identical requests wait for.
type flight struct {
	done   chan struct{}
	speech Speech
	err    error
}

var _ Synthesizer = (*Cache)(nil)

// NewCache returns a Cache in front of next.
func NewCache(next Synthesizer, cfg CacheConfig) (*Cache, error) {
	if next == nil {
		return nil, errors.New("tts: cache: no synthesiser to cache")
	}
	if cfg.Name == "" {
		if n, ok := next.(interface{ Name() string }); ok {
			cfg.Name = n.Name()
		}
	}
	for _, f := range []struct {
		name  string
		value *int
		def   int
	}{
		{"MaxEntries", &cfg.MaxEntries, DefaultCacheEntries},
		{"MaxSamples", &cfg.MaxSamples, DefaultCacheSamples},
		{"WarmWorkers", &cfg.WarmWorkers, DefaultWarmWorkers},
	} {
		switch {
		case *f.value < 0:
			return nil, fmt.Errorf("tts: cache: %s %d is negative", f.name, *f.value)
		case *f.value == 0:
			*f.value = f.def
		}
	}
	return &Cache{
		next:    next,
		name:    cfg.Name,
		cfg:     cfg,
		lru:     list.New(),
		items:   make(map[cacheKey]*list.Element),
		flights: make(map[cacheKey]*flight),
	}, nil
}

// Name is the wrapped engine's name.
func (c *Cache) Name() string { return c.name }

func (c *Cache) key(text string) cacheKey {
	h := sha256.New()
	h.Write([]byte(c.name))
	h.Write([]byte{0})
	h.Write([]byte(text))
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// Synthesize returns the cached speech for text, or has the engine
// synthesise it and keeps it. Texts that differ only in white space share an
// entry. A cancelled ctx is an error even for a cached prompt.
func (c *Cache) Synthesize(ctx context.Context, text string) (Speech, error) {
	clean, err := CleanText(text)
	if err != nil {
		return Speech{}, err
	}
	if err := ctx.Err(); err != nil {
		return Speech{}, fmt.Errorf("tts: cache: %w", err)
	}
	k := c.key(clean)
	for {
		c.mu.Lock()
		if el, ok := c.items[k]; ok {
			c.lru.MoveToFront(el)
			c.stats.Hits++
			c.mu.Unlock()
			return el.Value.(*entry).speech, nil
		}
		if f, ok := c.flights[k]; ok {
			c.stats.Shared++
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return Speech{}, fmt.Errorf("tts: cache: %w", ctx.Err())
			}
			// The request we waited for gave up: if we have not, try
			// again, leading the synthesis this time if no one else is.
			if isContextErr(f.err) && ctx.Err() == nil {
				continue
			}
			return f.speech, f.err
		}
		f := &flight{done: make(chan struct{})}
		c.flights[k] = f
		c.stats.Misses++
		c.mu.Unlock()
		c.fly(ctx, k, clean, f)
		return f.speech, f.err
	}
}

// fly synthesises text for every request waiting on f and keeps the result.
func (c *Cache) fly(ctx context.Context, k cacheKey, text string, f *flight) {
	defer close(f.done)
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.flights, k)
		if f.err == nil {
			c.add(k, f.speech)
		}
	}()
	f.err = errors.New("tts: cache: synthesiser panicked") // replaced unless it does
	f.speech, f.err = c.next.Synthesize(ctx, text)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// add keeps s under k and evicts the least recently used entries over the
// bounds. c.mu is held.
func (c *Cache) add(k cacheKey, s Speech) {
	if s.Notice != "" || len(s.PCM) > c.cfg.MaxSamples {
		c.stats.Uncached++
		return
	}
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.lru.PushFront(&entry{key: k, speech: s})
	c.samples += len(s.PCM)
	for c.lru.Len() > c.cfg.MaxEntries || c.samples > c.cfg.MaxSamples {
		el := c.lru.Back()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.items, e.key)
		c.samples -= len(e.speech.PCM)
		c.stats.Evicted++
	}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = c.lru.Len()
	s.Samples = c.samples
	return s
}

// Warm synthesises texts ahead of time, WarmWorkers at once, so that later
// requests for them are answered from the cache. Texts already cached cost
// nothing. It returns when every text is done or ctx ends; the error joins
// the failures, naming each text by its index (from 0), never quoting it.
func (c *Cache) Warm(ctx context.Context, texts []string) error {
	next := make(chan int)
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for range min(c.cfg.WarmWorkers, len(texts)) {
		wg.Go(func() {
			for i := range next {
				if _, err := c.Synthesize(ctx, texts[i]); err != nil {
					errs[i] = fmt.Errorf("prompt %d: %w", i, err)
				}
			}
		})
	}
feed:
	for i := range texts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("tts: warm cache: %w", err)
	}
	return errors.Join(errs...)
}
