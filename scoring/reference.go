package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// Reference-answer mode. A question that has only a model answer (common
// for users' own questions) gets a rubric derived from it: the answer's key
// ideas become concepts, and an answer is scored by how many of them it
// covers, and whether it gives reasons.
//
// How DeriveRubric picks the key ideas, deterministically:
//
//   - The reference is normalised as a transcript is (match_text.go) and cut
//     into clauses at punctuation, "but", "because", "so" and the like.
//   - Content words are those that are not function words, fillers,
//     stopwords, generic verbs ("use", "make", "need") or numbers. A word's
//     salience is 1, or CommonSalience for a word in a small list of common
//     English and generic technical words ("system", "data", "time"), an
//     adverb in -ly, or a word of the question (ScoreQuestion), times
//     1.5 for a technical term (an acronym, a word with digits, capitals
//     inside or a hyphen: "BM25", "LLM", "pgvector", "cross-encoder") and
//     1.25 for a long word (nine letters or more), times 1 + ln(n) for a
//     word whose stem occurs n times.
//   - Candidate concepts are the runs of one to three adjacent content words
//     within a clause ("overlapping chunks", "hybrid index", "recall"). A
//     candidate scores its most salient word's salience, plus PhraseBonus
//     times each other word's less PhraseCost, plus 30% for each
//     repetition of a phrase of several words (up to three).
//   - Candidates are taken best first; one that shares a word stem with a
//     concept already taken is merged into it (dropped), one below a quarter
//     of the best score or below MinSalience is dropped, and at most
//     MaxDerivedConcepts are kept, listed in the order the reference says
//     them.
//   - A concept's weight is 1 + 2 × score ÷ best score, in halves (1 to 3);
//     its cues are the phrase, its two-word parts and the reverse of a
//     two-word phrase ("chunk embeddings", "embed the chunks"), and each of
//     its words that is not common and long enough (seven letters or more)
//     to name the idea alone; its probe is "Can you say more about
//     <label>?".

// Derivation limits.
const (
	// MaxDerivedConcepts caps the concepts of a derived rubric.
	MaxDerivedConcepts = 12
	// MaxReferenceWords is how much of a reference DeriveRubric reads.
	MaxReferenceWords = 5000
	// CommonSalience is the salience of a common word, against 1 for others.
	CommonSalience = 0.35
	// MinSalience is the least score a derived concept needs.
	MinSalience = 0.5
	// A phrase scores its most salient word's salience, plus PhraseBonus
	// times each other word's, less PhraseCost for each: a common word
	// makes a phrase worse.
	PhraseBonus = 0.35
	PhraseCost  = 0.15
)

// DeriveRubric makes a rubric from a reference answer: its key ideas as
// concepts (see above), and the reference as the model answer (cut to
// MaxTextRunes). The rubric passes Validate unless the reference is blank;
// a reference with no content words gives no concepts. It is pure and
// deterministic.
func DeriveRubric(reference string) Rubric {
	r := Rubric{ModelAnswer: reference, Concepts: deriveConcepts(reference, "")}
	if utf8.RuneCountInString(r.ModelAnswer) > MaxTextRunes {
		r.ModelAnswer = string([]rune(r.ModelAnswer)[:MaxTextRunes])
	}
	return r
}

