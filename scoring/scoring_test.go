package scoring_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

func words(start int64, texts ...string) []viva.Word {
	var ws []viva.Word
	t := start
	for _, s := range texts {
		ws = append(ws, viva.Word{Text: s, StartMS: t, EndMS: t + 300, Confidence: 0.9})
		t += 400
	}
	return ws
}

func TestDelivery(t *testing.T) {
	t.Parallel()
	pause := words(0, "um", "I", "would", "use", "uh", "BM25")
	pause = append(pause, viva.Word{Text: "first", StartMS: 5000, EndMS: 5300})
	utts := []viva.Utterance{
		{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Text: "How would you retrieve?", StartMS: 0, EndMS: 2000},
		{ID: uuid.New(), Speaker: viva.SpeakerCandidate, StartMS: 0, EndMS: 6000, Words: pause},
		{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: "then rerank with a cross-encoder", StartMS: 10000, EndMS: 10000},
	}
	r := scoring.Score(scoring.Input{Utterances: utts})
	if r.Version != scoring.Version || len(r.Turns) != 2 {
		t.Fatalf("report: %+v", r)
	}
	d := r.Delivery
	if d.CandidateTurns != 2 || d.Words != 12 || d.Fillers != 2 || d.LongPauses != 1 || d.SpeakingMS != 6000 {
		t.Fatalf("delivery: %+v", d)
	}
	if r.Turns[0].WordsPerMinute != 70 { // 7 words in 6 s
		t.Fatalf("pace: %v wpm", r.Turns[0].WordsPerMinute)
	}
	if d.FillerRate != 16.7 {
		t.Fatalf("filler rate: %v", d.FillerRate)
	}
}

func TestEmptyTranscript(t *testing.T) {
	t.Parallel()
	r := scoring.Score(scoring.Input{})
	if r.Delivery.Words != 0 || r.Delivery.MedianLatencyMS != -1 || r.Turns == nil || r.Overall != 0 ||
		r.Improvements == nil || len(r.Dimensions) != 5 || r.Judged || r.Reason == "" {
		t.Fatalf("empty transcript: %+v", r)
	}
}
