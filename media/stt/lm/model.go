package lm

import (
	"errors"
	"math"
	"slices"
	"strings"
)

// Sentence markers, as in every ARPA model.
const (
	SentenceStart = "<s>"
	SentenceEnd   = "</s>"
)

// MaxOrder is the highest n-gram order Build and ReadARPA accept.
const MaxOrder = 6

// noProb is the log10 probability ARPA files give <s>, which is never
// predicted.
const noProb = -99

// Errors callers branch on.
var (
	// ErrNoSentences means Build was given no non-empty sentence.
	ErrNoSentences = errors.New("no sentences")
	// ErrBadToken means a sentence holds a token the ARPA format cannot carry
	// (empty, with white space, or a sentence marker).
	ErrBadToken = errors.New("bad token")
	// ErrBadARPA means ReadARPA was given a malformed ARPA file.
	ErrBadARPA = errors.New("malformed ARPA file")
)

// Model is a back-off n-gram language model in the form an ARPA file holds:
// for each n-gram, the log10 probability of its last word given the others,
// and for each n-gram that is a context, a log10 back-off weight. Build and
// ReadARPA make one; the zero Model is not usable.
type Model struct {
	// grams[n-1] holds the n-grams, keyed by their words joined by spaces.
	grams []map[string]gram
	// comment is written before \data\ by WriteARPA.
	comment []string
}

type gram struct {
	logProb, logBackoff float64
	hasBackoff          bool
}

// Order is the model's n-gram order.
func (m *Model) Order() int { return len(m.grams) }

// Counts is the number of n-grams of each order, unigrams first.
func (m *Model) Counts() []int {
	c := make([]int, len(m.grams))
	for i, g := range m.grams {
		c[i] = len(g)
	}
	return c
}

// Vocabulary is the model's words in byte order, sentence markers included.
func (m *Model) Vocabulary() []string {
	v := make([]string, 0, len(m.grams[0]))
	for w := range m.grams[0] {
		v = append(v, w)
	}
	slices.Sort(v)
	return v
}

// Has reports whether word is in the model's vocabulary.
func (m *Model) Has(word string) bool {
	_, ok := m.grams[0][word]
	return ok
}

// LogProb is log10 P(word | context) by the ARPA back-off rule; only the
// last Order()-1 words of context count. It is false if word is not in the
// vocabulary.
func (m *Model) LogProb(context []string, word string) (float64, bool) {
	if !m.Has(word) {
		return 0, false
	}
	if n := m.Order() - 1; len(context) > n {
		context = context[len(context)-n:]
	}
	backoff := 0.0
	for ; ; context = context[1:] {
		key := strings.Join(append(slices.Clip(context), word), " ")
		if g, ok := m.grams[len(context)][key]; ok {
			return backoff + g.logProb, true
		}
		if h, ok := m.grams[len(context)-1][strings.Join(context, " ")]; ok {
			backoff += h.logBackoff
		}
	}
}

// sortedKeys lists the keys of one order in byte order, which is the order of
// their word sequences because words hold no byte below the space.
func sortedKeys(g map[string]gram) []string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// log10 is math.Log10 with ARPA's floor for impossible events.
func log10(p float64) float64 {
	if p <= 0 {
		return noProb
	}
	return math.Log10(p)
}
