package interviewer

import (
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/viva-interview/viva"
)

// ErrNoQuestions: the bank has no question for the session's track and mode.
var ErrNoQuestions = errors.New("no questions for this track and mode")

// Plan is what one interview will ask: its questions in order and its time
// budget.
type Plan struct {
	Mode      viva.Mode
	Budget    time.Duration
	Questions []*Question
}

// NewPlan picks the questions of a session: the ones it names, else a
// choice from the bank that depends only on the session's id (the same
// session always gets the same plan; different sessions get different
// questions). A system-design round asks one question; a behavioral round
// three to five, as the time allows; a screen as many short questions as
// fit, at most twelve.
func NewPlan(b *Bank, s *viva.Session) (Plan, error) {
	p := Plan{Mode: s.Mode, Budget: time.Duration(s.Minutes) * time.Minute}
	if len(s.Questions) > 0 {
		for _, id := range s.Questions {
			q, ok := b.Question(id)
			if !ok {
				return Plan{}, fmt.Errorf("question %q: %w", id, viva.ErrNotFound)
			}
			p.Questions = append(p.Questions, q)
		}
		return p, nil
	}
	pool := b.Questions(s.Track, s.Mode)
	if len(pool) == 0 {
		pool = b.Questions(s.Track, "")
	}
	if len(pool) == 0 {
		return Plan{}, fmt.Errorf("%s/%s: %w", s.Track, s.Mode, ErrNoQuestions)
	}
	want := 1
	switch s.Mode {
	case viva.ModeBehavioral:
		want = min(max(s.Minutes/5, 3), 5)
	case viva.ModeScreen:
		per := 2.0
		if pool[0].Minutes > 0 {
			per = pool[0].Minutes
		}
		want = min(max(int(float64(s.Minutes)/(per+0.5)), 1), 12)
	}
	h := fnv.New64a()
	h.Write(s.ID[:])
	start := int(h.Sum64() % uint64(len(pool)))
	for i := range min(want, len(pool)) {
		p.Questions = append(p.Questions, pool[(start+i)%len(pool)])
	}
	return p, nil
}
