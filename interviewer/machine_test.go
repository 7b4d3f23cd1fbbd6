package interviewer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// sim drives a Machine through an interview the way live does: it says
// every prompt at once (Said), answers with the given texts in turn, and
// ticks the clock.
type sim struct {
	t       *testing.T
	m       *Machine
	s       State
	now     time.Duration
	said    []Say
	notices []Notice
	finish  string
}

func newSim(t *testing.T, mode viva.Mode, minutes int, ids ...string) *sim {
	t.Helper()
	qs, errs := Builtin()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b := NewBank(qs)
	sess := &viva.Session{ID: uuid.New(), Track: viva.TrackRAG, Mode: mode, Minutes: minutes, Questions: ids}
	plan, err := NewPlan(b, sess)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMachine(plan, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &sim{t: t, m: m, s: m.Initial()}
}

func (s *sim) step(e Event) {
	s.t.Helper()
	var acts []Action
	s.s, acts = s.m.Step(s.s, e)
	for _, a := range acts {
		switch a := a.(type) {
		case Say:
			s.said = append(s.said, a)
		case Notice:
			s.notices = append(s.notices, a)
		case Finish:
			if s.finish != "" {
				s.t.Errorf("finished twice: %s then %s", s.finish, a.Reason)
			}
			s.finish = a.Reason
		}
	}
}

// sayAll completes every prompt said so far but not completed.
func (s *sim) sayLast() {
	if n := len(s.said); n > 0 {
		s.now += 5 * time.Second
		s.step(Tick{Elapsed: s.now})
		s.step(Said{ID: s.said[n-1].Prompt.ID})
	}
}

func (s *sim) answer(text string) {
	s.now += 20 * time.Second
	s.step(TurnStarted{})
	s.step(Tick{Elapsed: s.now})
	s.step(Answer{Utterances: []viva.Utterance{{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: text, StartMS: s.now.Milliseconds() - 15000, EndMS: s.now.Milliseconds()}}})
}

func (s *sim) probes() []Probe {
	var out []Probe
	for _, sy := range s.said {
		if sy.Probe != nil {
			out = append(out, *sy.Probe)
		}
	}
	return out
}

const strong = `First I'd clarify the requirements: who are the users, how fresh the answers must be and the latency budget.
Then I'd split the tickets into overlapping chunks, embed them with a sentence transformer, and use hybrid search,
keyword bm25 plus dense vectors, then rerank with a cross encoder. I'd evaluate recall at ten on a labelled set and
faithfulness, monitor user feedback and drift on a dashboard, and keep cost down with caching and a smaller model.
I'd use pgvector since it fits in memory on premise, and I would not use rag if the questions were about a fixed policy.`

const weak = `I would put all the tickets into a vector database and ask the model. It should work well.`

// TestStrongCandidateFewProbes: a strong answer gets few probes; a weak
// one is probed on what it missed, highest weight first, never twice.
func TestStrongAndWeakCandidates(t *testing.T) {
	t.Parallel()
	run := func(answer string) *sim {
		s := newSim(t, viva.ModeSystemDesign, 30, "rag.support-tickets")
		s.step(Start{})
		s.sayLast()
		s.answer(answer)
		for range 10 {
			if s.finish != "" || s.s.Phase == PhaseClosing {
				break
			}
			s.sayLast()
			s.answer("I am not sure.")
		}
		s.sayLast()
		return s
	}
	st, wk := run(strong), run(weak)
	t.Logf("strong: %d probes %v", len(st.probes()), targets(st.probes()))
	t.Logf("weak: %d probes %v", len(wk.probes()), targets(wk.probes()))
	if len(st.probes()) >= len(wk.probes()) {
		t.Errorf("strong answer got %d probes, weak %d: want fewer for the strong one", len(st.probes()), len(wk.probes()))
	}
	if wp := wk.probes(); len(wp) == 0 || wp[0].Target != "evaluation" {
		t.Errorf("weak answer's first probe %v, want the highest-weight missed concept (evaluation)", wp)
	}
	for _, s := range []*sim{st, wk} {
		if s.finish != "completed" {
			t.Errorf("finished %q, want completed", s.finish)
		}
		seen := map[string]bool{}
		for _, p := range s.probes() {
			if seen[p.Target] {
				t.Errorf("probe %s asked twice", p.Target)
			}
			seen[p.Target] = true
		}
	}
}

func targets(ps []Probe) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Kind)+":"+p.Target)
	}
	return out
}

