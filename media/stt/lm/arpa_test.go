package lm

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestWriteARPA(t *testing.T) {
	t.Parallel()
	m, err := Build(split("a", "a b"), Options{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteARPA(&buf); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	_, body, ok := strings.Cut(got, "\\data\\\n")
	if !ok {
		t.Fatalf("no \\data\\ in\n%s", got)
	}
	pa, pend := 0.5/4+0.5/3, 1.0/4+0.5/3
	want := "ngram 1=4\nngram 2=4\n\n" +
		"\\1-grams:\n" +
		ftoa(math.Log10(pend)) + "\t</s>\n" +
		"-99.000000\t<s>\t" + ftoa(math.Log10(0.5)) + "\n" +
		ftoa(math.Log10(pa)) + "\ta\t" + ftoa(math.Log10(0.5)) + "\n" +
		ftoa(math.Log10(pa)) + "\tb\t" + ftoa(math.Log10(0.5)) + "\n" +
		"\n\\2-grams:\n" +
		ftoa(math.Log10(0.5+0.5*pa)) + "\t<s>\ta\n" +
		ftoa(math.Log10(0.25+0.5*pend)) + "\ta\t</s>\n" +
		ftoa(math.Log10(0.25+0.5*pa)) + "\ta\tb\n" +
		ftoa(math.Log10(0.5+0.5*pend)) + "\tb\t</s>\n" +
		"\n\\end\\\n"
	if body != want {
		t.Errorf("ARPA body:\n%s\nwant:\n%s", body, want)
	}
}

// ftoa formats a log10 value the way WriteARPA does.
func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

// TestARPARoundTrip checks that reading and rewriting an ARPA file keeps
// every line after the comments.
func TestARPARoundTrip(t *testing.T) {
	t.Parallel()
	m, err := Build(split("the cat sat", "the cat ran", "a cat sat on the mat"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if err := m.WriteARPA(&first); err != nil {
		t.Fatal(err)
	}
	read, err := ReadARPA(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := read.WriteARPA(&second); err != nil {
		t.Fatal(err)
	}
	_, a, _ := strings.Cut(first.String(), "\\data\\")
	_, b, _ := strings.Cut(second.String(), "\\data\\")
	if a != b {
		t.Errorf("round trip changed the model:\n%s\n---\n%s", a, b)
	}
	if got, want := read.Counts(), m.Counts(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("counts %v, want %v", got, want)
	}
}

func TestReadARPAErrors(t *testing.T) {
	t.Parallel()
	const good = "\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-0.3\t</s>\n-99\t<s>\t-0.3\n\n\\2-grams:\n0\t<s>\t</s>\n\n\\end\\\n"
	if _, err := ReadARPA(strings.NewReader(good)); err != nil {
		t.Fatalf("good file: %v", err)
	}
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"no data", "hello\n"},
		{"no counts", "\\data\\\n\\1-grams:\n\\end\\\n"},
		{"bad count", strings.Replace(good, "ngram 2=1", "ngram 2=x", 1)},
		{"counts out of order", strings.Replace(good, "ngram 2=1", "ngram 3=1", 1)},
		{"count mismatch", strings.Replace(good, "ngram 1=2", "ngram 1=3", 1)},
		{"missing section", strings.Replace(good, "\\2-grams:", "\\3-grams:", 1)},
		{"bad probability", strings.Replace(good, "-0.3\t</s>", "x\t</s>", 1)},
		{"bad back-off", strings.Replace(good, "<s>\t-0.3", "<s>\tx", 1)},
		{"too many fields", strings.Replace(good, "0\t<s>\t</s>", "0\t<s>\t</s>\t1\t2", 1)},
		{"no end", strings.TrimSuffix(good, "\\end\\\n")},
		{"too many orders", "\\data\\\n" + strings.Repeat("ngram 1=0\n", 1) +
			"ngram 2=0\nngram 3=0\nngram 4=0\nngram 5=0\nngram 6=0\nngram 7=0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ReadARPA(strings.NewReader(tt.in)); !errors.Is(err, ErrBadARPA) {
				t.Fatalf("ReadARPA error %v, want ErrBadARPA", err)
			}
		})
	}
}

func FuzzReadARPA(f *testing.F) {
	m, err := Build(split("the cat sat", "a cat"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteARPA(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.String())
	f.Add("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ReadARPA(strings.NewReader(s))
		if err != nil {
			return
		}
		// A model that reads must answer queries without panicking.
		for _, w := range m.Vocabulary() {
			m.LogProb([]string{"a", "b", "c"}, w)
		}
		var out bytes.Buffer
		if err := m.WriteARPA(&out); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPerplexity(t *testing.T) {
	t.Parallel()
	m, err := Build(split("a", "a b"), Options{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	pa, pb, pend := 0.5/4+0.5/3, 0.5/4+0.5/3, 1.0/4+0.5/3
	// "a b": P(a|<s>) P(b|a) P(</s>|b). "z a": z is skipped, then P(a) with
	// no context and P(</s>|a).
	want := math.Log10(0.5+0.5*pa) + math.Log10(0.25+0.5*pb) + math.Log10(0.5+0.5*pend) +
		math.Log10(pa) + math.Log10(0.25+0.5*pend)
	p := m.Perplexity(split("a b", "z a", ""))
	if p.Sentences != 2 || p.Words != 3 || p.OOVs != 1 {
		t.Errorf("Perplexity = %+v, want 2 sentences, 3 words, 1 OOV", p)
	}
	if math.Abs(p.LogProb-want) > 1e-12 {
		t.Errorf("LogProb = %v, want %v", p.LogProb, want)
	}
	if got, want := p.PPL(), math.Pow(10, -want/5); math.Abs(got-want) > 1e-9 {
		t.Errorf("PPL = %v, want %v", got, want)
	}
}
