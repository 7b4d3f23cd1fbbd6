package interviewer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// Kind says what a prompt is for; the values are the signaling protocol's.
type Kind string

// Prompt kinds.
const (
	KindQuestion Kind = "question" // a main question (or the same again)
	KindProbe    Kind = "probe"    // a follow-up, a nudge, an acknowledgement
	KindWrapup   Kind = "wrapup"   // closing words
)

// Prompt is something the interviewer says.
type Prompt struct {
	ID   string
	Kind Kind
	Text string
}

// ProbeKind says why a probe was chosen.
type ProbeKind string

// Probe kinds.
const (
	ProbeMissed    ProbeKind = "missed"    // a rubric concept the answer has not touched
	ProbePartial   ProbeKind = "partial"   // a concept touched only in passing
	ProbeChallenge ProbeKind = "challenge" // a claim the candidate made
	ProbeTradeoff  ProbeKind = "tradeoff"  // an alternative or a "when not to" not named
	ProbeNudge     ProbeKind = "nudge"     // a long silence
)

// Probe is why a probe is asked: what it targets in the rubric.
type Probe struct {
	Question string    `json:"question"`
	Target   string    `json:"target"` // concept, tradeoff or challenge id
	Kind     ProbeKind `json:"kind"`
	Reason   string    `json:"reason"`
}

// Event is something that happened in the interview.
type Event interface{ event() }

// Events.
type (
	// Start: the candidate's audio arrived; the interview is live.
	Start struct{}
	// TurnStarted: the candidate began to speak.
	TurnStarted struct{}
	// Answer: the candidate finished speaking; Utterances are the final
	// transcripts of what they said since the last prompt (possibly none,
	// when nothing was recognised).
	Answer struct{ Utterances []viva.Utterance }
	// Said: the interviewer finished saying prompt ID, or was cut off.
	Said struct {
		ID          string
		Interrupted bool
		// Probe is the probe actually asked, when it is not the one the
		// Say named (an LLM chose one of its Alternatives).
		Probe *Probe
	}
	// Tick: the clock, about once a second; Elapsed is since Start.
	Tick struct{ Elapsed time.Duration }
)

func (Start) event()       {}
func (TurnStarted) event() {}
func (Answer) event()      {}
func (Said) event()        {}
func (Tick) event()        {}

// Action is something the interview should do.
type Action interface{ action() }

// Actions.
type (
	// Say speaks a prompt. Probe says why, for a probe chosen by the
	// policy; Alternatives are the other probes it considered, best first
	// (an LLM may pick among them and phrase the choice). Interrupt asks
	// to stop whatever the interviewer is saying first. Last says the
	// interview ends once it is said.
	Say struct {
		Prompt       Prompt
		Probe        *Probe
		Alternatives []Alternative
		Interrupt    bool
		Last         bool
	}
	// Notice is shown to the candidate.
	Notice struct{ Code, Message string }
	// Finish ends the interview: Reason is "completed" or "time_up".
	Finish struct{ Reason string }
)

// Alternative is another probe the policy considered.
type Alternative struct {
	Prompt Prompt
	Probe  Probe
}

func (Say) action()    {}
func (Notice) action() {}
func (Finish) action() {}

// Config tunes the interviewer. Zero values are the documented defaults.
type Config struct {
	// MaxProbes bounds the probes on one question. Default: 6 in a
	// system-design round, 2 per behavioral question, 1 per screen
	// question.
	MaxProbes int
	// Nudge is the silence after which the interviewer gently offers to
	// repeat the question. Default 20s.
	Nudge time.Duration
	// GiveUp is the further silence after a nudge that moves on. Default
	// 40s.
	GiveUp time.Duration
	// TimeLow is when the candidate is told time is running out. Default 2m.
	TimeLow time.Duration
}

// Phase is where the interview is.
type Phase string