// TestChallengeAClaim: naming FAISS gets "why FAISS over …?".
func TestChallengeAClaim(t *testing.T) {
	t.Parallel()
	s := newSim(t, viva.ModeSystemDesign, 30, "rag.support-tickets")
	s.step(Start{})
	s.sayLast()
	s.answer("I would embed the chunks and keep them in faiss.")
	p := s.probes()
	if len(p) == 0 || p[0].Kind != ProbeChallenge || p[0].Target != "why-faiss" {
		t.Fatalf("first probe %v, want the why-faiss challenge", p)
	}
}

// TestIntents: "repeat that", "what do you mean", "can I think for a
// moment" and "skip" are honoured.
func TestIntents(t *testing.T) {
	t.Parallel()
	s := newSim(t, viva.ModeScreen, 10)
	s.step(Start{})
	s.sayLast()
	first := s.said[0].Prompt
	s.answer("Sorry, could you repeat the question?")
	if got := s.said[len(s.said)-1].Prompt; got.ID != first.ID || !strings.Contains(got.Text, strings.TrimPrefix(first.Text, Greeting)) {
		t.Errorf("repeat said %+v, want the question again", got)
	}
	s.sayLast()
	s.answer("What do you mean?")
	if got := s.said[len(s.said)-1].Prompt; !strings.HasPrefix(got.Text, "In other words") {
		t.Errorf("clarify said %q", got.Text)
	}
	s.sayLast()
	s.answer("Can I think for a moment?")
	if got := s.said[len(s.said)-1].Prompt; got.Text != thinkOK {
		t.Errorf("think said %q", got.Text)
	}
	s.sayLast()
	// No nudge while the candidate thinks (a minute).
	n := len(s.said)
	for range 30 {
		s.now += time.Second
		s.step(Tick{Elapsed: s.now})
	}
	if len(s.said) != n {
		t.Errorf("nudged while the candidate asked to think: %q", s.said[len(s.said)-1].Prompt.Text)
	}
	s.answer("Let's skip this one.")
	if got := s.said[len(s.said)-1].Prompt; !strings.HasPrefix(got.Text, skipped) {
		t.Errorf("skip said %q", got.Text)
	}
}

// TestNudgeThenMoveOn: a long silence gets one gentle nudge; a "yes"
// repeats the question; a longer silence after the nudge moves on.
func TestNudgeThenMoveOn(t *testing.T) {
	t.Parallel()
	s := newSim(t, viva.ModeScreen, 10)
	s.step(Start{})
	s.sayLast()
	for range 25 {
		s.now += time.Second
		s.step(Tick{Elapsed: s.now})
	}
	last := s.said[len(s.said)-1]
	if last.Prompt.Text != nudge || last.Probe == nil || last.Probe.Kind != ProbeNudge {
		t.Fatalf("after 25 s of silence said %+v, want the nudge", last)
	}
	s.sayLast()
	s.answer("Yes please.")
	if got := s.said[len(s.said)-1].Prompt; got.Kind != KindQuestion {
		t.Errorf("yes to the nudge said %+v, want the question again", got)
	}
	s.sayLast()
	q := s.s.Q
	n := len(s.said)
	for range 70 {
		s.now += time.Second
		s.step(Tick{Elapsed: s.now})
		if len(s.said) > n { // a new prompt: say it
			n = len(s.said)
			s.step(Said{ID: s.said[n-1].Prompt.ID})
		}
	}
	if s.s.Q == q && s.s.Phase != PhaseClosing {
		for _, sy := range s.said {
			t.Logf("said %s: %q", sy.Prompt.ID, sy.Prompt.Text)
		}
		t.Errorf("still on question %d after 70 s of silence and a nudge", q)
	}
}

