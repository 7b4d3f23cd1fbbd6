package lm

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"punctuation only", " ,.;!? — ", ""},
		{"lower case and punctuation", "So, I'd use RAG.", "so i'd use rag"},
		{"curly apostrophe", "It’s the retriever’s job", "it's the retriever's job"},
		{"quotes stripped", `the 'golden' set "works"`, "the golden set works"},
		{"digit term", "BM25 and a BM25-based baseline", "bm25 and a bm25 based baseline"},
		{"recall at k", "recall@k and precision@5", "recall at k and precision at five"},
		{"knn", "k-NN, kNN or KNN", "knn knn or knn"},
		{"percent", "98% recall, 5 % traffic", "ninety eight percent recall five percent traffic"},
		{"dollars", "$0.002 per request", "zero point zero zero two dollars per request"},
		{"cardinal", "top 50, 128 tokens, 2024", "top fifty one hundred twenty eight tokens two thousand twenty four"},
		{"thousands", "10,000 chunks and 1,250,000 vectors",
			"ten thousand chunks and one million two hundred fifty thousand vectors"},
		{"decimal", "0.5 or 3.75 or .5", "zero point five or three point seven five or zero point five"},
		{"leading zero", "version 007", "version zero zero seven"},
		{"ordinal", "1st, 2nd, 3rd, 11th, 12th, 21st, 100th",
			"first second third eleventh twelfth twenty first one hundredth"},
		{"range", "3-5 chunks", "three to five chunks"},
		{"number with unit", "80ms, 2s, 128k, 7B, 10M, 16GB, 2.5x, 4bit",
			"eighty milliseconds two seconds one hundred twenty eight k seven b ten million sixteen gigabytes two point five x four bit"},
		{"standalone unit", "80 ms and 16 GB", "eighty milliseconds and sixteen gigabytes"},
		{"hyphenated number", "4-bit and 8-bit", "four bit and eight bit"},
		{"letters and digits", "GPT-4o, llama3, v2", "gpt four o llama three v two"},
		{"digit terms", "p99 latency, int8, FP16, F1, L2", "p99 latency int8 fp16 f1 l2"},
		{"compound kept", "a cross-encoder, bi-encoders", "a cross-encoder bi-encoders"},
		{"compound inside chain", "cross-encoder-based reranking", "cross-encoder based reranking"},
		{"compounds", "fine-tuning, few-shot, k-fold cross-validation, multi-head self-attention",
			"fine-tuning few-shot k-fold cross-validation multi-head self-attention"},
		{"other hyphens split", "top-k, trade-off, LLM-as-a-judge, end-to-end",
			"top k trade off llm as a judge end to end"},
		{"re-rank", "re-rank, re-ranker, re-ranking", "rerank reranker reranking"},
		{"slash", "A/B test, and/or", "a b test and or"},
		{"symbols", "R&D, C++, snake_case", "r and d c plus plus snake case"},
		{"abbreviations", "e.g. FAISS vs. pgvector, i.e. HNSW", "for example faiss versus pgvector that is hnsw"},
		{"british", "Tokenisation and regularisation behaviour", "tokenization and regularization behavior"},
		{"dotted name", "node.js", "node js"},
		{"dashes separate", "retrieval—then generation – done", "retrieval then generation done"},
		{"unicode hyphen", "cross‐encoder", "cross-encoder"},
		{"recogniser markup", "<s> so <sil> the [NOISE] reranker ++BREATH++ </s>", "so the reranker"},
		{"alternate pronunciation", "the(2) faiss(2) index", "the faiss index"},
		{"parentheses", "(the retriever) [1]", "the retriever"},
		{"possessive acronym", "the LLM's answer", "the llm's answer"},
		{"non-ascii letters", "naïve café", "naïve café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(Normalize(tt.in), " ")
			if got != tt.want {
				t.Errorf("Normalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCardinalWords(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0", "zero"},
		{"7", "seven"},
		{"19", "nineteen"},
		{"20", "twenty"},
		{"99", "ninety nine"},
		{"100", "one hundred"},
		{"101", "one hundred one"},
		{"1000", "one thousand"},
		{"1001", "one thousand one"},
		{"300000", "three hundred thousand"},
		{"1000000", "one million"},
		{"7000000000", "seven billion"},
		{"999999999999999", "nine hundred ninety nine trillion nine hundred ninety nine billion nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"},
		{"1234567890123456", "one two three four five six seven eight nine zero one two three four five six"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := strings.Join(cardinalWords(tt.in), " "); got != tt.want {
				t.Errorf("cardinalWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormalizeCorpusIdempotent checks idempotence on every corpus line.
func TestNormalizeCorpusIdempotent(t *testing.T) {
	t.Parallel()
	for _, line := range corpusLines(t) {
		checkIdempotent(t, line)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"So, I'd rerank with a cross-encoder.", "recall@k 98% $5 80ms 7B", "k-NN top-k 3-5",
		"<sil> [NOISE] faiss(2)", "1,000,000.25 21st", "gpt-4o e.g. A/B", "٣ İ é", "'-'", "+-+",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		checkIdempotent(t, s)
	})
}

func checkIdempotent(t *testing.T, s string) {
	t.Helper()
	first := Normalize(s)
	for _, tok := range first {
		if tok == "" || strings.ContainsFunc(tok, func(r rune) bool { return r == ' ' }) {
			t.Fatalf("Normalize(%q) gave token %q", s, tok)
		}
	}
	if again := Normalize(strings.Join(first, " ")); !slices.Equal(first, again) {
		t.Fatalf("Normalize is not idempotent on %q:\n once  %q\n twice %q", s, first, again)
	}
}