// deriveConcepts picks a reference's key ideas; the words of question, if
// any, count as common words.
func deriveConcepts(reference, question string) []Concept {
	var concepts []Concept
	asked := map[string]bool{}
	for _, s := range tokenize(strings.Fields(question)) {
		asked[stem(s.text)] = true
	}
	words := strings.Fields(reference)
	if len(words) > MaxReferenceWords {
		words = words[:MaxReferenceWords]
	}
	spans := tokenize(words)
	clauseStarts(spans)

	// Content words and their salience, by stem.
	type refTok struct {
		text, stem string
		content    bool
	}
	toks := make([]refTok, len(spans))
	count := map[string]int{}
	tech := map[string]bool{}
	for i, s := range spans {
		st := stem(s.text)
		t := refTok{text: s.text, stem: st}
		orig := words[s.w0]
		t.content = contentWord(s.text, st, orig)
		if t.content {
			count[st]++
			tech[st] = tech[st] || technical(orig)
		}
		toks[i] = t
	}
	salience := func(st, text string) float64 {
		s := 1.0
		if commonStems[st] || asked[st] || (strings.HasSuffix(text, "ly") && len(text) > 4) {
			s = CommonSalience
		}
		if tech[st] {
			s *= 1.5
		}
		if utf8.RuneCountInString(text) >= 9 {
			s *= 1.25
		}
		return s * (1 + math.Log(float64(count[st])))
	}

	// Candidate phrases: runs of 1–3 adjacent content words in a clause.
	type candidate struct {
		key    string
		stems  []string
		texts  []string
		w0, w1 int // written words of the first occurrence
		first  int // token where it first occurs
		n      int // occurrences
		score  float64
	}
	byKey := map[string]*candidate{}
	var cands []*candidate
	for i := range toks {
		if !toks[i].content {
			continue
		}
		for n := 1; n <= 3 && i+n <= len(toks); n++ {
			j := i + n - 1
			if !toks[j].content || (n > 1 && spans[j].brk) {
				break
			}
			stems := make([]string, 0, n)
			dup := false
			for k := i; k <= j; k++ {
				dup = dup || slices.Contains(stems, toks[k].stem)
				stems = append(stems, toks[k].stem)
			}
			if dup {
				break
			}
			key := strings.Join(stems, " ")
			if c, ok := byKey[key]; ok {
				c.n++
				continue
			}
			c := &candidate{key: key, stems: stems, w0: spans[i].w0, w1: spans[j].w1, first: i, n: 1}
			for k := i; k <= j; k++ {
				c.texts = append(c.texts, toks[k].text)
			}
			byKey[key] = c
			cands = append(cands, c)
		}
	}
	for _, c := range cands {
		best, rest := 0.0, 0.0
		for k, st := range c.stems {
			s := salience(st, c.texts[k])
			rest += PhraseBonus*s - PhraseCost
			best = max(best, s)
		}
		rest -= PhraseBonus*best - PhraseCost
		c.score = best + rest
		if len(c.stems) > 1 {
			c.score *= 1 + 0.3*float64(min(c.n, 4)-1)
		}
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(len(b.stems), len(a.stems)), cmp.Compare(a.first, b.first), cmp.Compare(a.key, b.key))
	})

	// Best first, one concept per stem.
	used := map[string]bool{}
	var picked []*candidate
	for _, c := range cands {
		if len(picked) == MaxDerivedConcepts {
			break
		}
		if c.score < MinSalience || (len(picked) > 0 && c.score < picked[0].score/4) {
			break // sorted: none after it qualifies
		}
		if slices.ContainsFunc(c.stems, func(st string) bool { return used[st] }) || len(strings.Join(c.texts, " ")) > MaxCueRunes {
			continue
		}
		for _, st := range c.stems {
			used[st] = true
		}
		picked = append(picked, c)
	}
	if len(picked) == 0 {
		return nil
	}
	top := picked[0].score
	slices.SortFunc(picked, func(a, b *candidate) int { return cmp.Compare(a.first, b.first) })

	ids := map[string]bool{}
	for _, c := range picked {
		label := phraseLabel(words[c.w0 : c.w1+1])
		if label == "" {
			label = strings.Join(c.texts, " ")
		}
		concept := Concept{
			ID:     uniqueID(ids, slug(c.texts)),
			Label:  label,
			Weight: math.Round(2*(1+2*c.score/top)) / 2,
			Probe:  "Can you say more about " + label + "?",
		}
		addCue := func(ws ...string) {
			cue := strings.Join(ws, " ")
			if cue != "" && utf8.RuneCountInString(cue) <= MaxCueRunes && !slices.Contains(concept.Cues, cue) {
				concept.Cues = append(concept.Cues, cue)
			}
		}
		addCue(c.texts...)
		switch len(c.texts) {
		case 2:
			addCue(c.texts[1], c.texts[0])
		case 3:
			addCue(c.texts[0], c.texts[1])
			addCue(c.texts[1], c.texts[2])
		}
		if len(c.texts) > 1 {
			for k, st := range c.stems {
				w := c.texts[k]
				if !commonStems[st] && !asked[st] && utf8.RuneCountInString(w) >= 7 {
					addCue(w)
				}
			}
		}
		concepts = append(concepts, concept)
	}
	return concepts
}

// ScoreAnswer scores one answer, written or transcribed, against a
// reference answer: ScoreQuestion with a question whose only rubric is the
// reference.
func ScoreAnswer(reference, answer string) Report {
	return ScoreQuestion(Question{ID: "answer", Title: "Reference answer", Rubric: Rubric{ModelAnswer: reference}}, answer)
}