// Phases (see docs/interviewer.md for the transitions).
const (
	PhaseWaiting   Phase = "waiting"   // before the candidate's audio arrives
	PhaseSpeaking  Phase = "speaking"  // the interviewer is saying a prompt
	PhaseListening Phase = "listening" // the candidate has the floor
	PhaseClosing   Phase = "closing"   // the closing words are being said
	PhaseDone      Phase = "done"
)

// State is the interviewer's state. Step never changes a State it is
// given; it returns a new one.
type State struct {
	Phase     Phase
	Q         int    // index of the current question in the plan
	Current   Prompt // the prompt being said or last said
	Question  Prompt // the current question as first asked
	Answer    []viva.Utterance
	Asked     []string // probe targets asked, "question/target"
	Probes    int      // probes asked on the current question
	AskedAt   time.Duration
	Elapsed   time.Duration
	Quiet     time.Duration // when the candidate last spoke or a prompt ended
	Speaking  bool          // the candidate is speaking
	Nudged    bool
	Warned    bool
	TimeUp    bool
	ThinkTill time.Duration // no nudges before this: the candidate asked for a moment
	Remark    string        // said before the next prompt ("about two minutes left")
	Seq       int           // makes probe ids unique
	Finish    string        // the end reason once the closing words are said
}

// Machine is the interviewer's policy for one interview: the plan and its
// configuration. Its Step is pure.
type Machine struct {
	plan Plan
	cfg  Config
}

// NewMachine returns the interviewer for a plan.
func NewMachine(plan Plan, cfg Config) (*Machine, error) {
	if len(plan.Questions) == 0 {
		return nil, ErrNoQuestions
	}
	if cfg.MaxProbes <= 0 {
		switch plan.Mode {
		case viva.ModeSystemDesign:
			cfg.MaxProbes = 6
		case viva.ModeBehavioral:
			cfg.MaxProbes = 2
		default:
			cfg.MaxProbes = 1
		}
	}
	if cfg.Nudge <= 0 {
		cfg.Nudge = 20 * time.Second
	}
	if cfg.GiveUp <= 0 {
		cfg.GiveUp = 40 * time.Second
	}
	if cfg.TimeLow <= 0 {
		cfg.TimeLow = 2 * time.Minute
	}
	return &Machine{plan: plan, cfg: cfg}, nil
}

// Plan returns the machine's plan.
func (m *Machine) Plan() Plan { return m.plan }

// Initial is the state before the interview starts.
func (m *Machine) Initial() State { return State{Phase: PhaseWaiting} }

// Texts lists what the interviewer knows it may say, for warming a voice
// cache: the questions and every probe of their rubrics.
func (m *Machine) Texts() []string {
	var out []string
	for i, q := range m.plan.Questions {
		out = append(out, m.ask(i, "").Text)
		for _, c := range q.Rubric.Concepts {
			out = append(out, c.Probe)
		}
		for _, t := range q.Rubric.Tradeoffs {
			out = append(out, t.Probe)
		}
	}
	return append(out, closing, timeUp, nudge)
}

// Greeting opens every interview, before its first question.
const Greeting = "Hello, and welcome. "

// Fixed words.
const (
	greeting = Greeting
	closing  = "That's all I wanted to ask. Thank you; your report will be ready in a moment."
	timeUp   = "We're out of time, so let's stop here. Thank you; your report will be ready in a moment."
	nudge    = "Take your time. Would you like me to repeat the question?"
	timeLow  = "We have about two minutes left. "
	thinkOK  = "Of course, take your time."
	moveOn   = "Let's move on. "
	skipped  = "Sure, let's skip it. "
)

