package scoring

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/viva-interview/viva"
)

// Question is one question asked in the interview, with its rubric.
type Question struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Behavioral bool   `json:"behavioral"`
	Rubric     Rubric `json:"rubric"`
}

// Input is what a report is made from: the transcript, the questions asked
// (their rubrics) and the probes the interviewer asked.
type Input struct {
	Utterances []viva.Utterance
	Questions  []Question
	Probes     []viva.Probe
}

// Report is the scorer's verdict, stored as JSON. Every judgement points
// at evidence: quoted words with their utterance and time.
type Report struct {
	Version int `json:"version"`
	// Judged says the report judges the answers. When it cannot (nothing
	// the candidate said was recognised, or no rubric for the questions
	// asked), Reason says why and Overall and the dimensions are 0: never
	// a made-up score. Delivery figures are reported either way.
	Judged bool   `json:"judged"`
	Reason string `json:"reason,omitempty"`
	// Overall is 0–100; docs/scoring.md gives the formula.
	Overall      int              `json:"overall"`
	Dimensions   []Dimension      `json:"dimensions"`
	Questions    []QuestionReport `json:"questions"`
	Improvements []Improvement    `json:"improvements"`
	Delivery     Delivery         `json:"delivery"`
	Turns        []Turn           `json:"turns"`
}

// Dimension is one reasoning or delivery dimension, 0–100.
type Dimension struct {
	Name     string     `json:"name"` // content, tradeoffs, production, structure, star, delivery
	Label    string     `json:"label"`
	Score    int        `json:"score"`
	Weight   float64    `json:"weight"` // its share of Overall
	Notes    []string   `json:"notes"`
	Evidence []Evidence `json:"evidence"`
}

// QuestionReport is one question's coverage.
type QuestionReport struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	StartMS int64  `json:"start_ms"`
	// Coverage is the weighted share of the rubric's concepts credited,
	// 0–100: a concept hit unprompted counts fully, one hit only after a
	// probe on it 60%, a partial half of that.
	Coverage  int             `json:"coverage"`
	Concepts  []ConceptResult `json:"concepts"`
	Tradeoffs []ItemCoverage  `json:"tradeoffs"`
	RedFlags  []ItemCoverage  `json:"red_flags"`
	Stages    []ItemCoverage  `json:"stages"`
}

// ConceptResult is one rubric concept's verdict.
type ConceptResult struct {
	ConceptCoverage
	Label string `json:"label"`
	// Prompted says the concept was credited only after the interviewer
	// probed it (ProbedMS).
	Prompted bool  `json:"prompted"`
	ProbedMS int64 `json:"probed_ms,omitempty"`
}

// Improvement is one of the most valuable things to work on, tied to a
// missed concept or a measured habit.
type Improvement struct {
	Title    string `json:"title"`
	Detail   string `json:"detail"`
	Question string `json:"question,omitempty"`
	Concept  string `json:"concept,omitempty"`
}

// Dimension weights in Overall (content is the rubric coverage).
var weights = map[string]float64{"content": 0.5, "tradeoffs": 0.15, "production": 0.15, "structure": 0.1, "delivery": 0.1}

// Credit factors.
const (
	PromptedCredit = 0.6  // a concept hit only after a probe on it
	RedFlagPenalty = 10.0 // points off content per red flag raised, at most three
	// ExplainShare is the part of the content score that needs reasons:
	// an answer that names concepts without ever saying why keeps the rest.
	ExplainShare = 0.25
)

