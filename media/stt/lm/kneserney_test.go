package lm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
)

func split(lines ...string) [][]string {
	var s [][]string
	for _, l := range lines {
		s = append(s, strings.Fields(l))
	}
	return s
}

// TestBuildKnownValues checks a bigram model against probabilities worked
// out by hand from the formulas in Build's documentation. The count-of-
// counts are too sparse for estimated discounts, so both orders use the
// fallback 0.5, 1, 1.5.
func TestBuildKnownValues(t *testing.T) {
	t.Parallel()
	m, err := Build(split("a", "a b"), Options{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Unigram continuation counts a:1 b:1 </s>:2, total 4, γ = 2/4.
	pa, pb, pend := 0.5/4+0.5/3, 0.5/4+0.5/3, 1.0/4+0.5/3
	tests := []struct {
		context string
		word    string
		want    float64
	}{
		{"", "a", pa},
		{"", "b", pb},
		{"", "</s>", pend},
		{"<s>", "a", 1.0/2 + 0.5*pa},        // c(<s> a)=2, D2=1, γ(<s>)=1/2
		{"a", "b", 0.5/2 + 0.5*pb},          // c(a ·)=2, γ(a)=(0.5+0.5)/2
		{"a", "</s>", 0.5/2 + 0.5*pend},     //
		{"b", "</s>", 0.5/1 + 0.5*pend},     // γ(b)=0.5/1
		{"b", "a", 0.5 * pa},                // unseen: back off
		{"<s>", "</s>", 0.5 * pend},         //
		{"</s>", "a", pa},                   // </s> is no context
		{"x y a", "b", 0.5/2 + 0.5*pb},      // only the last word counts
		{"<s> a b", "</s>", 0.5 + 0.5*pend}, //
	}
	for _, tt := range tests {
		got, ok := m.LogProb(strings.Fields(tt.context), tt.word)
		if !ok || math.Abs(math.Pow(10, got)-tt.want) > 1e-12 {
			t.Errorf("P(%s | %s) = %v (%v), want %v", tt.word, tt.context, math.Pow(10, got), ok, tt.want)
		}
	}
	if _, ok := m.LogProb(nil, "zebra"); ok {
		t.Error("LogProb of an unknown word is ok")
	}
	if got, _ := m.LogProb(nil, SentenceStart); got != noProb {
		t.Errorf("log P(<s>) = %v, want %v", got, noProb)
	}
}

// TestBuildSumsToOne checks that every context's distribution over the
// vocabulary sums to one, in memory and after a trip through ARPA text.
func TestBuildSumsToOne(t *testing.T) {
	t.Parallel()
	train, err := ReadCorpus(os.DirFS(trainDir))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		sentences [][]string
		order     int
		every     int // check every n-th context, to keep the test quick
	}{
		{"tiny unigram", split("a", "a b"), 1, 1},
		{"tiny bigram", split("a", "a b", "b b a c"), 2, 1},
		{"toy trigram", split("the cat sat", "the cat ran", "a cat sat on the mat", "the dog sat", "the cat sat on the dog"), 3, 1},
		{"toy 5-gram", split("a b c d e f", "a b c d e", "b c d e f", "a b a b a b"), 5, 1},
		{"training corpus", train, 3, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Build(tt.sentences, Options{Order: tt.order})
			if err != nil {
				t.Fatal(err)
			}
			checkSums(t, m, tt.every, 1e-9)
			var buf bytes.Buffer
			if err := m.WriteARPA(&buf); err != nil {
				t.Fatal(err)
			}
			read, err := ReadARPA(&buf)
			if err != nil {
				t.Fatal(err)
			}
			checkSums(t, read, tt.every, 1e-4)
		})
	}
}

func checkSums(t *testing.T, m *Model, every int, tol float64) {
	t.Helper()
	var contexts []string
	contexts = append(contexts, "")
	for n := 0; n < m.Order()-1; n++ {
		for _, k := range sortedKeys(m.grams[n]) {
			if m.grams[n][k].hasBackoff {
				contexts = append(contexts, k)
			}
		}
	}
	vocab := m.Vocabulary()
	for i, c := range contexts {
		if i%every != 0 {
			continue
		}
		ctx := strings.Fields(c)
		sum := 0.0
		for _, w := range vocab {
			if w == SentenceStart {
				continue
			}
			lp, ok := m.LogProb(ctx, w)
			if !ok {
				t.Fatalf("LogProb(%q, %q) not ok", c, w)
			}
			sum += math.Pow(10, lp)
		}
		if math.Abs(sum-1) > tol {
			t.Errorf("order %d, context %q: probabilities sum to %.12f", m.Order(), c, sum)
		}
	}
}

// TestBuildDeterministic checks that the same sentences give the same
// bytes, however Go orders its maps.
func TestBuildDeterministic(t *testing.T) {
	t.Parallel()
	train, err := ReadCorpus(os.DirFS(trainDir))
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 3 {
		m, err := Build(train, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.WriteARPA(&buf); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("build %d wrote different bytes", i+1)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sentences [][]string
		opts      Options
		want      error
	}{
		{"no sentences", nil, Options{}, ErrNoSentences},
		{"only empty sentences", [][]string{{}, {}}, Options{}, ErrNoSentences},
		{"empty token", [][]string{{"a", ""}}, Options{}, ErrBadToken},
		{"token with space", [][]string{{"a b"}}, Options{}, ErrBadToken},
		{"token with tab", [][]string{{"a\tb"}}, Options{}, ErrBadToken},
		{"sentence marker", [][]string{{"a", "</s>"}}, Options{}, ErrBadToken},
		{"order too high", split("a"), Options{Order: MaxOrder + 1}, nil},
		{"negative order", split("a"), Options{Order: -1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Build(tt.sentences, tt.opts)
			if err == nil || m != nil {
				t.Fatalf("Build = %v, %v; want an error", m, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Build error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDiscounts(t *testing.T) {
	t.Parallel()
	counts := map[string]int{}
	add := func(c, n int) {
		for i := range n {
			counts[fmt.Sprintf("%d-%d", c, i)] = c
		}
	}
	add(1, 100)
	add(2, 40)
	add(3, 20)
	add(4, 10)
	d, fallback := discounts(counts)
	// Y = 100/180; D1 = 1−2Y·40/100; D2 = 2−3Y·20/40; D3+ = 3−4Y·10/20.
	y := 100.0 / 180
	want := [3]float64{1 - 2*y*0.4, 2 - 3*y*0.5, 3 - 4*y*0.5}
	if fallback {
		t.Fatal("fallback with full count-of-counts")
	}
	for i := range d {
		if math.Abs(d[i]-want[i]) > 1e-12 {
			t.Errorf("D%d = %v, want %v", i+1, d[i], want[i])
		}
	}
	if _, fallback := discounts(map[string]int{"a": 1, "b": 2, "c": 3}); !fallback {
		t.Error("no fallback without fours")
	}
}

// BenchmarkBuild estimates the domain model from the training corpus and
// writes it as ARPA, as go generate does (reading and normalising the
// corpus excluded).
func BenchmarkBuild(b *testing.B) {
	train, err := ReadCorpus(os.DirFS(trainDir))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m, err := Build(train, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.WriteARPA(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCorpus reads and normalises the training corpus.
func BenchmarkReadCorpus(b *testing.B) {
	fsys := os.DirFS(trainDir)
	for b.Loop() {
		if _, err := ReadCorpus(fsys); err != nil {
			b.Fatal(err)
		}
	}
}
