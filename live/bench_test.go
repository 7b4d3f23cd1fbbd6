package live_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/call"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/live"
)

// BenchmarkTurnLatency runs an interview of eight answers with the embedded
// engines (PocketSphinx, flite) over WebRTC on loopback and reports the
// turn latency: from the end of the candidate's speech in the WAV to the
// first RTP packet of the interviewer's reply, as the candidate measures
// it. It includes the end-of-turn silence (800 ms by default); the target
// is a p50 within 250 ms of it.
func BenchmarkTurnLatency(b *testing.B) {
	answers := []string{
		"We split each document into overlapping chunks of a few hundred tokens.",
		"I would use a hybrid retriever with keyword search and dense embeddings.",
		"A reranker then orders the top fifty passages before the model sees them.",
		"We measure recall at ten on a labelled set of questions.",
		"Latency matters, so we cache embeddings and keep the index in memory.",
		"For cost we route easy questions to a smaller model.",
		"We monitor retrieval quality and user feedback in production.",
		"If the corpus grew a hundred times we would shard the index.",
	}
	var prompts []interviewer.Prompt
	for i := range answers {
		prompts = append(prompts, interviewer.Prompt{ID: fmt.Sprintf("q%d", i), Kind: interviewer.KindProbe, Text: "Go on: what comes next?"})
	}
	h := newHarness(b, func(c *live.Config) {
		c.Interviewer = func(*viva.Session) (live.Interviewer, error) { return &live.Script{Prompts: prompts}, nil }
	})
	var as []call.Answer
	for _, a := range answers {
		ans, _ := say(b, 0, a)
		as = append(as, ans)
	}
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		res, err := call.Run(ctx, call.Config{Server: h.url, Minutes: 20, Answers: as})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range res.Turns {
			if t.Latency > 0 {
				lat = append(lat, t.Latency)
			}
		}
	}
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatal("no reply measured")
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(float64(len(lat)), "turns")
}
