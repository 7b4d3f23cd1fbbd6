package signaling

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Ticket errors, distinct so the client can be told which.
var (
	// ErrTicketUnknown means the ticket was never issued, is malformed, or
	// expired so long ago that it has been forgotten.
	ErrTicketUnknown = errors.New("signaling: unknown ticket")
	// ErrTicketExpired means the ticket was issued but not redeemed in time.
	ErrTicketExpired = errors.New("signaling: ticket expired")
	// ErrTicketUsed means the ticket has already been redeemed.
	ErrTicketUsed = errors.New("signaling: ticket already used")
)

// ticketBytes is the ticket's entropy: 256 bits.
const ticketBytes = 32

// ticketLen is the length of a ticket's base64url text.
var ticketLen = base64.RawURLEncoding.EncodedLen(ticketBytes)

// TicketConfig configures Tickets. Zero values are the documented defaults.
type TicketConfig struct {
	// TTL is how long a ticket may wait to be redeemed. Default 30s.
	TTL time.Duration
	// Retain is how long a used or expired ticket is remembered, so that
	// Redeem can say ErrTicketUsed or ErrTicketExpired rather than
	// ErrTicketUnknown. Default 2m.
	Retain time.Duration
	// Now is the clock. Nil is time.Now; tests inject their own.
	Now func() time.Time
}

// Tickets issues and redeems single-use tickets, each authorising one
// WebSocket for one session and one owner. It is safe for concurrent use and
// starts no goroutines: expired tickets are swept when new ones are issued.
//
// Tickets are held by their SHA-256 digest, never as issued, so a lookup's
// timing tells nothing about any live ticket and a memory dump holds none.
type Tickets struct {
	ttl, retain time.Duration
	now         func() time.Time

	mu        sync.Mutex
	byDigest  map[[sha256.Size]byte]*ticket
	lastSweep time.Time
}

type ticket struct {
	session, owner uuid.UUID
	expires        time.Time
	used           bool
}

// NewTickets returns an empty ticket book.
func NewTickets(cfg TicketConfig) (*Tickets, error) {
	if cfg.TTL < 0 || cfg.Retain < 0 {
		return nil, errors.New("signaling: TicketConfig.TTL and Retain must not be negative")
	}
	if cfg.TTL == 0 {
		cfg.TTL = 30 * time.Second
	}
	if cfg.Retain == 0 {
		cfg.Retain = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Tickets{ttl: cfg.TTL, retain: cfg.Retain, now: cfg.Now, byDigest: map[[sha256.Size]byte]*ticket{}}, nil
}

// TTL is how long an issued ticket stays redeemable.
func (t *Tickets) TTL() time.Duration { return t.ttl }

// Issue makes a new ticket for owner's session and returns it with the time
// it expires. The caller must already have checked that owner may use the
// session.
func (t *Tickets) Issue(session, owner uuid.UUID) (string, time.Time) {
	var b [ticketBytes]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	text := base64.RawURLEncoding.EncodeToString(b[:])
	now := t.now()
	expires := now.Add(t.ttl)

	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweepLocked(now)
	t.byDigest[sha256.Sum256([]byte(text))] = &ticket{session: session, owner: owner, expires: expires}
	return text, expires
}

// Redeem uses up a ticket and returns the session and owner it was issued
// for. It fails with ErrTicketUnknown, ErrTicketExpired or ErrTicketUsed;
// of any number of concurrent Redeems of one ticket, exactly one succeeds.
func (t *Tickets) Redeem(text string) (session, owner uuid.UUID, err error) {
	if len(text) != ticketLen {
		return uuid.Nil, uuid.Nil, ErrTicketUnknown
	}
	digest := sha256.Sum256([]byte(text))
	now := t.now()

	t.mu.Lock()
	defer t.mu.Unlock()
	tk, ok := t.byDigest[digest]
	switch {
	case !ok:
		return uuid.Nil, uuid.Nil, ErrTicketUnknown
	case tk.used:
		return uuid.Nil, uuid.Nil, ErrTicketUsed
	case !now.Before(tk.expires):
		return uuid.Nil, uuid.Nil, ErrTicketExpired
	}
	tk.used = true
	return tk.session, tk.owner, nil
}

// Len is the number of tickets remembered: live, used or recently expired.
func (t *Tickets) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byDigest)
}

// sweepLocked forgets tickets past their retention, at most once a second
// so that a burst of Issues stays cheap.
func (t *Tickets) sweepLocked(now time.Time) {
	if now.Sub(t.lastSweep) < time.Second && !now.Before(t.lastSweep) {
		return
	}
	t.lastSweep = now
	for d, tk := range t.byDigest {
		if now.Sub(tk.expires) >= t.retain {
			delete(t.byDigest, d)
		}
	}
}