// Score makes the report of an interview. It is pure and deterministic.
func Score(in Input) Report {
	r := Report{Version: Version}
	r.Delivery, r.Turns = delivery(in.Utterances)
	r.Delivery.Latencies, r.Delivery.MedianLatencyMS = latencies(in.Utterances)
	r.Delivery.Hedges = hedges(in.Utterances)

	segs := segment(in)
	var content, contentW float64
	var prodEvidence []Evidence
	aspects := map[string]bool{}
	var tradeHit, tradeAll, stageScore, stageN float64
	var tradeEv, stageEv []Evidence
	var flags int
	for i, q := range in.Questions {
		us := segs[i]
		cov := NewMatcher(q.Rubric).Cover(us)
		qr := QuestionReport{ID: q.ID, Title: q.Title, Tradeoffs: cov.Tradeoffs, RedFlags: cov.RedFlags, Stages: cov.Stages}
		if len(us) > 0 {
			qr.StartMS = us[0].StartMS
		}
		var got, total float64
		for j, c := range cov.Concepts {
			concept := q.Rubric.Concepts[j]
			cr := ConceptResult{ConceptCoverage: c, Label: concept.Label}
			if p, ok := probeOf(in.Probes, q.ID, c.ID); ok {
				cr.ProbedMS = p.AskedMS
				cr.Prompted = c.State != Missed && (len(c.Evidence) == 0 || c.Evidence[0].StartMS >= p.AskedMS)
				r.Delivery.Probes++
				if coveredAfter(c, p.AskedMS) {
					r.Delivery.Recovered++
				}
			}
			credit := map[State]float64{Hit: 1, Partial: 0.5}[c.State]
			if cr.Prompted {
				credit *= PromptedCredit
			}
			got += credit * c.Weight
			total += c.Weight
			if c.State != Missed && concept.Aspect != "" && concept.Aspect != "tradeoff" {
				if !aspects[concept.Aspect] && len(c.Evidence) > 0 {
					prodEvidence = append(prodEvidence, c.Evidence[0])
				}
				aspects[concept.Aspect] = true
			}
			qr.Concepts = append(qr.Concepts, cr)
		}
		if total > 0 {
			qr.Coverage = int(math.Round(100 * got / total))
			content += got / total
			contentW++
		}
		for _, t := range cov.Tradeoffs {
			tradeAll++
			if t.State != Missed {
				tradeHit++
				tradeEv = append(tradeEv, t.Evidence...)
			}
		}
		for _, rf := range cov.RedFlags {
			if rf.State == Hit {
				flags++
			}
		}
		if n := len(cov.Stages); n > 0 {
			reached := 0
			for _, st := range cov.Stages {
				if st.State != Missed {
					reached++
					stageEv = append(stageEv, st.Evidence...)
				}
			}
			stageScore += float64(reached) / float64(n)
			stageN++
		}
		r.Questions = append(r.Questions, qr)
	}

	// A bare list of concepts is not an answer: coverage counts fully only
	// with about one reason given for every two concepts credited.
	reasons := reasoning(in.Utterances)
	hits := 0
	for _, qr := range r.Questions {
		for _, c := range qr.Concepts {
			if c.State != Missed {
				hits++
			}
		}
	}
	explained := 1.0
	if hits > 0 {
		explained = math.Min(1, float64(len(reasons))/math.Max(1, float64(hits)/2))
	}
	contentScore := 0.0
	if contentW > 0 {
		contentScore = 100 * content / contentW * (1 - ExplainShare + ExplainShare*explained)
	}
	contentScore = math.Max(0, contentScore-RedFlagPenalty*float64(min(flags, 3)))
	r.Dimensions = append(r.Dimensions, Dimension{Name: "content", Label: "Rubric concepts covered", Score: int(math.Round(contentScore)),
		Notes: []string{fmt.Sprintf("%d concepts credited, %d reasons given", hits, len(reasons)), fmt.Sprintf("%d red flag(s) raised", flags)}})

	tradeScore := 0.0
	if tradeAll > 0 {
		tradeScore = 70 * tradeHit / tradeAll
	}
	tradeScore += math.Min(30, 6*float64(len(reasons)))
	r.Dimensions = append(r.Dimensions, Dimension{Name: "tradeoffs", Label: "Tradeoff reasoning", Score: clamp(tradeScore),
		Notes:    []string{fmt.Sprintf("%g of %g tradeoffs named; %d reasons given (because, instead of, rather than, …)", tradeHit, tradeAll, len(reasons))},
		Evidence: firstN(append(tradeEv, reasons...), MaxEvidence)})

	var named []string
	for _, a := range []string{"evaluation", "monitoring", "cost", "latency", "security", "failure", "scale", "data"} {
		if aspects[a] {
			named = append(named, a)
		}
	}
	r.Dimensions = append(r.Dimensions, Dimension{Name: "production", Label: "Production awareness", Score: clamp(100 * float64(len(named)) / 5),
		Notes: []string{"covered: " + cmp.Or(strings.Join(named, ", "), "none") + " (five aspects make 100)"}, Evidence: firstN(prodEvidence, MaxEvidence)})

	structure := 0.0
	if stageN > 0 {
		structure = 100 * stageScore / stageN
	}
	r.Dimensions = append(r.Dimensions, Dimension{Name: "structure", Label: "Structure (clarify → design → evaluate → operate; STAR)", Score: clamp(structure),
		Evidence: firstN(stageEv, MaxEvidence)})

	if star, ok := starDimension(in, segs); ok {
		r.Dimensions = append(r.Dimensions, star)
	}
	r.Dimensions = append(r.Dimensions, deliveryDimension(r.Delivery))

	var overall float64
	behavioral := 0
	for _, q := range in.Questions {
		if q.Behavioral {
			behavioral++
		}
	}
	for i := range r.Dimensions {
		r.Dimensions[i].Weight = weights[r.Dimensions[i].Name]
		if behavioral > 0 { // STAR takes the structure's share for behavioral questions
			share := float64(behavioral) / float64(len(in.Questions))
			switch r.Dimensions[i].Name {
			case "structure":
				r.Dimensions[i].Weight = weights["structure"] * (1 - share)
			case "star":
				r.Dimensions[i].Weight = weights["structure"] * share
			}
		}
		overall += r.Dimensions[i].Weight * float64(r.Dimensions[i].Score)
		if r.Dimensions[i].Evidence == nil {
			r.Dimensions[i].Evidence = []Evidence{}
		}
	}
	r.Overall = clamp(overall)
	r.Improvements = improvements(r, in)
	r.Judged = true
	switch {
	case r.Delivery.Words == 0:
		r.Judged, r.Reason = false, "the candidate said nothing that was recognised"
	case contentW == 0:
		r.Judged, r.Reason = false, "no rubric with concepts for the questions asked"
	}
	if !r.Judged {
		r.Overall = 0
		for i := range r.Dimensions {
			r.Dimensions[i].Score = 0
		}
		r.Improvements = []Improvement{}
	}
	return r
}

