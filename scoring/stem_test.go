package scoring

import (
	"strings"
	"testing"
)

func TestStem(t *testing.T) {
	t.Parallel()
	for _, group := range [][]string{
		{"evaluate", "evaluation", "evaluating", "evaluated", "evaluates"},
		{"embedding", "embeddings", "embedded"},
		{"rerank", "reranking", "reranker", "rerankers", "reranked"},
		{"chunk", "chunks", "chunking", "chunked"},
		{"monitor", "monitoring", "monitors", "monitored"},
		{"requirement", "requirements", "required"},
		{"labelled", "labeled", "labels", "label"},
	} {
		t.Run(group[0], func(t *testing.T) {
			t.Parallel()
			want := stem(group[0])
			for _, w := range group[1:] {
				if got := stem(w); got != want {
					t.Errorf("stem(%q) = %q, stem(%q) = %q", w, got, group[0], want)
				}
			}
		})
	}
	// Porter2 keeps these apart, which is why rubrics list both.
	if stem("embed") == stem("embedding") {
		t.Errorf("embed and embedding now share a stem: rubrics may drop a cue")
	}
}

func TestWithin1(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"embedding", "embedding", true},
		{"embedding", "embeding", true},    // deletion
		{"embeding", "embedding", true},    // insertion
		{"chunking", "chunkin", true},      // dropped g
		{"evaluation", "evalaation", true}, // substitution
		{"embedding", "embeddings", true},
		{"evaluation", "evolution", false}, // two edits
		{"monitoring", "mentoring", false},
		{"ab", "ba", false}, // a transposition is two edits
		{"", "a", true},
		{"", "ab", false},
	} {
		if got := within1(tc.a, tc.b); got != tc.want {
			t.Errorf("within1(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPhoneticKey(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"embeddings", "embedings"},
		{"faithfulness", "faithfullness"},
		{"physical", "fysical"},
		{"chunking", "chunkin"},
		{"caching", "cashing"},
		{"latency", "latensy"},
		{"knowledge", "nowledge"},
	}
	differ := [][2]string{
		{"monitoring", "mentoring"},
		{"precision", "decision"},
		{"reranking", "ranking"},
		{"evaluation", "valuation"},
		{"embedding", "bedding"},
		{"dashboard", "database"},
	}
	for _, p := range same {
		if a, b := phoneticKey(p[0]), phoneticKey(p[1]); a != b {
			t.Errorf("phoneticKey(%q) = %q, phoneticKey(%q) = %q: want the same", p[0], a, p[1], b)
		}
	}
	for _, p := range differ {
		if a, b := phoneticKey(p[0]), phoneticKey(p[1]); a == b {
			t.Errorf("phoneticKey(%q) = phoneticKey(%q) = %q: want them apart", p[0], p[1], a)
		}
	}
	for _, w := range []string{"", "café", "BM25", "a-b"} {
		if k := phoneticKey(w); k != "" {
			t.Errorf("phoneticKey(%q) = %q, want \"\"", w, k)
		}
	}
	long := strings.Repeat("abcdefgh", 20)
	if k := phoneticKey(long); k == "" {
		t.Errorf("phoneticKey of a long word is empty")
	}
}
