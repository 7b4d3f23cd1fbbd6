package scoring

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/viva-interview/viva"
)

// How closely a transcript word must meet a cue word, and what each degree
// is worth before word confidence is applied.
const (
	ExactMatch = 1.0  // the same word after normalisation
	StemMatch  = 0.95 // the same stem: "evaluating" for "evaluation"
	JoinMatch  = 0.95 // a word split in two, or two cue words said as one: "re rank", "crossencoder"
	FuzzyMatch = 0.6  // one edit apart, or sounding alike, on words of FuzzyLetters or more

	// joinStemMatch is a split word whose joined form meets the cue word's
	// stem ("re ranking" for "rerank"); joinFuzzyMatch one that lacks the
	// cue word's last letter ("chunk in" for "chunking"; other edits of a
	// joined pair, as "simple at" for "simplest", are too often chance).
	joinStemMatch  = 0.9
	joinFuzzyMatch = 0.55
)

// FullConfidence is the word confidence from which a match counts in full;
// below it the match's score scales down in proportion.
const FullConfidence = 0.8

// Phrase matching: a cue of several words matches when its words come in
// order within the cue's length plus PhraseSlack words. Function words
// ("the", "of", "we" …) are left out of a cue that keeps two or more other
// words, so "split the documents" matches "split all of the documents"
// and "split these documents", but not "split the tickets by team and
// later the documents".
const PhraseSlack = 2

// maxCueWords caps the words of one cue that are matched, and
// maxCandidates the occurrences of one cue word looked at within one
// phrase window, so that no rubric can make matching slow.
const (
	maxCueWords   = 16
	maxCandidates = 6
)

// Matcher matches transcripts against one rubric. It holds the rubric's
// cues normalised, stemmed and indexed; it is immutable and safe for
// concurrent use. Building one for a 40-concept rubric costs about a third
// of covering a whole interview with it, so the interviewer builds it once
// per question and covers each turn with it.
type Matcher struct {
	concepts   []matchItem
	tradeoffs  []matchItem
	challenges []matchItem
	redFlags   []matchItem
	stages     []matchItem

	cues  []cue
	words []cueWord

	byText  map[string][]int32 // normalised form → cue words
	byStem  map[string][]int32
	byKey   map[string][]int32 // phonetic key → cue words of FuzzyLetters or more
	byDel   map[string][]int32 // the word and each one-letter deletion of it → cue words of FuzzyLetters or more
	prefix  map[string]bool    // first three letters of every cue stem: which transcript words need stemming
	stemAll bool               // some stem is shorter than three letters
}

type matchItem struct {
	id     string
	weight float64
	cues   []int32
}

// cue is one compiled cue: the cue words a match must contain, in order.
type cue struct {
	text    string  // as the rubric wrote it
	words   []int32 // cue words to find, in order
	window  int32   // tokens the match may span, not counting the extra token of a split word
	factor  float64 // JoinMatch for a variant with two words joined, else 1
	negates bool    // the cue itself says "not": negation rules do not apply
}

type cueWord struct {
	text, stem string
	fuzzy      bool // long enough and ASCII: edit-distance and phonetic matches apply
}

// NewMatcher compiles a rubric for matching. Cover(r, utts) is
// NewMatcher(r).Cover(utts).
func NewMatcher(r Rubric) *Matcher {
	m := &Matcher{
		byText: map[string][]int32{},
		byStem: map[string][]int32{},
		byKey:  map[string][]int32{},
		byDel:  map[string][]int32{},
		prefix: map[string]bool{},
	}
	item := func(id string, weight float64, cues []string) matchItem {
		it := matchItem{id: id, weight: weight}
		for _, c := range cues {
			it.cues = m.addCue(it.cues, c)
		}
		return it
	}
	for _, c := range r.Concepts {
		m.concepts = append(m.concepts, item(c.ID, c.Weight, c.Cues))
	}
	for _, t := range r.Tradeoffs {
		m.tradeoffs = append(m.tradeoffs, item(t.ID, 0, t.Cues))
	}
	for _, c := range r.Challenges {
		m.challenges = append(m.challenges, item(c.ID, 0, c.When))
	}
	for _, f := range r.RedFlags {
		m.redFlags = append(m.redFlags, item(f.ID, 0, f.Cues))
	}
	for _, s := range r.Structure {
		m.stages = append(m.stages, item(s.ID, 0, s.Cues))
	}
	return m
}