// TestClock: the two-minute warning comes once, as a notice and before
// the next prompt; the hard stop interrupts and ends with time_up.
func TestClock(t *testing.T) {
	t.Parallel()
	s := newSim(t, viva.ModeSystemDesign, 20, "rag.support-tickets")
	s.step(Start{})
	s.sayLast()
	s.step(TurnStarted{}) // a long answer: no nudge
	s.now = 18*time.Minute + time.Second
	s.step(Tick{Elapsed: s.now})
	if len(s.notices) != 1 || s.notices[0].Code != "time_low" {
		t.Fatalf("notices %v, want time_low", s.notices)
	}
	s.answer("I would chunk the tickets.")
	if got := s.said[len(s.said)-1].Prompt.Text; !strings.HasPrefix(got, timeLow) {
		t.Errorf("next prompt %q does not start with the time remark", got)
	}
	s.now = 20 * time.Minute
	s.step(Tick{Elapsed: s.now})
	last := s.said[len(s.said)-1]
	if !last.Interrupt || !last.Last || last.Prompt.Text != timeUp {
		t.Fatalf("at the budget said %+v, want the interrupting time-up closing", last)
	}
	s.step(Said{ID: last.Prompt.ID})
	if s.finish != "time_up" || s.s.Phase != PhaseDone {
		t.Errorf("finish %q phase %s, want time_up and done", s.finish, s.s.Phase)
	}
}

// TestModes: a behavioral round asks three to five questions, a screen
// several short ones, each with a bounded number of probes.
func TestModes(t *testing.T) {
	t.Parallel()
	qs, _ := Builtin()
	b := NewBank(qs)
	for _, tc := range []struct {
		track      viva.Track
		mode       viva.Mode
		minutes    int
		minQ, maxQ int
		maxPerQ    int
	}{
		{viva.TrackBehavioral, viva.ModeBehavioral, 20, 3, 5, 2},
		{viva.TrackMLScreen, viva.ModeScreen, 15, 3, 12, 1},
		{viva.TrackLLM, viva.ModeScreen, 10, 2, 12, 1},
		{viva.TrackAgents, viva.ModeSystemDesign, 45, 1, 1, 6},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.track, tc.mode), func(t *testing.T) {
			sess := &viva.Session{ID: uuid.New(), Track: tc.track, Mode: tc.mode, Minutes: tc.minutes}
			plan, err := NewPlan(b, sess)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(plan.Questions); n < tc.minQ || n > tc.maxQ {
				t.Errorf("%d questions, want %d–%d", n, tc.minQ, tc.maxQ)
			}
			m, _ := NewMachine(plan, Config{})
			if m.cfg.MaxProbes != tc.maxPerQ {
				t.Errorf("max probes %d, want %d", m.cfg.MaxProbes, tc.maxPerQ)
			}
		})
	}
}

// TestAnySequenceEnds is a property test: whatever events arrive, in
// whatever order, the interview ends by the time budget (plus the closing
// words), never asks the same probe twice, and every Say is of a known
// kind.
func TestAnySequenceEnds(t *testing.T) {
	t.Parallel()
	texts := []string{strong, weak, "repeat that", "what do you mean", "skip", "can I think for a moment", "", "yes",
		"I'd use faiss and fine tune the model on the tickets", "um so basically yeah"}
	qs, _ := Builtin()
	bank := NewBank(qs)
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		modes := []viva.Mode{viva.ModeSystemDesign, viva.ModeBehavioral, viva.ModeScreen}
		mode := modes[r.IntN(len(modes))]
		track := []viva.Track{viva.TrackRAG, viva.TrackBehavioral, viva.TrackMLScreen}[r.IntN(3)]
		sess := &viva.Session{ID: uuid.New(), Track: track, Mode: mode, Minutes: 5 + r.IntN(20)}
		plan, err := NewPlan(bank, sess)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := NewMachine(plan, Config{})
		s := &sim{t: t, m: m, s: m.Initial()}
		s.step(Start{})
		for i := 0; i < 5000 && s.finish == ""; i++ {
			switch r.IntN(6) {
			case 0, 1:
				s.now += time.Duration(r.IntN(30)) * time.Second
				s.step(Tick{Elapsed: s.now})
			case 2:
				if len(s.said) > 0 {
					s.step(Said{ID: s.said[len(s.said)-1].Prompt.ID, Interrupted: r.IntN(5) == 0})
				}
			case 3:
				s.step(TurnStarted{})
			default:
				s.step(Answer{Utterances: []viva.Utterance{{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: texts[r.IntN(len(texts))]}}})
			}
		}
		if s.finish == "" {
			t.Fatalf("seed %d: no finish after 5000 events (phase %s, %v elapsed of %v)", seed, s.s.Phase, s.now, plan.Budget)
		}
		if s.now > plan.Budget+10*time.Minute {
			t.Errorf("seed %d: finished at %v, budget %v", seed, s.now, plan.Budget)
		}
		seen := map[string]bool{}
		for _, p := range s.probes() {
			key := p.Question + "/" + p.Target
			if p.Kind != ProbeNudge && seen[key] {
				t.Errorf("seed %d: probe %s asked twice", seed, key)
			}
			seen[key] = true
		}
		for _, sy := range s.said {
			if !slices.Contains([]Kind{KindQuestion, KindProbe, KindWrapup}, sy.Prompt.Kind) || sy.Prompt.ID == "" || sy.Prompt.Text == "" {
				t.Errorf("seed %d: bad prompt %+v", seed, sy.Prompt)
			}
		}
	}
}

