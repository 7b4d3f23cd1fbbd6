package judge

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/viva-interview/viva"
)

// Verdict is the model's opinion of an interview, shown beside the
// deterministic report and never mixed into it.
type Verdict struct {
	Model   string `json:"model"`   // the model that answered
	Overall int    `json:"overall"` // 0–100, the model's
	Summary string `json:"summary"`
	// Claims are the model's claims whose quote was found in what the
	// candidate said (see Verify); never nil.
	Claims []Claim `json:"claims"`
	// Discarded counts the claims dropped because their quote is not in
	// the transcript.
	Discarded int `json:"discarded"`
}

// LogValue leaves out the summary and the claims: they quote the
// candidate, and transcripts are personal data.
func (v Verdict) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("model", v.Model),
		slog.Int("overall", v.Overall),
		slog.Int("claims", len(v.Claims)),
		slog.Int("discarded", v.Discarded),
	)
}

// Claim kinds.
const (
	KindStrength = "strength" // something the candidate did well
	KindGap      = "gap"      // something missing or only gestured at
	KindError    = "error"    // something wrong
)

// Claim is one statement of the model's about the candidate, tied to the
// candidate's own words.
type Claim struct {
	// Concept is the id of the rubric concept the claim is about, if any.
	Concept string `json:"concept,omitempty"`
	Kind    string `json:"kind"` // KindStrength, KindGap or KindError
	Text    string `json:"text"` // the model's statement
	// Quote is the candidate's words the claim rests on. Verify replaces
	// the model's rendering with the transcript's own text, so it is
	// verbatim.
	Quote       string    `json:"quote"`
	UtteranceID uuid.UUID `json:"utterance_id"`
	// StartMS is where the quote starts on the interview's time base: its
	// first word's start when the utterance has timed words, else the
	// utterance's start.
	StartMS int64 `json:"start_ms"`
}

// LogValue leaves out the text and the quote.
func (c Claim) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("concept", c.Concept),
		slog.String("kind", c.Kind),
		slog.String("utterance_id", c.UtteranceID.String()),
		slog.Int64("start_ms", c.StartMS),
	)
}

// MinQuoteWords is the shortest quote Verify accepts: two words are found
// almost anywhere, and prove nothing.
const MinQuoteWords = 3

// Verify keeps the claims whose Quote occurs in one of the candidate's
// utterances (the interviewer's words never count) and returns them, in
// order, with the number discarded. It is pure.
//
// A quote occurs in an utterance when its words, compared without regard
// to case, punctuation or spacing ("Retrieval-augmented, right?" is
// "retrieval augmented right"; apostrophes are dropped, so "don't" is
// "dont"), are a run of the utterance's words, either of its Text or of
// its Words, and it is at least MinQuoteWords long. The first utterance
// that has it wins. A kept claim gets that utterance's ID, its StartMS,
// and the transcript's own text for its Quote.
func Verify(claims []Claim, utterances []viva.Utterance) ([]Claim, int) {
	type utt struct {
		u     *viva.Utterance
		text  []token // of Text, with byte offsets
		words []token // of Words, with word indices
	}
	var us []utt
	for i := range utterances {
		u := &utterances[i]
		if u.Speaker != viva.SpeakerCandidate {
			continue
		}
		t := utt{u: u, text: tokenize(u.Text, 0, nil)}
		for wi, w := range u.Words {
			t.words = tokenize(w.Text, wi, t.words)
		}
		us = append(us, t)
	}
	kept := []Claim{}
	discarded := 0
	for _, c := range claims {
		q := tokenize(c.Quote, 0, nil)
		ok := false
		if len(q) >= MinQuoteWords {
			for _, t := range us {
				if at := find(t.text, q); at >= 0 {
					first, last := t.text[at], t.text[at+len(q)-1]
					c.Quote = t.u.Text[first.from:last.to]
					c.StartMS = t.u.StartMS
					if wat := find(t.words, q); wat >= 0 {
						c.StartMS = t.u.Words[t.words[wat].word].StartMS
					}
				} else if at := find(t.words, q); at >= 0 {
					c.Quote = joinWords(t.u.Words[t.words[at].word : t.words[at+len(q)-1].word+1])
					c.StartMS = t.u.Words[t.words[at].word].StartMS
				} else {
					continue
				}
				c.UtteranceID = t.u.ID
				ok = true
				break
			}
		}
		if ok {
			kept = append(kept, c)
		} else {
			discarded++
		}
	}
	return kept, discarded
}

// token is one normalised word: lower-case letters, digits and marks.
type token struct {
	text     string
	from, to int // its bytes in the text it came from
	word     int // the index of the Word it came from
}

// tokenize appends the tokens of s to dst. Letters, numbers and marks make
// up words, lower-cased; apostrophes are dropped; anything else separates.
func tokenize(s string, word int, dst []token) []token {
	var buf []byte
	from, to := -1, 0
	flush := func() {
		if from >= 0 {
			dst = append(dst, token{text: string(buf), from: from, to: to, word: word})
		}
		buf, from = buf[:0], -1
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if from < 0 {
				from = i
			}
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			to = i + utf8.RuneLen(r)
		case r == '\'' || r == '’' || r == 'ʼ' || r == '‘':
			// dropped: "don't" is "dont"
		default:
			flush()
		}
	}
	flush()
	return dst
}

// find returns where q first occurs as a run in ts, or -1. It is
// Knuth–Morris–Pratt, so that a repetitive transcript costs no more than
// any other: O(len(ts)+len(q)).
func find(ts, q []token) int {
	if len(q) == 0 || len(q) > len(ts) {
		return -1
	}
	// fail[i] is the length of the longest proper border of q[:i+1].
	fail := make([]int, len(q))
	for i, k := 1, 0; i < len(q); i++ {
		for k > 0 && q[i].text != q[k].text {
			k = fail[k-1]
		}
		if q[i].text == q[k].text {
			k++
		}
		fail[i] = k
	}
	for i, k := 0, 0; i < len(ts); i++ {
		for k > 0 && ts[i].text != q[k].text {
			k = fail[k-1]
		}
		if ts[i].text == q[k].text {
			k++
		}
		if k == len(q) {
			return i - len(q) + 1
		}
	}
	return -1
}

func joinWords(ws []viva.Word) string {
	var b strings.Builder
	for _, w := range ws {
		if t := strings.TrimSpace(w.Text); t != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		}
	}
	return b.String()
}