// segment splits the candidate's utterances by question: those from a
// question's first prompt to the next question's belong to it. Questions
// are found by the interviewer utterances whose Engine is "prompt:<id>";
// without any, everything belongs to the first question.
func segment(in Input) [][]viva.Utterance {
	segs := make([][]viva.Utterance, len(in.Questions))
	if len(in.Questions) == 0 {
		return segs
	}
	starts := make([]int64, len(in.Questions))
	for i := range starts {
		starts[i] = math.MaxInt64
	}
	starts[0] = math.MinInt64
	for _, u := range in.Utterances {
		if u.Speaker != viva.SpeakerInterviewer {
			continue
		}
		id := strings.TrimPrefix(u.Engine, "prompt:")
		for i, q := range in.Questions {
			if i > 0 && q.ID == id && u.StartMS < starts[i] {
				starts[i] = u.StartMS
			}
		}
	}
	for _, u := range in.Utterances {
		if u.Speaker != viva.SpeakerCandidate {
			continue
		}
		at := 0
		for i := range starts {
			if u.StartMS >= starts[i] {
				at = i
			}
		}
		segs[at] = append(segs[at], u)
	}
	return segs
}

// coveredAfter says whether the concept was credited with words said
// after ms.
func coveredAfter(c ConceptCoverage, ms int64) bool {
	if c.State == Missed {
		return false
	}
	for _, ev := range c.Evidence {
		if ev.StartMS >= ms {
			return true
		}
	}
	return false
}

var (
	numberRE     = regexp.MustCompile(`\b(\d+|percent|per cent|half|twice|double|doubled|triple|tripled|ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion)\b`)
	reflectionRE = regexp.MustCompile(`\b(i learned|i learnt|lesson|next time|in hindsight|looking back|i would do differently|i'd do differently|taught me)\b`)
	firstPerson  = regexp.MustCompile(`\b(i|i'd|i'm|i've|my|me)\b`)
	weWords      = regexp.MustCompile(`\b(we|we'd|we're|we've|our|us)\b`)
)

