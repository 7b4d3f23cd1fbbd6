package whisper

import (
	"encoding/json"
	"math"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva"
)

func TestNormaliseWord(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		" Hello,":        "Hello",
		"cross-encoder.": "cross-encoder",
		"C++.":           "C++",
		"C#,":            "C#",
		".NET":           ".NET",
		"Node.js?":       "Node.js",
		`"RAG"`:          "RAG",
		"(BM25)":         "BM25",
		"50%.":           "50%",
		"I'd":            "I'd",
		"pgvector…":      "pgvector",
		"¿Qué?":          "Qué",
		"—":              "",
		" ... ":          "",
		"LangChain":      "LangChain",
	}
	for in, want := range tests {
		if got := normaliseWord(in); got != want {
			t.Errorf("normaliseWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string
		start int64
		dur   int64
		want  []viva.Word
	}{
		{
			name:  "times outside the utterance are clamped into it",
			reply: `{"text": "a b", "words": [{"word": "a", "start": -0.5, "end": 0.2}, {"word": "b", "start": 0.9, "end": 1.7}]}`,
			start: 1000, dur: 1500,
			want: []viva.Word{{Text: "a", StartMS: 1000, EndMS: 1200}, {Text: "b", StartMS: 1900, EndMS: 2500}},
		},
		{
			name:  "out of order and inverted times are made monotone",
			reply: `{"text": "a b c", "words": [{"word": "a", "start": 0.5, "end": 0.6}, {"word": "b", "start": 0.2, "end": 0.1}, {"word": "c", "start": 0.7, "end": 0.65}]}`,
			dur:   1000,
			want:  []viva.Word{{Text: "a", StartMS: 500, EndMS: 600}, {Text: "b", StartMS: 500, EndMS: 500}, {Text: "c", StartMS: 700, EndMS: 700}},
		},
		{
			name:  "punctuation-only words are dropped",
			reply: `{"text": "so - yes", "words": [{"word": "so", "start": 0, "end": 0.1}, {"word": "—", "start": 0.1, "end": 0.2}, {"word": "yes.", "start": 0.2, "end": 0.3}]}`,
			dur:   1000,
			want:  []viva.Word{{Text: "so", StartMS: 0, EndMS: 100}, {Text: "yes", StartMS: 200, EndMS: 300}},
		},
		{
			name:  "huge numbers",
			reply: `{"text": "x", "words": [{"word": "x", "start": 1e308, "end": -1e308}]}`,
			start: 5, dur: 700,
			want: []viva.Word{{Text: "x", StartMS: 705, EndMS: 705}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r openai.AudioResponse
			if err := json.Unmarshal([]byte(tt.reply), &r); err != nil {
				t.Fatal(err)
			}
			res := mapReply(&r, tt.start, tt.dur)
			if len(res.Words) != len(tt.want) {
				t.Fatalf("words %+v, want %+v", res.Words, tt.want)
			}
			for i, w := range res.Words {
				w.Confidence = 0
				if w != tt.want[i] {
					t.Errorf("word %d = %+v, want %+v", i, w, tt.want[i])
				}
			}
		})
	}
}

func TestConfidence(t *testing.T) {
	t.Parallel()
	reply := `{"text": "a b c d", "segments": [
	    {"start": 0, "end": 1, "avg_logprob": -0.1, "no_speech_prob": 0.0},
	    {"start": 2, "end": 3, "avg_logprob": 0.5, "no_speech_prob": -0.2},
	    {"start": 4, "end": 5, "avg_logprob": -3, "no_speech_prob": 0.9}],
	  "words": [{"word": "a", "start": 0.1, "end": 0.2}, {"word": "b", "start": 1.9, "end": 2.1},
	    {"word": "c", "start": 3.3, "end": 3.4}, {"word": "d", "start": 4.5, "end": 4.6}]}`
	var r openai.AudioResponse
	if err := json.Unmarshal([]byte(reply), &r); err != nil {
		t.Fatal(err)
	}
	res := mapReply(&r, 0, 6000)
	want := []float64{
		math.Exp(-0.1),     // inside the first segment
		1,                  // inside the second, whose statistics are clamped
		1,                  // nearest to the second
		math.Exp(-3) * 0.1, // inside the third: low log-probability, likely no speech
	}
	for i, w := range res.Words {
		if math.Abs(w.Confidence-want[i]) > 1e-9 {
			t.Errorf("word %q confidence %v, want %v", w.Text, w.Confidence, want[i])
		}
	}
}

// FuzzMapReply feeds arbitrary replies, as go-openai decodes them, to
// mapReply: it must not panic, and its words must stay inside the
// utterance, in order, with confidences in [0, 1].
func FuzzMapReply(f *testing.F) {
	f.Add([]byte(verboseReply), int64(61_000), int64(2500))
	f.Add([]byte(`{"text": "pgvector works"}`), int64(0), int64(2000))
	f.Add([]byte(`{"text": " a  b ", "segments": [{"start": 3, "end": 1, "text": "a b", "avg_logprob": 9}]}`), int64(7), int64(10))
	f.Add([]byte(`{"words": [{"word": "x", "start": 1e308, "end": -1e308}, {"word": "y", "start": -5, "end": 0}]}`), int64(0), int64(1))
	f.Add([]byte(`{"text": "…", "segments": [{"text": "— .", "no_speech_prob": 2}]}`), int64(-4), int64(-9))
	f.Fuzz(func(t *testing.T, data []byte, start, dur int64) {
		var r openai.AudioResponse
		if json.Unmarshal(data, &r) != nil {
			return
		}
		// Audio as Transcribe sees it: a non-negative start and at most
		// two minutes, far from overflow.
		start = min(max(start, 0), 1<<50)
		dur = min(max(dur, 0), 120_000)
		res := mapReply(&r, start, dur)
		if len(res.Words) == 0 && (res.Text != "" || res.Reason == "") {
			t.Fatalf("no words but text %q reason %q", res.Text, res.Reason)
		}
		var prev int64
		for i, w := range res.Words {
			if w.Text == "" || w.Text != normaliseWord(w.Text) {
				t.Fatalf("word %d %q is not normalised", i, w.Text)
			}
			if w.StartMS < start || w.EndMS < w.StartMS || w.EndMS > start+dur {
				t.Fatalf("word %d at %d..%d outside %d..%d", i, w.StartMS, w.EndMS, start, start+dur)
			}
			if i > 0 && w.StartMS < prev {
				t.Fatalf("word %d starts at %d, before word %d at %d", i, w.StartMS, i-1, prev)
			}
			prev = w.StartMS
			if !(w.Confidence >= 0 && w.Confidence <= 1) {
				t.Fatalf("word %d confidence %v", i, w.Confidence)
			}
		}
	})
}
