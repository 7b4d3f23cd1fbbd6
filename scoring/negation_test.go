package scoring_test

import (
	"testing"

	"github.com/viva-interview/viva/scoring"
)

// TestNegation runs the negation and dismissal rules (negation.go) over
// sentences naming one concept, reranking.
func TestNegation(t *testing.T) {
	t.Parallel()
	r := oneConcept("rerank", "reranker", "cross encoder")
	for _, tc := range []struct {
		say       string
		dismissed bool
	}{
		// One negator or dismissal before the match, in its clause.
		{"I wouldn't bother reranking.", true},
		{"we don't rerank", true},
		{"there's no need to rerank", true},
		{"it's not worth reranking", true},
		{"I'd skip the reranker", true},
		{"we could avoid a cross encoder entirely", true},
		{"forget about the reranker", true},
		{"I never rerank", true},
		{"we can not afford a reranker", true},
		{"we'd ship without a reranker", true},
		{"BM25 rather than a cross encoder", true},
		{"use the first stage instead of a reranker", true},
		{"I don't think we need a reranker", true},           // "think" keeps the clause whole
		{"i dont think that we would need a reranker", true}, // function words do not count towards the window
		{"no reranker", true},
		{"neither a reranker nor filters", true},

		// A dismissal after the match.
		{"a reranker is overkill", true},
		{"the reranker isn't really needed", true},
		{"reranking is optional", true},
		{"reranking doesn't matter much", true},
		{"reranking is not optional", false},
		{"the reranker is important", false},
		{"a reranker doesn't fix bad chunks", false}, // a limitation, not a dismissal

		// Negators that cancel, or do not negate.
		{"we must not skip the reranker", false},
		{"never skip reranking", false},
		{"we can't afford to skip the reranker", false},
		{"don't forget the reranker", false},
		{"not only a reranker, but also filters", false},
		{"not just rerank but also dedupe", false},
		{"whether or not we rerank, latency matters", false},
		{"no, we would rerank", false},
		{"no we would rerank", false}, // an answer, even unpunctuated
		{"without a reranker we'd lose precision", false},
		{"so without reranking the top five are noisy", false},
		{"it's not a problem to rerank a hundred candidates", false},
		{"a reranker is not that expensive", false},
		{"I wouldn't skip reranking", false},

		// Scope: another clause, or too far.
		{"I wouldn't use FAISS. We'd rerank.", false},
		{"i wouldnt use faiss we would rerank", false}, // a new subject starts a clause
		{"I don't like it, but we rerank", false},
		{"we don't fine tune and we rerank", false},
		{"I don't want to spend a whole week tuning before we rerank", false},
		{"I don't want to spend all week on it then rerank", false},

		// The last word: a positive mention anywhere credits the concept.
		{"I'd skip the reranker at first. Later we add a cross encoder.", false},
	} {
		t.Run(tc.say, func(t *testing.T) {
			t.Parallel()
			got := concept(t, scoring.Cover(r, say(tc.say)), "c")
			credited := got.State == scoring.Hit
			if got.Dismissed != tc.dismissed || credited == tc.dismissed {
				t.Fatalf("%q: %s, dismissed %v; want dismissed %v", tc.say, got.State, got.Dismissed, tc.dismissed)
			}
			if tc.dismissed && (got.Score != 0 || len(got.Evidence) == 0) {
				t.Fatalf("a dismissal scores nothing and is quoted: %+v", got)
			}
		})
	}
}