// Step takes one event and returns the next state and what to do.
func (m *Machine) Step(s State, e Event) (State, []Action) {
	s.Answer = slices.Clone(s.Answer)
	s.Asked = slices.Clone(s.Asked)
	if s.Phase == PhaseDone {
		return s, nil
	}
	switch e := e.(type) {
	case Start:
		if s.Phase != PhaseWaiting {
			return s, nil
		}
		s.Question, s.AskedAt = m.ask(0, greeting), 0
		return m.say(s, s.Question, nil, nil)
	case TurnStarted:
		s.Speaking, s.Quiet = true, s.Elapsed
		return s, nil
	case Said:
		if e.ID != s.Current.ID {
			return s, nil
		}
		if e.Probe != nil && len(s.Asked) > 0 {
			s.Asked[len(s.Asked)-1] = e.Probe.Question + "/" + e.Probe.Target
		}
		if s.Phase == PhaseClosing {
			s.Phase = PhaseDone
			return s, []Action{Finish{Reason: s.Finish}}
		}
		s.Phase, s.Quiet = PhaseListening, s.Elapsed
		return s, nil
	case Answer:
		return m.answer(s, e.Utterances)
	case Tick:
		return m.tick(s, e.Elapsed)
	}
	return s, nil
}

// ask is the prompt of question i.
func (m *Machine) ask(i int, prefix string) Prompt {
	q := m.plan.Questions[i]
	return Prompt{ID: q.ID, Kind: KindQuestion, Text: prefix + q.Prompt}
}

// say speaks p, with any remark waiting before it.
func (m *Machine) say(s State, p Prompt, probe *Probe, alts []Alternative) (State, []Action) {
	if s.Remark != "" {
		p.Text = s.Remark + p.Text
		s.Remark = ""
	}
	if s.Phase != PhaseClosing {
		s.Phase = PhaseSpeaking
	}
	s.Current, s.Nudged = p, false
	return s, []Action{Say{Prompt: p, Probe: probe, Alternatives: alts, Last: s.Phase == PhaseClosing}}
}

// answer decides what follows the candidate's answer.
func (m *Machine) answer(s State, us []viva.Utterance) (State, []Action) {
	s.Speaking, s.Quiet = false, s.Elapsed
	if s.Phase == PhaseClosing || s.Phase == PhaseWaiting {
		return s, nil
	}
	var texts []string
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate && strings.TrimSpace(u.Text) != "" {
			s.Answer = append(s.Answer, u)
			texts = append(texts, u.Text)
		}
	}
	if len(texts) == 0 {
		return s, nil // nothing recognised: keep listening
	}
	said := strings.Join(texts, " ")
	in := intentOf(said)
	if in == intentNone && strings.HasPrefix(s.Current.ID, "nudge-") && affirmative.MatchString(strings.ToLower(said)) {
		in = intentRepeat // "yes please" to "would you like me to repeat the question?"
	}
	switch in {
	case intentRepeat:
		p := s.Current
		if p.Kind != KindQuestion && (strings.HasPrefix(p.ID, "nudge-") || strings.HasPrefix(p.ID, "ack-")) {
			p = s.Question
		}
		p.Text = "Sure. " + strings.TrimPrefix(p.Text, greeting)
		return m.say(s, p, nil, nil)
	case intentClarify:
		return m.say(s, m.clarify(s), nil, nil)
	case intentThink:
		s.ThinkTill = s.Elapsed + time.Minute
		s.Seq++
		return m.say(s, Prompt{ID: fmt.Sprintf("ack-%d", s.Seq), Kind: KindProbe, Text: thinkOK}, nil, nil)
	case intentSkip:
		return m.next(s, skipped)
	}
	return m.follow(s)
}

// follow is the follow-up policy: probe what the answer missed, challenge
// a claim, ask when not to use what was proposed, or move on.
func (m *Machine) follow(s State) (State, []Action) {
	q := m.plan.Questions[s.Q]
	if s.Probes >= m.cfg.MaxProbes || s.Elapsed-s.AskedAt >= m.questionBudget(s) {
		return m.next(s, "")
	}
	cands := m.candidates(s, q)
	if len(cands) == 0 {
		return m.next(s, "")
	}
	best := cands[0]
	s.Probes++
	s.Seq++
	s.Asked = append(s.Asked, q.ID+"/"+best.Probe.Target)
	p := best.Prompt
	p.ID = fmt.Sprintf("%s.%s.%d", q.ID, best.Probe.Target, s.Seq)
	return m.say(s, p, &best.Probe, cands[1:min(len(cands), 4)])
}

