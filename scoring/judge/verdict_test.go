package judge

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/viva-interview/viva"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	numID := uuid.MustParse("00000000-0000-0000-0000-000000000003")
	utts := append(input().Utterances, viva.Utterance{
		ID: numID, Speaker: viva.SpeakerCandidate, StartMS: 20000, EndMS: 23000,
		Text:  "I'd look at recall at 10 first.",
		Words: []viva.Word{{Text: "I'd", StartMS: 20100}, {Text: "look", StartMS: 20400}, {Text: "at", StartMS: 20700}, {Text: "recall", StartMS: 21000}, {Text: "at", StartMS: 21300}, {Text: "ten", StartMS: 21600}, {Text: "first", StartMS: 21900}},
	})
	tests := []struct {
		name     string
		quote    string
		kept     bool
		verbatim string // the kept claim's Quote
		utt      uuid.UUID
		startMS  int64
	}{
		{name: "exact", quote: "chunk the tickets with some overlap", kept: true,
			verbatim: "chunk the tickets with some overlap", utt: chunkID, startMS: 5800},
		{name: "case and punctuation", quote: "CHUNK the Tickets; with some OVERLAP because long threads!", kept: true,
			verbatim: "chunk the tickets with some overlap, because long threads", utt: chunkID, startMS: 5800},
		{name: "spacing", quote: "  chunk   the\ttickets\n", kept: true, verbatim: "chunk the tickets", utt: chunkID, startMS: 5800},
		{name: "apostrophes", quote: "Id evaluate retrieval", kept: true, verbatim: "I'd evaluate retrieval", utt: evalID, startMS: 12000},
		{name: "curly apostrophe", quote: "First I’d chunk", kept: true, verbatim: "First I'd chunk", utt: chunkID, startMS: 5000},
		{name: "whole utterance", quote: "Then I'd evaluate retrieval with recall at ten on a labelled set.", kept: true,
			verbatim: "Then I'd evaluate retrieval with recall at ten on a labelled set", utt: evalID, startMS: 12000},
		{name: "from the words", quote: "recall at ten first", kept: true, verbatim: "recall at ten first", utt: numID, startMS: 21000},
		{name: "from the text, timed by the words", quote: "look at recall", kept: true, verbatim: "look at recall", utt: numID, startMS: 20400},
		{name: "from the text only", quote: "recall at 10 first", kept: true, verbatim: "recall at 10 first", utt: numID, startMS: 20000},
		{name: "too short", quote: "chunk the"},
		{name: "one word", quote: "overlap"},
		{name: "empty", quote: ""},
		{name: "punctuation only", quote: "... !!! ???"},
		{name: "paraphrase", quote: "split the tickets with some overlap"},
		{name: "words out of order", quote: "the chunk tickets"},
		{name: "across utterances", quote: "lose their context Then I'd evaluate"},
		{name: "longer than the utterance", quote: "Then I'd evaluate retrieval with recall at ten on a labelled set and more"},
		{name: "the interviewer's words", quote: "How would you design question answering"},
		{name: "part of a word", quote: "hunk the tickets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := Claim{Concept: "c", Kind: KindStrength, Text: "t", Quote: tt.quote}
			kept, discarded := Verify([]Claim{in}, utts)
			if !tt.kept {
				if len(kept) != 0 || discarded != 1 {
					t.Fatalf("kept %+v, discarded %d; want it discarded", kept, discarded)
				}
				return
			}
			if len(kept) != 1 || discarded != 0 {
				t.Fatalf("kept %+v, discarded %d; want it kept", kept, discarded)
			}
			want := Claim{Concept: "c", Kind: KindStrength, Text: "t", Quote: tt.verbatim, UtteranceID: tt.utt, StartMS: tt.startMS}
			if kept[0] != want {
				t.Errorf("kept %+v, want %+v", kept[0], want)
			}
		})
	}
}

func TestVerifyKeepsOrder(t *testing.T) {
	t.Parallel()
	claims := []Claim{{Quote: "evaluate retrieval with recall"}, {Quote: "not in it at all"}, {Quote: "chunk the tickets"}}
	kept, discarded := Verify(claims, input().Utterances)
	if discarded != 1 || len(kept) != 2 || kept[0].UtteranceID != evalID || kept[1].UtteranceID != chunkID {
		t.Errorf("kept %+v, discarded %d", kept, discarded)
	}
	if kept, discarded := Verify(nil, nil); kept == nil || len(kept) != 0 || discarded != 0 {
		t.Errorf("Verify(nil, nil) = %#v, %d; want an empty slice, 0", kept, discarded)
	}
}