// starDimension judges behavioral answers: the STAR stages reached (from
// their rubrics), ownership (speaking of what "I" did, not only "we"), a
// quantified result, and reflection. It applies only when a behavioral
// question was asked.
func starDimension(in Input, segs [][]viva.Utterance) (Dimension, bool) {
	var stages, stagesN float64
	var text strings.Builder
	var ev []Evidence
	found := false
	for i, q := range in.Questions {
		if !q.Behavioral {
			continue
		}
		found = true
		cov := NewMatcher(q.Rubric).Cover(segs[i])
		for _, st := range cov.Stages {
			stagesN++
			if st.State != Missed {
				stages++
				ev = append(ev, st.Evidence...)
			}
		}
		for _, u := range segs[i] {
			text.WriteString(strings.ToLower(u.Text) + " ")
		}
	}
	if !found {
		return Dimension{}, false
	}
	t := text.String()
	score := 0.0
	var notes []string
	if stagesN > 0 {
		score += 40 * stages / stagesN
		notes = append(notes, fmt.Sprintf("%g of %g STAR stages reached", stages, stagesN))
	}
	i, we := len(firstPerson.FindAllStringIndex(t, -1)), len(weWords.FindAllStringIndex(t, -1))
	if i+we > 0 {
		own := float64(i) / float64(i+we)
		score += 20 * math.Min(1, own/0.5)
		notes = append(notes, fmt.Sprintf("ownership: %d \"I\" to %d \"we\"", i, we))
	}
	if numberRE.MatchString(t) {
		score += 20
		notes = append(notes, "a quantified result")
	} else {
		notes = append(notes, "no number in the result")
	}
	if reflectionRE.MatchString(t) {
		score += 20
		notes = append(notes, "reflection on what was learned")
	} else {
		notes = append(notes, "no reflection")
	}
	return Dimension{Name: "star", Label: "STAR, ownership, a quantified result, reflection", Score: clamp(score),
		Notes: notes, Evidence: firstN(ev, MaxEvidence)}, true
}

func probeOf(ps []viva.Probe, question, target string) (viva.Probe, bool) {
	for _, p := range ps {
		if p.Question == question && p.Target == target {
			return p, true
		}
	}
	return viva.Probe{}, false
}

var (
	reasonRE = regexp.MustCompile(`\b(because|since|so that|instead of|rather than|over|trade ?off|which means|the downside|the cost of|unless|otherwise|at the expense of|compared to)\b`)
	hedgeRE  = regexp.MustCompile(`\b(maybe|i guess|i suppose|sort of|kind of|probably|i'm not sure|not sure|perhaps)\b`)
)

// reasoning finds the candidate's explanations: clauses that give a reason
// or weigh an alternative.
func reasoning(us []viva.Utterance) []Evidence {
	var out []Evidence
	for _, u := range us {
		if u.Speaker != viva.SpeakerCandidate {
			continue
		}
		text := strings.ToLower(u.Text)
		for _, loc := range reasonRE.FindAllStringIndex(text, -1) {
			from := max(0, loc[0]-60)
			to := min(len(u.Text), loc[1]+60)
			out = append(out, Evidence{UtteranceID: u.ID, StartMS: u.StartMS, EndMS: u.EndMS, Quote: strings.TrimSpace(u.Text[from:to]),
				Cue: text[loc[0]:loc[1]], Confidence: 1})
		}
	}
	return out
}

func hedges(us []viva.Utterance) int {
	n := 0
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			n += len(hedgeRE.FindAllStringIndex(strings.ToLower(u.Text), -1))
		}
	}
	return n
}

// latencies measures the silence from the end of each interviewer prompt
// to the candidate's next utterance.
func latencies(us []viva.Utterance) ([]Latency, int64) {
	out := []Latency{}
	for i, u := range us {
		if u.Speaker != viva.SpeakerInterviewer {
			continue
		}
		for _, next := range us[i+1:] {
			if next.Speaker == viva.SpeakerInterviewer {
				break
			}
			if next.StartMS >= u.EndMS {
				id := strings.TrimPrefix(u.Engine, "prompt:")
				out = append(out, Latency{PromptID: id, Probe: strings.Count(id, ".") > 1, EndMS: u.EndMS, MS: next.StartMS - u.EndMS})
				break
			}
		}
	}
	if len(out) == 0 {
		return out, -1
	}
	ms := make([]int64, len(out))
	for i, l := range out {
		ms[i] = l.MS
	}
	slices.Sort(ms)
	return out, ms[len(ms)/2]
}