// candidates lists the probes worth asking now, best first: a claim just
// made, the missed concepts by weight, the tradeoffs not named, the
// concepts touched only in passing.
func (m *Machine) candidates(s State, q *Question) []Alternative {
	cov := scoring.Cover(q.Rubric, s.Answer)
	asked := func(id string) bool { return slices.Contains(s.Asked, q.ID+"/"+id) }
	var out []Alternative
	add := func(id string, kind ProbeKind, text, reason string) {
		if asked(id) {
			return
		}
		out = append(out, Alternative{
			Prompt: Prompt{Kind: KindProbe, Text: text},
			Probe:  Probe{Question: q.ID, Target: id, Kind: kind, Reason: reason},
		})
	}
	last := s.Answer[len(s.Answer)-1].ID
	for i, c := range cov.Challenges {
		if c.State == scoring.Missed {
			continue
		}
		for _, ev := range c.Evidence {
			if ev.UtteranceID == last { // the claim was just made
				ch := q.Rubric.Challenges[i]
				add(ch.ID, ProbeChallenge, ch.Ask, fmt.Sprintf("the candidate said %q", ev.Cue))
				break
			}
		}
	}
	for _, c := range cov.Missed() {
		concept := conceptByID(q.Rubric, c.ID)
		add(c.ID, ProbeMissed, concept.Probe, fmt.Sprintf("missed %q (weight %g)", concept.Label, concept.Weight))
	}
	for i, t := range cov.Tradeoffs {
		if t.State == scoring.Missed {
			tr := q.Rubric.Tradeoffs[i]
			add(tr.ID, ProbeTradeoff, tr.Probe, fmt.Sprintf("did not name %q", tr.Label))
		}
	}
	for _, c := range cov.Concepts {
		if c.State == scoring.Partial {
			concept := conceptByID(q.Rubric, c.ID)
			add(c.ID, ProbePartial, concept.Probe, fmt.Sprintf("only touched %q", concept.Label))
		}
	}
	return out
}

func conceptByID(r scoring.Rubric, id string) scoring.Concept {
	for _, c := range r.Concepts {
		if c.ID == id {
			return c
		}
	}
	return scoring.Concept{ID: id, Label: id}
}

// questionBudget is the time the current question may take: all but the
// last half minute of a single-question round, else the question's own
// budget.
func (m *Machine) questionBudget(s State) time.Duration {
	if len(m.plan.Questions) == 1 {
		return max(m.plan.Budget-30*time.Second, m.plan.Budget/2)
	}
	q := m.plan.Questions[s.Q]
	return time.Duration(q.Minutes * float64(time.Minute))
}

// next moves to the next question, or closes after the last; lead is
// said first ("Sure, let's skip it. ").
func (m *Machine) next(s State, lead string) (State, []Action) {
	if s.Q+1 >= len(m.plan.Questions) {
		return m.close(s, lead+closing, "completed", false)
	}
	s.Q++
	s.Answer, s.Probes, s.AskedAt = nil, 0, s.Elapsed
	if lead == "" {
		lead = "Thank you. "
	}
	p := m.ask(s.Q, lead+"Next question. ")
	s.Question = p
	return m.say(s, p, nil, nil)
}

// close says the closing words; the interview ends once they are said.
func (m *Machine) close(s State, text, reason string, interrupt bool) (State, []Action) {
	s.Phase, s.Finish = PhaseClosing, reason
	s.Remark = ""
	s.Seq++
	p := Prompt{ID: fmt.Sprintf("closing-%d", s.Seq), Kind: KindWrapup, Text: text}
	s.Current = p
	return s, []Action{Say{Prompt: p, Last: true, Interrupt: interrupt}}
}