// FuzzVerify checks that Verify never panics, accounts for every claim,
// and keeps only claims whose quote is found again in their utterance.
func FuzzVerify(f *testing.F) {
	f.Add("First I'd chunk the tickets, with overlap.", "I'd chunk the tickets", "chunk the tickets with", "CHUNK THE TICKETS", false)
	f.Add("recall at 10 first", "recall at ten first", "recall at ten", "at 10 first", true)
	f.Add("don't do that ever", "don ' t do that", "dont do that", "don 't do", false)
	f.Add("Ünïcode façade ﬁne ok", "ÜNÏCODE FAÇADE ﬁne", "unïcode façade ﬁne", "façade ﬁne ok", false)
	f.Add("a b c", "a b c", "a b c d", "b c", true)
	f.Add("x\xffy z w", "x y z w", "\xff y z", "y z w", false)
	f.Fuzz(func(t *testing.T, text, words, q1, q2 string, interviewer bool) {
		second := viva.SpeakerCandidate
		if interviewer {
			second = viva.SpeakerInterviewer
		}
		var ws []viva.Word
		for i, w := range strings.Fields(words) {
			ws = append(ws, viva.Word{Text: w, StartMS: 1000 + int64(i)*100})
		}
		utts := []viva.Utterance{
			{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: text, StartMS: 500, Words: ws},
			{ID: uuid.New(), Speaker: second, Text: words, StartMS: 2000},
		}
		claims := []Claim{{Quote: q1}, {Quote: q2}, {Quote: text}, {Quote: words}}
		kept, discarded := Verify(claims, utts)
		if len(kept)+discarded != len(claims) {
			t.Fatalf("%d kept + %d discarded != %d claims", len(kept), discarded, len(claims))
		}
		for _, c := range kept {
			i := slices.IndexFunc(utts, func(u viva.Utterance) bool { return u.ID == c.UtteranceID })
			if i < 0 || utts[i].Speaker != viva.SpeakerCandidate {
				t.Fatalf("claim %+v kept for no candidate utterance", c)
			}
			q := tokenize(c.Quote, 0, nil)
			if len(q) < MinQuoteWords {
				t.Fatalf("claim %+v kept with a quote of %d words", c, len(q))
			}
			u := utts[i]
			var wt []token
			for wi, w := range u.Words {
				wt = tokenize(w.Text, wi, wt)
			}
			if find(tokenize(u.Text, 0, nil), q) < 0 && find(wt, q) < 0 {
				t.Fatalf("claim %+v: its quote is not in utterance %q", c, u.Text)
			}
			if c.StartMS != u.StartMS && !slices.ContainsFunc(u.Words, func(w viva.Word) bool { return w.StartMS == c.StartMS }) {
				t.Fatalf("claim %+v: start %d is neither the utterance's nor a word's", c, c.StartMS)
			}
		}
		// Kept claims stay kept.
		again, discarded := Verify(kept, utts)
		if discarded != 0 || len(again) != len(kept) {
			t.Fatalf("verifying %d kept claims again kept %d, discarded %d", len(kept), len(again), discarded)
		}
	})
}

// TestFind checks the linear search against the obvious one on every
// short sequence over a two-word alphabet, where borders abound.
func TestFind(t *testing.T) {
	t.Parallel()
	seq := func(bits, n int) []token {
		ts := make([]token, n)
		for i := range ts {
			ts[i].text = string(rune('a' + bits>>i&1))
		}
		return ts
	}
	naive := func(ts, q []token) int {
		for i := 0; len(q) > 0 && i+len(q) <= len(ts); i++ {
			if slices.EqualFunc(ts[i:i+len(q)], q, func(a, b token) bool { return a.text == b.text }) {
				return i
			}
		}
		return -1
	}
	for n := range 9 {
		for m := range 6 {
			for tb := range 1 << n {
				for qb := range 1 << m {
					ts, q := seq(tb, n), seq(qb, m)
					if got, want := find(ts, q), naive(ts, q); got != want {
						t.Fatalf("find(%v, %v) = %d, want %d", ts, q, got, want)
					}
				}
			}
		}
	}
}
