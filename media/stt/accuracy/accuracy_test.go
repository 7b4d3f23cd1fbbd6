package accuracy_test

import (
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/viva-interview/viva/media/stt/accuracy"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	f := strings.Fields
	cases := []struct {
		ref, hyp string
		want     int
	}{
		{"we rerank the results", "we rerank the results", 0},
		{"we rerank the results", "we rank the results", 1},
		{"we rerank the results", "we rerank results", 1},
		{"we rerank the results", "oh we rerank the the results", 2},
		{"a b c", "", 3},
		{"", "a b", 2},
	}
	for _, c := range cases {
		if got := accuracy.Errors(f(c.ref), f(c.hyp)); got != c.want {
			t.Errorf("Errors(%q, %q) = %d, want %d", c.ref, c.hyp, got, c.want)
		}
	}
}

func TestFound(t *testing.T) {
	t.Parallel()
	hyp := strings.Fields("we used bm25 and a cross-encoder to rerank then checked recall at ten")
	for term, want := range map[string]bool{
		"BM25": true, "cross-encoder": true, "rerank": true, "recall at": true,
		"reranker": false, "recall ten": false, "": false,
	} {
		if got := accuracy.Found(term, hyp); got != want {
			t.Errorf("Found(%q) = %v, want %v", term, got, want)
		}
	}
}

func TestAddNoise(t *testing.T) {
	t.Parallel()
	pcm := make([]int16, 16000)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(float64(i)/10))
	}
	a := accuracy.AddNoise(pcm, 20, 7)
	b := accuracy.AddNoise(pcm, 20, 7)
	var sig, noise float64
	for i := range pcm {
		if a[i] != b[i] {
			t.Fatal("same seed, different noise")
		}
		d := float64(a[i]) - float64(pcm[i])
		sig += float64(pcm[i]) * float64(pcm[i])
		noise += d * d
	}
	if snr := 10 * math.Log10(sig/noise); snr < 19 || snr > 21 {
		t.Fatalf("SNR %.1f dB, want 20", snr)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"answers.txt": {Data: []byte("We use BM25.\n\nThen rerank.\n")},
		"terms.txt":   {Data: []byte("1\tBM25\n2\trerank|top k\n")},
	}
	s, err := accuracy.Load(fsys)
	if err != nil || len(s) != 2 || len(s[1].Terms) != 2 || s[1].Terms[1] != "top k" {
		t.Fatalf("%+v %v", s, err)
	}
	fsys["terms.txt"] = &fstest.MapFile{Data: []byte("9\tBM25\n")}
	if _, err := accuracy.Load(fsys); err == nil {
		t.Fatal("a term line for a missing answer was accepted")
	}
}