// addCue compiles one cue, and its variants with two adjacent words joined
// ("cross encoder" is also heard as "crossencoder"), onto ids.
func (m *Matcher) addCue(ids []int32, text string) []int32 {
	toks := tokenize(strings.Fields(text))
	if len(toks) == 0 {
		return ids
	}
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		if !functionWords[t.text] {
			words = append(words, t.text)
		}
	}
	if len(words) < 2 {
		words = words[:0]
		for _, t := range toks {
			words = append(words, t.text)
		}
	}
	if len(words) > maxCueWords {
		words = words[:maxCueWords]
	}
	negates := false
	all := texts(toks)
	for i, t := range all {
		negates = negates || negatorAt(all, i, 0, len(all)) || t == "without"
	}
	window := int32(1)
	if len(toks) > 1 {
		window = int32(len(toks) + PhraseSlack)
	}
	add := func(ws []string, factor float64) {
		c := cue{text: text, window: window, factor: factor, negates: negates}
		if len(ws) == 1 {
			c.window = 1
		}
		for _, w := range ws {
			c.words = append(c.words, m.word(w))
		}
		ids = append(ids, int32(len(m.cues)))
		m.cues = append(m.cues, c)
	}
	add(words, 1)
	if len(toks) <= 4 {
		for i := 0; i+1 < len(toks); i++ {
			a, b := toks[i].text, toks[i+1].text
			if functionWords[a] || functionWords[b] || !isASCIILetters(a) || !isASCIILetters(b) {
				continue
			}
			var joined []string
			for j, t := range toks {
				switch {
				case j == i:
					joined = append(joined, a+b)
				case j == i+1:
				case !functionWords[t.text] || len(words) == len(toks):
					joined = append(joined, t.text)
				}
			}
			add(joined, JoinMatch)
		}
	}
	return ids
}

func texts(ts []span) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.text
	}
	return out
}

// word interns a cue word and indexes its forms.
func (m *Matcher) word(text string) int32 {
	if ids := m.byText[text]; len(ids) > 0 {
		return ids[0]
	}
	id := int32(len(m.words))
	w := cueWord{text: text, stem: stem(text)}
	w.fuzzy = len(text) >= FuzzyLetters && isASCIILetters(text)
	m.words = append(m.words, w)
	m.byText[text] = []int32{id}
	m.byStem[w.stem] = append(m.byStem[w.stem], id)
	if len(w.stem) < 3 {
		m.stemAll = true
	} else {
		m.prefix[w.stem[:3]] = true
	}
	if w.fuzzy {
		key := phoneticKey(text)
		m.byKey[key] = append(m.byKey[key], id)
		m.byDel[text] = appendOnce(m.byDel[text], id)
		var buf []byte
		for i := range len(text) {
			buf = append(append(buf[:0], text[:i]...), text[i+1:]...)
			m.byDel[string(buf)] = appendOnce(m.byDel[string(buf)], id)
		}
	}
	return id
}

func appendOnce(ids []int32, id int32) []int32 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// A transcript, tokenised and indexed for one Cover call.
type doc struct {
	utts  []docUtt
	toks  []token
	texts []string // token texts, parallel to toks
	brk   []bool   // clause starts, parallel to toks
	forms []form
	index map[string]int32 // token text → form
}

type docUtt struct {
	u        *viva.Utterance
	words    []string  // written words, verbatim
	conf     []float64 // their confidence, 1 when the engine gave none
	timed    bool      // words come from Words, with times
	from, to int32     // its tokens: toks[from:to]
}

type token struct {
	form   int32
	utt    int32
	w0, w1 int32   // written words it came from, inclusive
	conf   float64 // their mean confidence
}

// form is one distinct token text and the cue words it meets.
type form struct {
	text  string
	at    []int32 // token positions
	meets []meet
}

type meet struct {
	word  int32
	exact float64
}

// occurrence is a cue word heard at tokens [start, end].
type occurrence struct {
	start, end int32
	exact      float64
	conf       float64
}

// match is a cue heard in the transcript.
type match struct {
	cue        int32
	utt        int32
	start, end int32 // tokens
	score      float64
	conf       float64
	dismissed  bool
}