// ScoreQuestion scores one answer to q, given as a single candidate
// utterance without word timings. A rubric without concepts gets them from
// its model answer (DeriveRubric), playing down the words of q's Title (the
// question): naming the question's subject is no idea of the answer's.
//
// With the question's own concepts the report is Score's. With derived
// ones, the tradeoff, production and structure dimensions have nothing to
// measure and delivery cannot be heard in text, so Overall is the content
// dimension alone (its weight is 1, the others' 0): the weighted share of
// the reference's ideas covered, ExplainShare of which needs reasons
// ("because", "instead of", …) — one for every two ideas credited, but no
// more than the reference itself gives; and the improvements are only the
// ideas missed.
func ScoreQuestion(q Question, answer string) Report {
	derived := len(q.Rubric.Concepts) == 0
	if derived {
		q.Rubric.Concepts = deriveConcepts(q.Rubric.ModelAnswer, q.Title)
	}
	in := Input{Questions: []Question{q}}
	if strings.TrimSpace(answer) != "" {
		in.Utterances = []viva.Utterance{{ID: answerID, Speaker: viva.SpeakerCandidate, Text: answer, Words: []viva.Word{}}}
	}
	r := Score(in)
	if !derived {
		return r
	}
	var got, total float64
	hits := 0
	for _, c := range r.Questions[0].Concepts {
		got += map[State]float64{Hit: 1, Partial: 0.5}[c.State] * c.Weight
		total += c.Weight
		if c.State != Missed {
			hits++
		}
	}
	reasons := len(reasoning(in.Utterances))
	need := min(max(1, float64(hits)/2), float64(len(reasonRE.FindAllStringIndex(strings.ToLower(q.Rubric.ModelAnswer), -1))))
	explained := 1.0
	if need > 0 {
		explained = math.Min(1, float64(reasons)/need)
	}
	content := 0.0
	if total > 0 {
		content = 100 * got / total * (1 - ExplainShare + ExplainShare*explained)
	}
	overall := 0.0
	for i := range r.Dimensions {
		d := &r.Dimensions[i]
		d.Weight = 0
		if d.Name == "content" {
			d.Weight = 1
			d.Score = clamp(content)
			d.Notes = []string{fmt.Sprintf("%d of %d reference ideas credited, %d reasons given (%g wanted)", hits, len(r.Questions[0].Concepts), reasons, need)}
		}
		overall += d.Weight * float64(d.Score)
	}
	r.Overall = clamp(overall)
	// Only the missed ideas are advice here: the other dimensions do not count.
	r.Improvements = slices.DeleteFunc(r.Improvements, func(imp Improvement) bool { return imp.Concept == "" })
	return r
}

// FillConcepts returns r, with concepts derived from its model answer
// when it has none (DeriveRubric); its other parts are kept.
func FillConcepts(r Rubric) Rubric {
	if len(r.Concepts) > 0 {
		return r
	}
	r.Concepts = deriveConcepts(r.ModelAnswer, "")
	return r
}

// answerID names the one utterance ScoreQuestion scores.
var answerID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://viva.invalid/answer"))

// contentWord reports whether a reference token can carry an idea. orig is
// the written word it came from.
func contentWord(text, st, orig string) bool {
	switch {
	case functionWords[text] || negators[text] || stopWords[text] || stopStems[st] || numberWords[text]:
		return false
	case utf8.RuneCountInString(text) > 30:
		return false // not a word anyone says
	case utf8.RuneCountInString(text) < 3:
		return acronym(orig) // "AI", "ML", "BM25"
	}
	return true
}

// technical reports whether a written word looks like a technical term:
// digits with letters, capitals after the first letter, or a hyphen.
func technical(orig string) bool {
	orig = strings.TrimFunc(orig, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	letters, digits, inner := false, false, false
	for i, r := range orig {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsLetter(r):
			letters = true
			inner = inner || (i > 0 && unicode.IsUpper(r))
		case r == '-' || r == '/':
			inner = true
		}
	}
	return letters && (digits || inner)
}

// acronym reports whether a written word is capitals, maybe with digits:
// "AI", "BM25".
func acronym(orig string) bool {
	orig = strings.TrimFunc(orig, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	upper := 0
	for _, r := range orig {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsDigit(r), r == '-', r == '.', r == '/':
		default:
			return false
		}
	}
	return upper >= 2
}

// phraseLabel writes a phrase as the reference did, without the
// punctuation around its words.
func phraseLabel(words []string) string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// slug makes a concept id from normalised words: a–z, 0–9 and '-'.
func slug(words []string) string {
	var b strings.Builder
	for _, w := range words {
		part := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, w)
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(part)
	}
	s := b.String()
	if len(s) > 56 {
		s = strings.TrimRight(s[:56], "-")
	}
	if s == "" {
		s = "concept"
	}
	return s
}