// deliveryDimension scores pace (120–170 words a minute is best), fillers,
// hedges, long pauses and response latency.
func deliveryDimension(d Delivery) Dimension {
	score := 100.0
	var notes []string
	if d.Words == 0 {
		return Dimension{Name: "delivery", Label: "Delivery under pressure", Score: 0, Notes: []string{"nothing was said"}}
	}
	switch {
	case d.WordsPerMinute > 0 && d.WordsPerMinute < 100:
		score -= math.Min(30, (100-d.WordsPerMinute)/2)
		notes = append(notes, fmt.Sprintf("slow: %.0f words a minute", d.WordsPerMinute))
	case d.WordsPerMinute > 190:
		score -= math.Min(30, (d.WordsPerMinute-190)/2)
		notes = append(notes, fmt.Sprintf("fast: %.0f words a minute", d.WordsPerMinute))
	}
	if d.FillerRate > 2 {
		score -= math.Min(25, 5*(d.FillerRate-2))
		notes = append(notes, fmt.Sprintf("%.1f fillers per 100 words", d.FillerRate))
	}
	if h := 100 * float64(d.Hedges) / float64(d.Words); h > 1.5 {
		score -= math.Min(15, 5*(h-1.5))
		notes = append(notes, fmt.Sprintf("%d hedges", d.Hedges))
	}
	score -= math.Min(15, 3*float64(d.LongPauses))
	if d.MedianLatencyMS > 5000 {
		score -= math.Min(15, float64(d.MedianLatencyMS-5000)/1000)
		notes = append(notes, fmt.Sprintf("median %.1f s before answering", float64(d.MedianLatencyMS)/1000))
	}
	return Dimension{Name: "delivery", Label: "Delivery under pressure", Score: clamp(score), Notes: notes}
}

// improvements picks the three most valuable things to work on: the
// heaviest concepts missed (or only given when probed), a red flag, and the
// weakest dimension's habit.
func improvements(r Report, in Input) []Improvement {
	type cand struct {
		imp   Improvement
		value float64
	}
	var cands []cand
	for i, qr := range r.Questions {
		q := in.Questions[i]
		for j, c := range qr.Concepts {
			concept := q.Rubric.Concepts[j]
			switch {
			case c.State == Missed:
				cands = append(cands, cand{Improvement{Title: "Cover " + lowerFirstRune(c.Label), Question: q.ID, Concept: c.ID,
					Detail: fmt.Sprintf("Missed in %q. Next time, ask yourself: %s", q.Title, concept.Probe)}, c.Weight})
			case c.Prompted:
				cands = append(cands, cand{Improvement{Title: "Raise " + lowerFirstRune(c.Label) + " before you are asked", Question: q.ID, Concept: c.ID,
					Detail: fmt.Sprintf("You covered it only after the interviewer probed it in %q.", q.Title)}, 0.6 * c.Weight})
			}
		}
		for k, rf := range qr.RedFlags {
			if rf.State == Hit {
				flag := q.Rubric.RedFlags[k]
				cands = append(cands, cand{Improvement{Title: "Avoid: " + lowerFirstRune(flag.Label), Question: q.ID, Concept: flag.ID, Detail: flag.Why}, 4})
			}
		}
	}
	for _, d := range r.Dimensions {
		if d.Name == "content" || d.Score >= 70 {
			continue
		}
		advice := map[string][2]string{
			"tradeoffs":  {"Name alternatives and say why you chose yours", "Say what you would not use and why: \"X over Y because…\"."},
			"production": {"Talk about evaluation, monitoring, cost and failure modes", "Production interviews reward how you would know it works and what it costs."},
			"structure":  {"Clarify requirements first, then design, then evaluation and operations", "A clear arc makes a long answer easy to follow."},
			"delivery":   {"Steady your delivery", "Pace, fillers and pauses were measured from your words."},
			"star":       {"Tell stories as STAR, with your own part and a number", "Situation, task, what you did (\"I\"), the result with a number, and what you learned."},
		}[d.Name]
		detail := strings.Join(append([]string{advice[1]}, d.Notes...), " ")
		cands = append(cands, cand{Improvement{Title: advice[0], Detail: detail}, float64(70-d.Score) / 35})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.value, a.value) })
	out := []Improvement{}
	for _, c := range cands[:min(3, len(cands))] {
		out = append(out, c.imp)
	}
	return out
}

func lowerFirstRune(s string) string {
	r := []rune(s)
	if len(r) > 1 && r[0] >= 'A' && r[0] <= 'Z' && !(r[1] >= 'A' && r[1] <= 'Z') {
		r[0] += 'a' - 'A'
	}
	return string(r)
}

func clamp(x float64) int { return int(math.Round(math.Max(0, math.Min(100, x)))) }

func firstN(ev []Evidence, n int) []Evidence {
	if len(ev) > n {
		ev = ev[:n]
	}
	return ev
}