// TestSaidWithAnotherProbe: when an LLM asks one of the alternatives, that
// target counts as asked, and the policy's first choice may come later.
func TestSaidWithAnotherProbe(t *testing.T) {
	t.Parallel()
	s := newSim(t, viva.ModeSystemDesign, 30, "rag.support-tickets")
	s.step(Start{})
	s.sayLast()
	s.answer(weak)
	sy := s.said[len(s.said)-1]
	if sy.Probe == nil || len(sy.Alternatives) == 0 {
		t.Fatalf("say %+v, want a probe with alternatives", sy)
	}
	alt := sy.Alternatives[0].Probe
	s.step(Said{ID: sy.Prompt.ID, Probe: &alt})
	if !slices.Contains(s.s.Asked, alt.Question+"/"+alt.Target) || slices.Contains(s.s.Asked, sy.Probe.Question+"/"+sy.Probe.Target) {
		t.Errorf("asked %v after the alternative %s was said instead of %s", s.s.Asked, alt.Target, sy.Probe.Target)
	}
	s.answer("I am not sure.")
	if next := s.said[len(s.said)-1].Probe; next == nil || next.Target != sy.Probe.Target {
		t.Errorf("next probe %+v, want the first choice %s now", next, sy.Probe.Target)
	}
}

// TestSimulatedInterviews runs whole interviews in every mode: a strong
// candidate answers each question with its model answer, a weak one with
// vague generalities. The strong one gets fewer probes; both are taken
// through every question to the closing words.
func TestSimulatedInterviews(t *testing.T) {
	t.Parallel()
	qs, _ := Builtin()
	bank := NewBank(qs)
	for _, tc := range []struct {
		track   viva.Track
		mode    viva.Mode
		minutes int
	}{
		{viva.TrackRAG, viva.ModeSystemDesign, 30},
		{viva.TrackAgents, viva.ModeSystemDesign, 30},
		{viva.TrackMLOps, viva.ModeSystemDesign, 30},
		{viva.TrackBehavioral, viva.ModeBehavioral, 20},
		{viva.TrackMLScreen, viva.ModeScreen, 15},
		{viva.TrackLLM, viva.ModeScreen, 15},
	} {
		t.Run(string(tc.track)+"/"+string(tc.mode), func(t *testing.T) {
			t.Parallel()
			sess := &viva.Session{ID: uuid.New(), Track: tc.track, Mode: tc.mode, Minutes: tc.minutes}
			plan, err := NewPlan(bank, sess)
			if err != nil {
				t.Fatal(err)
			}
			interview := func(strong bool) *sim {
				m, _ := NewMachine(plan, Config{})
				s := &sim{t: t, m: m, s: m.Initial()}
				s.step(Start{})
				for range 100 {
					if s.finish != "" {
						break
					}
					s.sayLast()
					if s.s.Phase == PhaseClosing {
						continue
					}
					text := "I think it depends, there are many factors and it is important to be careful."
					if strong && s.s.Probes == 0 {
						text = plan.Questions[s.s.Q].Rubric.ModelAnswer
					}
					s.answer(text)
				}
				if s.finish != "completed" {
					t.Fatalf("strong=%v: finished %q, want completed", strong, s.finish)
				}
				if s.s.Q != len(plan.Questions)-1 {
					t.Errorf("strong=%v: ended on question %d of %d", strong, s.s.Q+1, len(plan.Questions))
				}
				return s
			}
			st, wk := interview(true), interview(false)
			t.Logf("%d questions: strong %d probes %v; weak %d probes", len(plan.Questions), len(st.probes()), targets(st.probes()), len(wk.probes()))
			if len(st.probes()) >= len(wk.probes()) {
				t.Errorf("strong candidate got %d probes, weak %d", len(st.probes()), len(wk.probes()))
			}
		})
	}
}