// clarify restates the current prompt in other words.
func (m *Machine) clarify(s State) Prompt {
	q := m.plan.Questions[s.Q]
	s.Seq++
	if s.Current.Kind == KindProbe {
		for _, c := range q.Rubric.Concepts {
			if strings.Contains(s.Current.ID, "."+c.ID+".") {
				return Prompt{ID: s.Current.ID + "-again", Kind: KindProbe, Text: "I'm asking about " + lowerFirst(c.Label) + ". " + c.Probe}
			}
		}
	}
	return Prompt{ID: q.ID, Kind: KindQuestion, Text: "In other words: " + q.Title + ". " + q.Prompt}
}

// lowerFirst lower-cases a label's first letter to follow "I'm asking
// about", unless it starts an acronym ("GPU memory").
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// tick runs the clock: the two-minute warning, the hard stop, the nudge
// after a long silence.
func (m *Machine) tick(s State, elapsed time.Duration) (State, []Action) {
	if elapsed < s.Elapsed || s.Phase == PhaseWaiting {
		return s, nil
	}
	s.Elapsed = elapsed
	var acts []Action
	left := m.plan.Budget - elapsed
	if !s.Warned && left <= m.cfg.TimeLow && m.plan.Budget > 2*m.cfg.TimeLow {
		s.Warned = true
		s.Remark = timeLow
		acts = append(acts, Notice{Code: "time_low", Message: "About two minutes left."})
	}
	if !s.TimeUp && left <= 0 {
		s.TimeUp = true
		if s.Phase == PhaseClosing {
			return s, acts
		}
		s, a := m.close(s, timeUp, "time_up", true)
		return s, append(acts, a...)
	}
	if s.Phase != PhaseListening || s.Speaking || elapsed < s.ThinkTill {
		return s, acts
	}
	quiet := elapsed - s.Quiet
	switch {
	case !s.Nudged && quiet >= m.cfg.Nudge:
		s.Seq++
		p := Prompt{ID: fmt.Sprintf("nudge-%d", s.Seq), Kind: KindProbe, Text: nudge}
		s, a := m.say(s, p, &Probe{Question: m.plan.Questions[s.Q].ID, Target: "silence", Kind: ProbeNudge,
			Reason: fmt.Sprintf("%v of silence", quiet.Round(time.Second))}, nil)
		s.Nudged = true
		return s, append(acts, a...)
	case s.Nudged && quiet >= m.cfg.GiveUp:
		s, a := m.next(s, moveOn)
		return s, append(acts, a...)
	}
	return s, acts
}

// Intents the candidate may voice instead of answering.
type intent int

const (
	intentNone intent = iota
	intentRepeat
	intentClarify
	intentThink
	intentSkip
)

var intents = []struct {
	intent intent
	re     *regexp.Regexp
}{
	{intentRepeat, regexp.MustCompile(`\b(repeat (that|the question|it)|say (that|it) again|could you repeat|one more time)\b`)},
	{intentClarify, regexp.MustCompile(`\b(what do you mean|could you clarify|can you clarify|what are you asking|not sure what you mean|rephrase)\b`)},
	{intentThink, regexp.MustCompile(`\b(think (about it )?for a (moment|second|minute)|give me a (moment|second|minute)|let me think|need a moment)\b`)},
	{intentSkip, regexp.MustCompile(`\b(skip( this| that| it)?|next question|pass on this|i don'?t know this one)\b`)},
}

// affirmative is a short yes.
var affirmative = regexp.MustCompile(`^\W*(yes|yeah|yep|sure|please|please do|yes please|ok|okay)\b`)

// intentOf recognises a request in a short answer; longer answers are
// answers, whatever they contain.
func intentOf(text string) intent {
	t := strings.ToLower(text)
	if len(strings.Fields(t)) > 12 {
		return intentNone
	}
	for _, in := range intents {
		if in.re.MatchString(t) {
			return in.intent
		}
	}
	return intentNone
}
