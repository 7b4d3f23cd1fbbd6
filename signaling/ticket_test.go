package signaling

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTickets(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	tk, err := NewTickets(TicketConfig{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	session, owner := uuid.New(), uuid.New()

	text, expires := tk.Issue(session, owner)
	if len(text) != 43 {
		t.Errorf("ticket %q has %d characters, want 43 (256 bits, base64url)", text, len(text))
	}
	if want := clock.Now().Add(30 * time.Second); !expires.Equal(want) {
		t.Errorf("expires %v, want %v (default TTL 30s)", expires, want)
	}
	if other, _ := tk.Issue(session, owner); other == text {
		t.Error("two tickets are equal")
	}

	clock.Advance(29 * time.Second)
	s, o, err := tk.Redeem(text)
	if err != nil || s != session || o != owner {
		t.Fatalf("Redeem = %v, %v, %v; want %v, %v, nil", s, o, err, session, owner)
	}
	if _, _, err := tk.Redeem(text); !errors.Is(err, ErrTicketUsed) {
		t.Errorf("second Redeem: %v, want ErrTicketUsed", err)
	}

	late, _ := tk.Issue(session, owner)
	clock.Advance(30 * time.Second)
	if _, _, err := tk.Redeem(late); !errors.Is(err, ErrTicketExpired) {
		t.Errorf("Redeem after TTL: %v, want ErrTicketExpired", err)
	}

	// One character changed: the first, which carries six full bits (the
	// last carries padding bits, so changing it might not change the ticket).
	flipped := "A" + text[1:]
	if text[0] == 'A' {
		flipped = "B" + text[1:]
	}
	for _, bad := range []string{"", "short", flipped, "not a ticket at all, but forty-three chars"} {
		if _, _, err := tk.Redeem(bad); !errors.Is(err, ErrTicketUnknown) {
			t.Errorf("Redeem(%q): %v, want ErrTicketUnknown", bad, err)
		}
	}

	// After the retention, expired and used tickets are swept on Issue and
	// become unknown.
	clock.Advance(3 * time.Minute)
	tk.Issue(session, owner)
	if n := tk.Len(); n != 1 {
		t.Errorf("%d tickets remembered after the sweep, want 1", n)
	}
	if _, _, err := tk.Redeem(late); !errors.Is(err, ErrTicketUnknown) {
		t.Errorf("Redeem of a swept ticket: %v, want ErrTicketUnknown", err)
	}
}

func TestTicketsConfig(t *testing.T) {
	t.Parallel()
	if _, err := NewTickets(TicketConfig{TTL: -time.Second}); err == nil {
		t.Error("a negative TTL was accepted")
	}
	clock := newFakeClock()
	tk, _ := NewTickets(TicketConfig{TTL: time.Second, Now: clock.Now})
	text, _ := tk.Issue(uuid.New(), uuid.New())
	clock.Advance(time.Second)
	if _, _, err := tk.Redeem(text); !errors.Is(err, ErrTicketExpired) {
		t.Errorf("Redeem at the TTL: %v, want ErrTicketExpired", err)
	}
}

func TestTicketsConcurrentRedeem(t *testing.T) {
	t.Parallel()
	tk, _ := NewTickets(TicketConfig{})
	for range 50 {
		text, _ := tk.Issue(uuid.New(), uuid.New())
		var ok, used atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Go(func() {
				<-start
				_, _, err := tk.Redeem(text)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrTicketUsed):
					used.Add(1)
				default:
					t.Errorf("Redeem: %v", err)
				}
			})
		}
		// Issue concurrently too, to race the sweep against the redeems.
		wg.Go(func() {
			<-start
			tk.Issue(uuid.New(), uuid.New())
		})
		close(start)
		wg.Wait()
		if ok.Load() != 1 || used.Load() != 7 {
			t.Fatalf("%d redeems succeeded and %d saw ErrTicketUsed; want 1 and 7", ok.Load(), used.Load())
		}
	}
}
