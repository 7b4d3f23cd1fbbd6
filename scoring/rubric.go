package scoring

import (
	"fmt"
	"slices"
	"strings"
)

// Rubric is what a good answer to one question covers: the concepts a
// grader listens for, the tradeoffs worth naming, the red flags, the
// structure expected and a model answer. The question bank carries one per
// question (docs/questions.md documents the file format); the interviewer
// probes what it is missing and the scorer reports on it.
type Rubric struct {
	Concepts    []Concept   `yaml:"concepts" json:"concepts"`
	Tradeoffs   []Tradeoff  `yaml:"tradeoffs" json:"tradeoffs,omitempty"`
	Challenges  []Challenge `yaml:"challenges" json:"challenges,omitempty"`
	RedFlags    []RedFlag   `yaml:"red_flags" json:"red_flags,omitempty"`
	Structure   []Stage     `yaml:"structure" json:"structure,omitempty"`
	ModelAnswer string      `yaml:"model_answer" json:"model_answer,omitempty"`
}

// Concept is one idea a good answer contains.
type Concept struct {
	// ID is unique within the rubric: lower-case words joined by '-'.
	ID    string `yaml:"id" json:"id"`
	Label string `yaml:"label" json:"label"`
	// Weight is the concept's share of the rubric, relative to the others
	// (0 < Weight ≤ 10; 1 is ordinary, 3 is central).
	Weight float64 `yaml:"weight" json:"weight"`
	// Cues are phrases that say the concept in speech: the words a
	// candidate would use, with synonyms and paraphrases ("overlapping
	// passages" for chunking). Matching ignores case, punctuation and word
	// endings.
	Cues []string `yaml:"cues" json:"cues"`
	// Probe is what the interviewer asks when the answer has not touched
	// the concept.
	Probe string `yaml:"probe" json:"probe"`
	// Aspect tags a concept a reasoning dimension counts: evaluation,
	// monitoring, cost, latency, security, failure, scale, data, tradeoff.
	Aspect string `yaml:"aspect" json:"aspect,omitempty"`
}

// Tradeoff is an alternative or a limit worth naming ("when would you not
// use an agent?"): credited when its cues are heard, probed when not.
type Tradeoff struct {
	ID    string   `yaml:"id" json:"id"`
	Label string   `yaml:"label" json:"label"`
	Cues  []string `yaml:"cues" json:"cues"`
	Probe string   `yaml:"probe" json:"probe"`
}

// Challenge questions a claim the candidate made: when any of When is
// heard, the interviewer may ask Ask ("why FAISS over a hosted store?").
type Challenge struct {
	ID   string   `yaml:"id" json:"id"`
	When []string `yaml:"when" json:"when"`
	Ask  string   `yaml:"ask" json:"ask"`
}

// RedFlag is something a careful grader marks down, such as fine-tuning
// to add knowledge that changes weekly.
type RedFlag struct {
	ID    string   `yaml:"id" json:"id"`
	Label string   `yaml:"label" json:"label"`
	Cues  []string `yaml:"cues" json:"cues"`
	Why   string   `yaml:"why" json:"why"`
}

// Stage is one step of the structure an answer is expected to follow, in
// order: clarify, design, deep-dive, evaluation, operations for a design
// question; situation, task, action, result (STAR) for a behavioral one.
type Stage struct {
	ID   string   `yaml:"id" json:"id"`
	Cues []string `yaml:"cues" json:"cues"`
}

// Stages are the structure stages a rubric may name.
var Stages = []string{"clarify", "design", "deep-dive", "evaluation", "operations", "situation", "task", "action", "result", "reflection"}

// Aspects are the concept aspects a rubric may name.
var Aspects = []string{"evaluation", "monitoring", "cost", "latency", "security", "failure", "scale", "data", "tradeoff"}

// RubricError is a problem with one field of a rubric; Field is its path,
// such as "concepts[2].weight".
type RubricError struct {
	Field   string
	Message string
}

func (e *RubricError) Error() string { return e.Field + ": " + e.Message }

// Limits on a rubric, so that a hostile file cannot make matching slow.
const (
	MaxConcepts  = 40
	MaxCues      = 40
	MaxCueRunes  = 80
	MaxTextRunes = 4000
)

