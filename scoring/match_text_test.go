package scoring

import (
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // tokens joined by spaces, "|" where a clause starts (after the first)
	}{
		{"Embedding's", "embeddings"},
		{"We don't re-rank.", "we dont re rank"},
		{"a cross-encoder, then", "a cross encoder | then"},
		{"Recall@10", "recall ten"},
		{"recall at 10 and 100", "recall at ten and one hundred"},
		{"BM25", "bm twenty five"},
		{"b m twenty five", "bm twenty five"},
		{"an l l m call", "an llm call"},
		{"A/B testing", "ab testing"},
		{"a b testing", "a b testing"}, // "a" is a word on its own
		{"10,000 tickets", "ten thousand tickets"},
		{"10 million", "ten million"},
		{"1,200,000", "one million two hundred thousand"},
		{"3.5 seconds", "three point five seconds"},
		{"the 1st and 22nd and 3rd and 100th", "the first and twenty second and third and one hundredth"},
		{"007", "zero zero seven"},
		{"0", "zero"},
		{"90% recall", "ninety percent recall"},
		{"Q&A", "q and a"},
		{"gpt4o", "gpt four o"},
		{"1234567890123", "one two three four five six seven eight nine zero one two three"},
		{"end. Start", "end | start"},
		{"wait — no", "wait | no"},
		{"wait - no", "wait | no"},
		{"well-known", "well known"},
		{"Café naïve", "café naïve"},
		{"“quoted”", "quoted"},
		{"...", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			var got []string
			for i, s := range tokenize(strings.Fields(tc.in)) {
				if s.brk && i > 0 {
					got = append(got, "|")
				}
				got = append(got, s.text)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("tokenize(%q) = %q, want %q", tc.in, g, tc.want)
			}
		})
	}
}

func TestTokenizeKeepsWords(t *testing.T) {
	t.Parallel()
	words := []string{"Use", "b", "m", "25,", "then", "re-rank."}
	got := tokenize(words)
	type tw struct {
		text   string
		w0, w1 int
	}
	var g []tw
	for _, s := range got {
		g = append(g, tw{s.text, s.w0, s.w1})
	}
	want := []tw{{"use", 0, 0}, {"bm", 1, 2}, {"twenty", 3, 3}, {"five", 3, 3}, {"then", 4, 4}, {"re", 5, 5}, {"rank", 5, 5}}
	if !slices.Equal(g, want) {
		t.Errorf("tokenize(%q) = %v, want %v", words, g, want)
	}
}

func TestClauses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"i dont think we need reranking", "i dont think we need reranking"},
		{"i wouldnt use faiss we would evaluate", "i wouldnt use faiss | we would evaluate"},
		{"not only chunking but also reranking", "not only chunking | but also reranking"},
		{"use bm25 instead of embeddings", "use bm twenty five instead of embeddings"},
		{"skip it instead we rerank", "skip it | instead | we rerank"},
		{"chunk and we embed", "chunk and | we embed"},
	} {
		spans := tokenize(strings.Fields(tc.in))
		clauseStarts(spans)
		var got []string
		for i, s := range spans {
			if s.brk && i > 0 {
				got = append(got, "|")
			}
			got = append(got, s.text)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("clauses(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}
