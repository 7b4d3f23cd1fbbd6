// Package scoring turns an interview transcript into a report. It is pure
// and deterministic: the same transcript always gives the same report.
//
// It owns the rubric format the question bank uses (Rubric), the matching
// of a rubric's concepts, tradeoffs, challenges, red flags and structure
// against what the candidate said, robust to speech-recognition errors and
// deaf to dismissals (Cover, which the interviewer uses live after every
// answer), and the report, which so far measures delivery from word
// timings (pace, fillers, long pauses, speaking time).
package scoring

import (
	"strings"

	"github.com/viva-interview/viva"
)

// Version of the report format this package writes.
const Version = 2

// Delivery summarises how the candidate spoke over the whole interview.
type Delivery struct {
	CandidateTurns int     `json:"candidate_turns"`
	Words          int     `json:"words"`
	SpeakingMS     int64   `json:"speaking_ms"`
	WordsPerMinute float64 `json:"words_per_minute"`
	Fillers        int     `json:"fillers"`
	FillerRate     float64 `json:"filler_rate"` // fillers per 100 words
	LongPauses     int     `json:"long_pauses"` // gaps between words of at least LongPauseMS
	Hedges         int     `json:"hedges"`      // "maybe", "I guess", "sort of", ...
	// Latencies are the silences between the end of each interviewer prompt
	// and the candidate's reply, in order.
	Latencies []Latency `json:"latencies"`
	// MedianLatencyMS is their median; -1 without any.
	MedianLatencyMS int64 `json:"median_latency_ms"`
	// Probes is how many probes asked about a rubric concept, Recovered
	// how many of them the candidate's next words then covered: holding up
	// when probed.
	Probes    int `json:"probes"`
	Recovered int `json:"recovered"`
}

// Latency is the candidate's response time to one prompt.
type Latency struct {
	PromptID string `json:"prompt_id"`
	Probe    bool   `json:"probe"`
	EndMS    int64  `json:"prompt_end_ms"`
	MS       int64  `json:"ms"`
}

// Turn is one candidate utterance's delivery figures.
type Turn struct {
	UtteranceID    string  `json:"utterance_id"`
	StartMS        int64   `json:"start_ms"`
	Words          int     `json:"words"`
	WordsPerMinute float64 `json:"words_per_minute"`
	Fillers        int     `json:"fillers"`
	LongPauses     int     `json:"long_pauses"`
}

// LongPauseMS is the gap between two words that counts as a long pause.
const LongPauseMS = 2000

var fillers = map[string]bool{"um": true, "uh": true, "erm": true, "er": true, "hmm": true, "uhm": true, "ah": true}

// delivery measures how the candidate spoke across the transcript.
func delivery(utterances []viva.Utterance) (Delivery, []Turn) {
	r := Report{Turns: []Turn{}}
	for _, u := range utterances {
		if u.Speaker != viva.SpeakerCandidate {
			continue
		}
		turn := Turn{UtteranceID: u.ID.String(), StartMS: u.StartMS}
		words := u.Words
		if len(words) == 0 { // text without timings: count words, skip pace
			for _, f := range strings.Fields(u.Text) {
				words = append(words, viva.Word{Text: f})
			}
		}
		for i, w := range words {
			turn.Words++
			if fillers[strings.Trim(strings.ToLower(w.Text), ".,!?")] {
				turn.Fillers++
			}
			if i > 0 && w.StartMS-words[i-1].EndMS >= LongPauseMS {
				turn.LongPauses++
			}
		}
		span := u.EndMS - u.StartMS
		if span > 0 {
			turn.WordsPerMinute = round1(float64(turn.Words) / (float64(span) / 60000))
		}
		r.Turns = append(r.Turns, turn)
		r.Delivery.CandidateTurns++
		r.Delivery.Words += turn.Words
		r.Delivery.Fillers += turn.Fillers
		r.Delivery.LongPauses += turn.LongPauses
		r.Delivery.SpeakingMS += span
	}
	if r.Delivery.SpeakingMS > 0 {
		r.Delivery.WordsPerMinute = round1(float64(r.Delivery.Words) / (float64(r.Delivery.SpeakingMS) / 60000))
	}
	if r.Delivery.Words > 0 {
		r.Delivery.FillerRate = round1(100 * float64(r.Delivery.Fillers) / float64(r.Delivery.Words))
	}
	return r.Delivery, r.Turns
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