func newDoc(utts []viva.Utterance) *doc {
	d := &doc{index: map[string]int32{}}
	nwords := 0
	for i := range utts {
		if u := &utts[i]; u.Speaker == viva.SpeakerCandidate {
			nwords += max(len(u.Words), strings.Count(u.Text, " ")+1)
		}
	}
	d.toks = make([]token, 0, nwords+nwords/8)
	d.texts = make([]string, 0, cap(d.toks))
	d.brk = make([]bool, 0, cap(d.toks))
	words := make([]string, 0, nwords)
	confs := make([]float64, 0, nwords)
	z := tokenizer{intern: func(b []byte) string { return d.forms[d.form(b)].text }}
	for i := range utts {
		u := &utts[i]
		if u.Speaker != viva.SpeakerCandidate {
			continue
		}
		du := docUtt{u: u, timed: len(u.Words) > 0}
		w0 := len(words)
		if du.timed {
			known := false
			for _, w := range u.Words {
				known = known || w.Confidence > 0
			}
			for _, w := range u.Words {
				words = append(words, strings.TrimSpace(w.Text))
				confs = append(confs, confidence(w.Confidence, known))
			}
		} else {
			for w := range strings.FieldsSeq(u.Text) {
				words = append(words, w)
				confs = append(confs, 1)
			}
		}
		du.words, du.conf = words[w0:len(words):len(words)], confs[w0:len(confs):len(confs)]
		spans := z.tokenize(du.words)
		clauseStarts(spans)
		du.from = int32(len(d.toks))
		ui := int32(len(d.utts))
		for _, s := range spans {
			c := 0.0
			for w := s.w0; w <= s.w1; w++ {
				c += du.conf[w]
			}
			d.toks = append(d.toks, token{form: d.index[s.text], utt: ui, w0: int32(s.w0), w1: int32(s.w1), conf: c / float64(s.w1-s.w0+1)})
			d.texts = append(d.texts, s.text)
			d.brk = append(d.brk, s.brk)
		}
		du.to = int32(len(d.toks))
		d.utts = append(d.utts, du)
	}
	// Where each form is heard, in one backing array.
	count := make([]int32, len(d.forms))
	for _, t := range d.toks {
		count[t.form]++
	}
	at := make([]int32, len(d.toks))
	off := int32(0)
	for fi := range d.forms {
		d.forms[fi].at = at[off : off : off+count[fi]]
		off += count[fi]
	}
	for i, t := range d.toks {
		f := &d.forms[t.form]
		f.at = append(f.at, int32(i))
	}
	return d
}

// confidence is a word's confidence for matching: 1 when the engine gave
// none for the whole utterance, else clamped to 0..1.
func confidence(c float64, known bool) float64 {
	switch {
	case !known:
		return 1
	case c > 1:
		return 1
	case c > 0:
		return c
	}
	return 0 // also NaN
}

// form finds or adds the form spelt b.
func (d *doc) form(b []byte) int32 {
	if id, ok := d.index[string(b)]; ok {
		return id
	}
	id := int32(len(d.forms))
	text := string(b)
	d.index[text] = id
	d.forms = append(d.forms, form{text: text})
	return id
}

// meets finds the cue words each transcript form meets.
func (m *Matcher) meets(d *doc) {
	var buf []byte
	for fi := range d.forms {
		f := &d.forms[fi]
		add := func(ids []int32, exact float64) {
			for _, w := range ids {
				if i := slices.IndexFunc(f.meets, func(x meet) bool { return x.word == w }); i >= 0 {
					f.meets[i].exact = max(f.meets[i].exact, exact)
				} else {
					f.meets = append(f.meets, meet{word: w, exact: exact})
				}
			}
		}
		t := f.text
		add(m.byText[t], ExactMatch)
		if m.stemAll || len(t) < 3 || m.prefix[t[:3]] {
			add(m.byStem[stem(t)], StemMatch)
		}
		if len(t) < FuzzyLetters-1 || !isASCIILetters(t) {
			continue
		}
		fuzzy := func(ids []int32) {
			for _, w := range ids {
				if cw := m.words[w]; within1(cw.text, t) {
					add([]int32{w}, FuzzyMatch)
				}
			}
		}
		fuzzy(m.byDel[t])
		for i := range len(t) {
			buf = append(append(buf[:0], t[:i]...), t[i+1:]...)
			fuzzy(m.byDel[string(buf)])
		}
		if len(t) >= FuzzyLetters {
			add(m.byKey[phoneticKey(t)], FuzzyMatch)
		}
	}
}