// uniqueID returns id, or id with a number, not yet in ids, and adds it.
func uniqueID(ids map[string]bool, id string) string {
	out := id
	for n := 2; ids[out]; n++ {
		out = id + "-" + strconv.Itoa(n)
	}
	ids[out] = true
	return out
}

func stemSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[stem(w)] = true
	}
	return m
}

// stopWords carry no idea in a reference answer, beside functionWords.
var stopWords = set(
	"when", "where", "what", "which", "who", "whom", "whose", "why", "how", "there", "here", "if", "than",
	"so", "but", "because", "yes", "more", "most", "less", "least", "other", "others", "another", "such",
	"only", "own", "same", "too", "both", "either", "few", "many", "much", "several", "once", "again",
	"further", "before", "after", "above", "below", "over", "under", "between", "through", "during",
	"against", "off", "down", "while", "until", "within", "via", "per", "across", "around", "along",
	"among", "like", "else", "ever", "even", "still", "yet", "already", "always", "often", "sometimes",
	"usually", "maybe", "perhaps", "probably", "first", "second", "third", "next", "last", "finally",
	"etc", "eg", "ie", "whether", "instead", "rather", "though", "although", "however", "therefore",
	"thus", "whatever", "anything", "something", "nothing", "everything", "someone", "anyone",
	"everyone", "one", "ones", "thing", "things", "way", "ways", "lot", "lots", "bit", "kind", "sort",
	"able", "plus", "versus", "vs", "whereas", "otherwise", "unless", "since", "almost", "enough",
	"really", "actually", "basically", "certainly", "simply", "mostly", "mainly", "especially",
	"own", "itself", "themselves", "ourselves", "myself", "yourself", "whom", "upon", "onto",
	"said", "says", "like", "mean", "means", "meant", "example", "instance", "sure", "right", "well",
	"good", "better", "best", "great", "bad", "worse", "worst", "new", "old", "big", "small", "large",
	"little", "important", "different", "simple", "easy", "hard", "lets", "whats", "hows", "theyve",
	"thing", "stuff", "yeah", "okay", "alright", "hmm", "like", "kinda", "sorta", "gonna", "wanna",
)

// stopStems are generic verbs in every form: "use", "using", "used".
var stopStems = stemSet(
	"use", "make", "need", "want", "get", "go", "take", "let", "say", "think", "know", "see", "look",
	"keep", "give", "put", "come", "try", "tell", "seem", "become", "leave", "feel", "would", "do",
	"happen", "include", "involve", "consider", "start", "begin", "help", "allow", "ensure", "able",
	"guess", "suppose", "believe", "just", "also", "really", "hold", "contain", "exist", "bring", "tell",
	"now", "behind", "show", "automatically", "directly", "immediately", "quickly", "easily", "later", "today",
)

// numberWords are numbers written as words: an amount is not an idea.
var numberWords = set(slices.Concat(units, tens[2:], []string{"hundred", "thousand", "million", "billion", "point",
	"fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "hundredth", "thousandth", "percent", "half", "twice", "dozen"})...)

// commonStems are content words too common to name an idea on their own,
// in everyday English or in any answer about software.
var commonStems = stemSet(
	"time", "people", "person", "year", "day", "week", "month", "hour", "minute", "second", "work", "part",
	"place", "case", "point", "number", "group", "problem", "fact", "idea", "reason", "result", "order",
	"line", "state", "form", "type", "side", "area", "world", "life", "hand", "team", "company", "business",
	"question", "answer", "issue", "value", "set", "level", "step", "end", "change", "show", "call", "run",
	"check", "find", "build", "add", "ask", "turn", "move", "play", "live", "high", "low", "long", "short",
	"early", "late", "real", "full", "whole", "main", "general", "specific", "possible", "likely",
	"certain", "clear", "system", "data", "model", "user", "approach", "process", "information", "way",
	"thing", "something", "solution", "design", "option", "choice", "tool", "service", "product",
	"application", "feature", "component", "piece", "layer", "stage", "phase", "task", "job", "goal",
	"look", "write", "read", "create", "handle", "provide", "support", "require", "depend", "matter",
	"work", "works", "working", "important", "good", "right", "sure", "quick", "fast", "slow", "easy",
	"small", "large", "big", "lot", "bit", "top", "bottom", "front", "back", "kind", "sort", "example",
	"first", "better", "best", "able", "common", "usual", "typical", "simple", "basic", "overall",
	"current", "existing", "whole", "every", "actual", "exact", "similar", "single", "multiple",
	"various", "different", "same", "other", "also", "still", "within", "instead", "yes", "know",
	"measure", "metric", "method", "share",
)