// Validate checks r and returns the first problem as a *RubricError.
func (r *Rubric) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &RubricError{Field: field, Message: fmt.Sprintf(format, a...)}
	}
	if len(r.Concepts) == 0 && strings.TrimSpace(r.ModelAnswer) == "" {
		return bad("concepts", "a rubric needs concepts or a model answer")
	}
	if len(r.Concepts) > MaxConcepts {
		return bad("concepts", "%d concepts, at most %d", len(r.Concepts), MaxConcepts)
	}
	ids := map[string]string{}
	id := func(field, v string) error {
		if !validID(v) {
			return bad(field, "id %q must be lower-case letters, digits and '-'", v)
		}
		if prev, ok := ids[v]; ok {
			return bad(field, "id %q is already used by %s", v, prev)
		}
		ids[v] = field
		return nil
	}
	cues := func(field string, cs []string, required bool) error {
		if required && len(cs) == 0 {
			return bad(field, "at least one cue is required")
		}
		if len(cs) > MaxCues {
			return bad(field, "%d cues, at most %d", len(cs), MaxCues)
		}
		for i, c := range cs {
			if strings.TrimSpace(c) == "" {
				return bad(fmt.Sprintf("%s[%d]", field, i), "empty cue")
			}
			if len([]rune(c)) > MaxCueRunes {
				return bad(fmt.Sprintf("%s[%d]", field, i), "cue over %d characters", MaxCueRunes)
			}
		}
		return nil
	}
	text := func(field, v string, required bool) error {
		if required && strings.TrimSpace(v) == "" {
			return bad(field, "is required")
		}
		if len([]rune(v)) > MaxTextRunes {
			return bad(field, "over %d characters", MaxTextRunes)
		}
		return nil
	}
	for i, c := range r.Concepts {
		f := fmt.Sprintf("concepts[%d]", i)
		if err := id(f+".id", c.ID); err != nil {
			return err
		}
		if err := text(f+".label", c.Label, true); err != nil {
			return err
		}
		if !(c.Weight > 0 && c.Weight <= 10) {
			return bad(f+".weight", "weight %v must be above 0 and at most 10", c.Weight)
		}
		if err := cues(f+".cues", c.Cues, true); err != nil {
			return err
		}
		if err := text(f+".probe", c.Probe, true); err != nil {
			return err
		}
		if c.Aspect != "" && !slices.Contains(Aspects, c.Aspect) {
			return bad(f+".aspect", "unknown aspect %q (one of %s)", c.Aspect, strings.Join(Aspects, ", "))
		}
	}
	for i, t := range r.Tradeoffs {
		f := fmt.Sprintf("tradeoffs[%d]", i)
		if err := id(f+".id", t.ID); err != nil {
			return err
		}
		if err := text(f+".label", t.Label, true); err != nil {
			return err
		}
		if err := cues(f+".cues", t.Cues, true); err != nil {
			return err
		}
		if err := text(f+".probe", t.Probe, true); err != nil {
			return err
		}
	}
	for i, c := range r.Challenges {
		f := fmt.Sprintf("challenges[%d]", i)
		if err := id(f+".id", c.ID); err != nil {
			return err
		}
		if err := cues(f+".when", c.When, true); err != nil {
			return err
		}
		if err := text(f+".ask", c.Ask, true); err != nil {
			return err
		}
	}
	for i, rf := range r.RedFlags {
		f := fmt.Sprintf("red_flags[%d]", i)
		if err := id(f+".id", rf.ID); err != nil {
			return err
		}
		if err := text(f+".label", rf.Label, true); err != nil {
			return err
		}
		if err := cues(f+".cues", rf.Cues, true); err != nil {
			return err
		}
		if err := text(f+".why", rf.Why, true); err != nil {
			return err
		}
	}
	for i, s := range r.Structure {
		f := fmt.Sprintf("structure[%d]", i)
		if !slices.Contains(Stages, s.ID) {
			return bad(f+".id", "unknown stage %q (one of %s)", s.ID, strings.Join(Stages, ", "))
		}
		if err := cues(f+".cues", s.Cues, false); err != nil {
			return err
		}
	}
	return text("model_answer", r.ModelAnswer, false)
}

func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