// occurrences lists, for every cue word, where it is heard, in order.
func (m *Matcher) occurrences(d *doc) [][]occurrence {
	occ := make([][]occurrence, len(m.words))
	for i, t := range d.toks {
		for _, mt := range d.forms[t.form].meets {
			occ[mt.word] = append(occ[mt.word], occurrence{start: int32(i), end: int32(i), exact: mt.exact, conf: t.conf})
		}
	}
	// Words the recogniser split in two: "re rank", "chunk in", "pg vector".
	var buf []byte
	for wi, w := range m.words {
		added := false
		for k := 1; k < len(w.text); k++ {
			fi, ok := d.index[w.text[:k]]
			if !ok || slices.ContainsFunc(d.forms[fi].meets, func(mt meet) bool { return mt.word == int32(wi) && mt.exact >= JoinMatch }) {
				continue // not heard, or heard as the cue word already ("monitor" for "monitoring")
			}
			for _, p := range d.forms[fi].at {
				q := p + 1
				if int(q) >= len(d.toks) || d.toks[q].utt != d.toks[p].utt || d.brk[q] {
					continue
				}
				second := d.texts[q]
				buf = append(append(buf[:0], w.text[:k]...), second...)
				exact := 0.0
				switch {
				case string(buf) == w.text:
					exact = JoinMatch
				case k < 2 || len(second) < 2:
				case len(w.stem) >= 2 && strings.HasPrefix(string(buf), w.stem[:len(w.stem)-1]) && stem(string(buf)) == w.stem:
					exact = joinStemMatch
				case w.fuzzy && len(buf)+1 == len(w.text) && strings.HasPrefix(w.text, string(buf)):
					exact = joinFuzzyMatch // the last letter lost: "chunk in"
				}
				if exact > 0 {
					conf := (d.toks[p].conf + d.toks[q].conf) / 2
					occ[wi] = append(occ[wi], occurrence{start: p, end: q, exact: exact, conf: conf})
					added = true
				}
			}
		}
		if added {
			slices.SortFunc(occ[wi], func(a, b occurrence) int {
				return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(b.exact, a.exact))
			})
		}
	}
	return occ
}

// weigh is what an occurrence is worth: its exactness scaled by confidence.
func weigh(o occurrence) float64 {
	return o.exact * math.Min(1, o.conf/FullConfidence)
}

// find appends every match of cue ci: for each place its first word is
// heard, the best-scoring way to complete the phrase within its window.
func (m *Matcher) find(d *doc, occ [][]occurrence, ci int32, out []match) []match {
	c := &m.cues[ci]
	if len(c.words) == 0 {
		return out
	}
	type step struct {
		o     occurrence
		sum   float64 // weights up to here
		extra int32   // split words up to here
		from  int     // the step before, in the previous level
	}
	levels := make([][]step, len(c.words))
	chain := make([]occurrence, len(c.words))
	for _, first := range occ[c.words[0]] {
		utt := d.toks[first.start].utt
		levels[0] = append(levels[0][:0], step{o: first, sum: weigh(first), extra: first.end - first.start})
		complete := true
		for j, w := range c.words[1:] {
			prev, cur := levels[j], levels[j+1][:0]
			list := occ[w]
			lo, _ := slices.BinarySearchFunc(list, first.start+1, func(o occurrence, s int32) int { return cmp.Compare(o.start, s) })
			for k, o := range list[lo:] {
				if k == maxCandidates || o.start-first.start >= c.window+int32(len(c.words)) || d.toks[o.start].utt != utt {
					break
				}
				best := step{from: -1}
				for pi, p := range prev {
					extra := p.extra + o.end - o.start
					if p.o.end >= o.start || o.end-first.start+1-extra > c.window {
						continue
					}
					if s := p.sum + weigh(o); best.from < 0 || s > best.sum {
						best = step{o: o, sum: s, extra: extra, from: pi}
					}
				}
				if best.from >= 0 {
					cur = append(cur, best)
				}
			}
			levels[j+1] = cur
			if len(cur) == 0 {
				complete = false
				break
			}
		}
		if !complete {
			continue
		}
		final := levels[len(levels)-1]
		bi := 0
		for i, p := range final {
			if p.sum > final[bi].sum {
				bi = i
			}
		}
		last := final[bi]
		// The matched words' mean confidence, each written word once.
		conf, words, prevWord := 0.0, 0, int32(-1)
		for j, i := len(levels)-1, bi; j >= 0; j-- {
			chain[j] = levels[j][i].o
			i = levels[j][i].from
		}
		for _, o := range chain {
			for p := o.start; p <= o.end; p++ {
				t := d.toks[p]
				for w := max(t.w0, prevWord+1); w <= t.w1; w++ {
					conf += d.utts[utt].conf[w]
					words++
					prevWord = w
				}
			}
		}
		mt := match{
			cue:   ci,
			utt:   utt,
			start: first.start,
			end:   last.o.end,
			score: c.factor * last.sum / float64(len(c.words)),
			conf:  conf / float64(max(words, 1)),
		}
		if !c.negates {
			u := d.utts[utt]
			mt.dismissed = dismissed(d.texts[u.from:u.to], d.brk[u.from:u.to], int(mt.start-u.from), int(mt.end-u.from))
		}
		out = append(out, mt)
	}
	return out
}
