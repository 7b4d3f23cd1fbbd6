package scoring

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// Coverage is what a transcript covers of a rubric: after each candidate
// turn the interviewer reads it to choose what to probe, and the scorer
// builds the report on it. Every list follows the rubric's order.
type Coverage struct {
	Concepts   []ConceptCoverage `json:"concepts"`
	Tradeoffs  []ItemCoverage    `json:"tradeoffs"`
	Challenges []ItemCoverage    `json:"challenges"` // hit when a When cue was heard: the claim was made
	RedFlags   []ItemCoverage    `json:"red_flags"`
	Stages     []ItemCoverage    `json:"stages"` // structure stages reached; Evidence[0] is when
}

// ConceptCoverage is how well one concept was covered. Score is the best
// match's score (0..1) and State follows from it. Evidence quotes up to
// MaxEvidence matches, earliest first, always including the best. A
// concept named only to be waved away ("I wouldn't bother evaluating it")
// is Missed with Dismissed set, and its Evidence quotes the dismissals.
type ConceptCoverage struct {
	ID        string     `json:"id"`
	Weight    float64    `json:"weight"` // the rubric's, for ordering probes
	State     State      `json:"state"`
	Score     float64    `json:"score"`
	Evidence  []Evidence `json:"evidence,omitempty"`
	Dismissed bool       `json:"dismissed,omitempty"`
}

// ItemCoverage is whether a tradeoff, challenge, red flag or stage was
// heard, by the same rules as a concept: a red flag the candidate rejects
// ("I would not fine-tune the model on the tickets") is Missed with
// Dismissed set, and its Evidence quotes the rejection.
type ItemCoverage struct {
	ID        string     `json:"id"`
	State     State      `json:"state"`
	Evidence  []Evidence `json:"evidence,omitempty"`
	Dismissed bool       `json:"dismissed,omitempty"`
}

// State is how well a rubric item was covered.
type State string

// States, from the best match's score.
const (
	Hit     State = "hit"     // score ≥ HitScore
	Partial State = "partial" // score ≥ PartialScore: only a fuzzy match, or words heard with low confidence
	Missed  State = "missed"
)

// Score thresholds.
const (
	HitScore     = 0.75
	PartialScore = 0.4
)

// Evidence is one place a cue was heard.
type Evidence struct {
	UtteranceID uuid.UUID `json:"utterance_id"`
	// StartMS and EndMS bound the matched words on the interview's time
	// base, from the words' times when the utterance has them, else the
	// utterance's.
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
	// Quote is the candidate's words around the match, verbatim, about
	// QuoteWords long.
	Quote string `json:"quote"`
	Cue   string `json:"cue"` // the rubric's cue that matched
	// Confidence is the matched words' mean recognition confidence (1 when
	// the speech engine gave none).
	Confidence float64 `json:"confidence"`
}

// Evidence limits.
const (
	MaxEvidence = 3
	QuoteWords  = 12
)

// Cover matches the candidate's utterances against a rubric. The
// interviewer's own words never count. It is pure: the same rubric and
// utterances always give the same coverage.
//
// How a cue is heard:
//   - Both sides are normalised (match_text.go): lower case, no
//     punctuation, numbers as words ("recall at 10" is "recall at ten").
//   - A transcript word meets a cue word when it is the same word
//     (ExactMatch, 1), has the same Porter2 stem (StemMatch, 0.95: "evaluating"
//     for "evaluation"), is a word split in two or two cue words said as one
//     (JoinMatch, 0.95: "re rank", "crossencoder"), or, for ASCII words of
//     FuzzyLetters (6) letters or more, is one edit away or sounds the same
//     (FuzzyMatch, 0.6: "embeding", "faithfullness").
//   - A cue of several words matches when its words come in order within
//     the cue's length plus PhraseSlack (2) words of one utterance; function
//     words ("the", "of", "we") are optional when two other words remain.
//   - A match scores the mean over its words of the degree times
//     min(1, confidence/FullConfidence): words heard with confidence 0.8 or
//     more count in full.
//   - A match negated or dismissed in its clause is not credited
//     (negation.go): "I wouldn't bother evaluating it" is not, "we must not
//     skip evaluation" is.
//
// An item's Score is its best credited match; it is Hit from HitScore
// (0.75), Partial from PartialScore (0.4), else Missed.
func Cover(r Rubric, utterances []viva.Utterance) Coverage {
	return NewMatcher(r).Cover(utterances)
}

