package whisper

import (
	"math"
	"strings"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/stt"
)

// unknownConfidence is given to words when the reply has no segments to
// derive a confidence from (a plain "json" reply from a server that ignores
// response_format=verbose_json).
const unknownConfidence = 0.5

// Reasons for an empty Result.
const (
	reasonEmpty    = "audio is empty"
	reasonSilent   = "audio is silent"
	reasonShort    = "audio is too short to transcribe"
	reasonNoSpeech = "no speech recognised"
)

// span is a stretch of the utterance in seconds with the confidence the
// engine gave it; segments of the reply become spans.
type span struct {
	start, end float64
	conf       float64
	text       string
}

// mapReply turns a verbose_json reply into a Result (without Engine) for
// audio of durMS milliseconds starting at startMS on the interview's time
// base.
//
// Words keep the engine's case; punctuation around them is trimmed. Times
// are clamped into the utterance and made monotone: every word starts no
// earlier than the one before it and ends no earlier than it starts.
//
// Confidence: Whisper's words carry none, so each word takes the confidence
// of the segment around it, exp(avg_logprob) * (1 - no_speech_prob), each
// factor clamped to [0, 1]. exp(avg_logprob) is the geometric mean of the
// segment's token probabilities; Whisper itself treats a segment whose
// avg_logprob is below -1 (about 0.37) as a failed decode, and one whose
// no_speech_prob is above 0.6 as probably silence, so both pull the
// confidence down. Without segments, words get unknownConfidence.
//
// When the reply has text but no words (a server that ignores word
// timestamps), each segment's text is split on spaces and its words are
// spread evenly over the segment's time; without segments, over the whole
// utterance.
func mapReply(r *openai.AudioResponse, startMS, durMS int64) stt.Result {
	startMS = max(startMS, 0)
	durMS = max(durMS, 0)
	spans := segmentSpans(r)

	var words []viva.Word
	if len(r.Words) > 0 {
		words = make([]viva.Word, 0, len(r.Words))
		for _, w := range r.Words {
			text := normaliseWord(w.Word)
			if text == "" {
				continue
			}
			words = append(words, viva.Word{
				Text:       text,
				StartMS:    toMS(w.Start, startMS, durMS),
				EndMS:      toMS(w.End, startMS, durMS),
				Confidence: confidenceAt(spans, (w.Start+w.End)/2),
			})
		}
	}
	if len(words) == 0 {
		words = spreadText(r, spans, startMS, durMS)
	}
	monotone(words)

	if len(words) == 0 {
		return stt.Result{Reason: reasonNoSpeech}
	}
	text := strings.Join(strings.Fields(r.Text), " ")
	if text == "" {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = w.Text
		}
		text = strings.Join(parts, " ")
	}
	return stt.Result{Text: text, Words: words}
}

// segmentSpans gives the reply's segments as spans, in reply order.
func segmentSpans(r *openai.AudioResponse) []span {
	spans := make([]span, 0, len(r.Segments))
	for _, s := range r.Segments {
		spans = append(spans, span{
			start: s.Start,
			end:   max(s.Start, s.End),
			conf:  clamp01(math.Exp(s.AvgLogprob)) * (1 - clamp01(s.NoSpeechProb)),
			text:  s.Text,
		})
	}
	return spans
}

// confidenceAt is the confidence of the span containing t seconds, or of
// the nearest span when none contains it.
func confidenceAt(spans []span, t float64) float64 {
	if len(spans) == 0 {
		return unknownConfidence
	}
	best, bestDist := 0, math.Inf(1)
	for i, s := range spans {
		var d float64
		switch {
		case t < s.start:
			d = s.start - t
		case t > s.end:
			d = t - s.end
		}
		if d < bestDist {
			best, bestDist = i, d
		}
		if d == 0 {
			break
		}
	}
	return clamp01(spans[best].conf)
}

// spreadText makes words from text without word timestamps: each segment's
// words evenly over the segment, or the whole text over the utterance.
func spreadText(r *openai.AudioResponse, spans []span, startMS, durMS int64) []viva.Word {
	var words []viva.Word
	for _, s := range spans {
		words = appendSpread(words, s, startMS, durMS)
	}
	if len(words) == 0 {
		whole := span{start: 0, end: float64(durMS) / 1000, conf: unknownConfidence, text: r.Text}
		words = appendSpread(words, whole, startMS, durMS)
	}
	return words
}

func appendSpread(words []viva.Word, s span, startMS, durMS int64) []viva.Word {
	var texts []string
	for _, f := range strings.Fields(s.text) {
		if t := normaliseWord(f); t != "" {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 {
		return words
	}
	step := (s.end - s.start) / float64(len(texts))
	for i, t := range texts {
		a := s.start + float64(i)*step
		words = append(words, viva.Word{
			Text:       t,
			StartMS:    toMS(a, startMS, durMS),
			EndMS:      toMS(a+step, startMS, durMS),
			Confidence: clamp01(s.conf),
		})
	}
	return words
}

// monotone makes every word start no earlier than the one before it and end
// no earlier than it starts.
func monotone(words []viva.Word) {
	var prev int64
	for i := range words {
		w := &words[i]
		if i > 0 && w.StartMS < prev {
			w.StartMS = prev
		}
		w.EndMS = max(w.EndMS, w.StartMS)
		prev = w.StartMS
	}
}

// toMS converts sec seconds into the utterance to milliseconds on the
// interview's time base, clamped into the utterance.
func toMS(sec float64, startMS, durMS int64) int64 {
	ms := math.Round(sec * 1000)
	if !(ms > 0) { // negative or NaN
		ms = 0
	}
	if ms > float64(durMS) {
		ms = float64(durMS)
	}
	return startMS + int64(ms)
}

func clamp01(x float64) float64 {
	switch {
	case !(x > 0): // negative or NaN
		return 0
	case x > 1:
		return 1
	}
	return x
}

// Punctuation trimmed from the ends of a word. Characters that are part of
// technical terms ("C++", "C#", ".NET", "cross-encoder", "50%") stay.
const (
	leadingPunct  = "\"'“”‘’«»‹›([{¿¡—–…"
	trailingPunct = ".,!?;:\"'“”‘’«»‹›)]}…—–"
)

// normaliseWord trims white space and punctuation around a word, keeping
// its case.
func normaliseWord(w string) string {
	w = strings.TrimLeftFunc(w, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(leadingPunct, r)
	})
	return strings.TrimRightFunc(w, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(trailingPunct, r)
	})
}
