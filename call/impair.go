package call

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// impairer is a pion interceptor on the outgoing RTP: it counts the packets
// the track sends and, as Impairment says, drops some and delays the rest.
// Delayed packets go out from one goroutine, earliest first, which Close
// stops. One impairer serves one PeerConnection.
type impairer struct {
	interceptor.NoOp
	cfg Impairment

	mu      sync.Mutex
	rng     *rand.Rand
	sent    int // packets the track handed us
	dropped int
	queue   delayQueue
	n       uint64 // packets queued so far, to keep equal due times in order
	closed  bool

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func newImpairer(cfg Impairment) *impairer {
	seed := uint64(cfg.Seed)
	if seed == 0 {
		seed = rand.Uint64()
	}
	i := &impairer{
		cfg:  cfg,
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	go i.run()
	return i
}

// NewInterceptor implements interceptor.Factory, handing pion this
// impairer for the call's one PeerConnection.
func (i *impairer) NewInterceptor(string) (interceptor.Interceptor, error) { return i, nil }

// BindLocalStream wraps the writer of our outgoing track.
func (i *impairer) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n := h.MarshalSize() + len(payload)
		i.mu.Lock()
		if i.closed {
			i.mu.Unlock()
			return n, nil
		}
		i.sent++
		if i.cfg.Loss > 0 && i.rng.Float64() < i.cfg.Loss {
			i.dropped++
			i.mu.Unlock()
			return n, nil
		}
		if i.cfg.Jitter <= 0 {
			i.mu.Unlock()
			return w.Write(h, payload, a)
		}
		// The track reuses its packets once Write returns: keep copies.
		hc := h.Clone()
		p := delayed{
			due:     time.Now().Add(time.Duration(i.rng.Int64N(int64(i.cfg.Jitter) + 1))),
			n:       i.n,
			w:       w,
			header:  &hc,
			payload: append([]byte(nil), payload...),
			attrs:   a,
		}
		i.n++
		heap.Push(&i.queue, p)
		first := i.queue[0].n == p.n
		i.mu.Unlock()
		if first {
			select {
			case i.wake <- struct{}{}:
			default:
			}
		}
		return n, nil
	})
}

// run writes delayed packets when they are due, until Close.
func (i *impairer) run() {
	defer close(i.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var ready []delayed
	for {
		ready = ready[:0]
		i.mu.Lock()
		now := time.Now()
		for len(i.queue) > 0 && !i.queue[0].due.After(now) {
			ready = append(ready, heap.Pop(&i.queue).(delayed))
		}
		wait := time.Hour
		if len(i.queue) > 0 {
			wait = i.queue[0].due.Sub(now)
		}
		i.mu.Unlock()
		for _, p := range ready {
			_, _ = p.w.Write(p.header, p.payload, p.attrs) // a closed transport: the call is ending
		}
		timer.Reset(wait)
		select {
		case <-i.quit:
			return
		case <-i.wake:
		case <-timer.C:
		}
	}
}

// counts returns the packets sent and dropped so far.
func (i *impairer) counts() (sent, dropped int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sent, i.dropped
}

// Close stops the delay goroutine, dropping packets still delayed, and
// waits for it. It is idempotent; pion calls it when the PeerConnection
// closes.
func (i *impairer) Close() error {
	i.once.Do(func() {
		i.mu.Lock()
		i.closed = true
		i.queue = nil
		i.mu.Unlock()
		close(i.quit)
	})
	<-i.done
	return nil
}

// delayed is one packet waiting for its due time.
type delayed struct {
	due     time.Time
	n       uint64
	w       interceptor.RTPWriter
	header  *rtp.Header
	payload []byte
	attrs   interceptor.Attributes
}

// delayQueue is a min-heap of delayed packets by due time, then arrival.
type delayQueue []delayed

func (q delayQueue) Len() int { return len(q) }
func (q delayQueue) Less(a, b int) bool {
	if q[a].due.Equal(q[b].due) {
		return q[a].n < q[b].n
	}
	return q[a].due.Before(q[b].due)
}
func (q delayQueue) Swap(a, b int) { q[a], q[b] = q[b], q[a] }
func (q *delayQueue) Push(x any)   { *q = append(*q, x.(delayed)) }
func (q *delayQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	*q = old[:len(old)-1]
	return p
}