// Cover matches the candidate's utterances against the matcher's rubric.
func (m *Matcher) Cover(utterances []viva.Utterance) Coverage {
	d := newDoc(utterances)
	m.meets(d)
	occ := m.occurrences(d)
	var buf, credited []match
	item := func(it matchItem) (score float64, state State, ev []Evidence, dismissed bool) {
		buf, credited = buf[:0], credited[:0]
		for _, ci := range it.cues {
			buf = m.find(d, occ, ci, buf)
		}
		for _, mt := range buf {
			if !mt.dismissed {
				credited = append(credited, mt)
				score = max(score, mt.score)
			}
		}
		score = round3(score)
		state = Missed
		switch {
		case score >= HitScore:
			state = Hit
		case score >= PartialScore:
			state = Partial
		}
		if len(credited) > 0 {
			return score, state, m.evidence(d, credited), false
		}
		if len(buf) > 0 {
			return score, state, m.evidence(d, buf), true
		}
		return score, state, nil, false
	}
	items := func(its []matchItem) []ItemCoverage {
		out := make([]ItemCoverage, 0, len(its))
		for _, it := range its {
			_, state, ev, dismissed := item(it)
			out = append(out, ItemCoverage{ID: it.id, State: state, Evidence: ev, Dismissed: dismissed})
		}
		return out
	}
	c := Coverage{Concepts: make([]ConceptCoverage, 0, len(m.concepts))}
	for _, it := range m.concepts {
		score, state, ev, dismissed := item(it)
		c.Concepts = append(c.Concepts, ConceptCoverage{ID: it.id, Weight: it.weight, State: state, Score: score, Evidence: ev, Dismissed: dismissed})
	}
	c.Tradeoffs = items(m.tradeoffs)
	c.Challenges = items(m.challenges)
	c.RedFlags = items(m.redFlags)
	c.Stages = items(m.stages)
	return c
}

// Missed lists the concepts not covered, highest weight first (ties in
// rubric order): what the interviewer may probe next.
func (c Coverage) Missed() []ConceptCoverage {
	var out []ConceptCoverage
	for _, cc := range c.Concepts {
		if cc.State == Missed {
			out = append(out, cc)
		}
	}
	slices.SortStableFunc(out, func(a, b ConceptCoverage) int { return cmp.Compare(b.Weight, a.Weight) })
	return out
}

// evidence picks up to MaxEvidence matches to quote: matches close together
// (same utterance, starting within QuoteWords tokens) are one moment, told
// by its best match; the best moment is always quoted, the earliest others
// fill the rest, and they are returned earliest first.
func (m *Matcher) evidence(d *doc, ms []match) []Evidence {
	slices.SortFunc(ms, func(a, b match) int {
		return cmp.Or(cmp.Compare(a.utt, b.utt), cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(b.score, a.score), cmp.Compare(a.cue, b.cue))
	})
	var moments []match
	var first int32 // token where the current moment starts
	for _, mt := range ms {
		if n := len(moments); n > 0 && moments[n-1].utt == mt.utt && mt.start-first < QuoteWords {
			if mt.score > moments[n-1].score {
				moments[n-1] = mt
			}
			continue
		}
		moments = append(moments, mt)
		first = mt.start
	}
	best := 0
	for i, mt := range moments {
		if mt.score > moments[best].score {
			best = i
		}
	}
	if len(moments) > MaxEvidence {
		keep := moments[:MaxEvidence:MaxEvidence]
		if best >= MaxEvidence {
			keep = append(slices.Clone(moments[:MaxEvidence-1]), moments[best])
		}
		moments = keep
	}
	out := make([]Evidence, 0, len(moments))
	for _, mt := range moments {
		out = append(out, m.quote(d, mt))
	}
	return out
}

func (m *Matcher) quote(d *doc, mt match) Evidence {
	u := d.utts[mt.utt]
	w0, w1 := int(d.toks[mt.start].w0), int(d.toks[mt.end].w1)
	e := Evidence{
		UtteranceID: u.u.ID,
		StartMS:     u.u.StartMS,
		EndMS:       u.u.EndMS,
		Cue:         m.cues[mt.cue].text,
		Confidence:  round3(mt.conf),
	}
	if u.timed {
		e.StartMS, e.EndMS = u.u.Words[w0].StartMS, u.u.Words[w1].EndMS
	}
	lo, hi := w0, w1
	if extra := QuoteWords - (w1 - w0 + 1); extra > 0 {
		lo -= extra / 2
		hi += extra - extra/2
		if lo < 0 {
			hi -= lo
			lo = 0
		}
		if last := len(u.words) - 1; hi > last {
			lo = max(0, lo-(hi-last))
			hi = last
		}
	}
	var q []string
	for _, w := range u.words[lo : hi+1] {
		if w != "" {
			q = append(q, w)
		}
	}
	e.Quote = strings.Join(q, " ")
	return e
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
