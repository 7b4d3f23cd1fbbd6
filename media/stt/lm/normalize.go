package lm

import (
	"regexp"
	"strings"
	"unicode"
)

// Normalize turns written or recognised text into the tokens the language
// model, the pronunciation dictionaries and the scorer share. The rules, in
// order:
//
//   - Recogniser markup is dropped: filler and sentence markers such as
//     <sil>, <s>, [NOISE], ++BREATH++, and the alternate-pronunciation suffix
//     of "word(2)".
//   - Text is lower-cased; curly apostrophes become straight ones and
//     Unicode hyphens become "-". Whitespace and punctuation other than
//   - ' . , @ % $ & + / _ separate tokens; leading and trailing
//     punctuation is dropped, apostrophes inside words are kept ("i'd").
//   - Symbols become words: "@" is "at" ("recall@k" is "recall at k"), "%"
//     is "percent", "&" is "and", "+" is "plus", "$5" is "five dollars";
//     "/" and "_" only separate ("A/B" is "a b").
//   - Terms written with digits are single tokens: bm25, p50, p90, p95, p99,
//     int4, int8, fp8, fp16, fp32, bf16, f1, l1, l2, h100, a100.
//   - Other numbers become words: cardinals in American English without
//     "and" ("128" is "one hundred twenty eight", "2024" is "two thousand
//     twenty four"), decimals digit by digit after "point" ("0.05" is "zero
//     point zero five"), thousands separators allowed ("10,000"), ordinals
//     ("21st" is "twenty first"), numeric ranges ("3-5" is "three to five"),
//     and a number glued to a unit spells the unit the way it is said:
//     ms milliseconds, s seconds, min minutes, h hours, gb gigabytes, mb
//     megabytes, tb terabytes, kb kilobytes, m million, k k, b b, x x, bit
//     bit ("80ms" is "eighty milliseconds", "7B" is "seven b", "128k" is "one
//     hundred twenty eight k"). Standalone ms, gb, mb, tb and kb are
//     expanded too. Any other mix of letters and digits is split into runs
//     ("gpt-4o" is "gpt four o").
//   - Hyphenated domain compounds, the hyphenated words of the domain
//     dictionary, stay one token ("cross-encoder", "fine-tuning",
//     "k-fold"); other hyphenated words are split ("top-k" is "top k",
//     "trade-off" is "trade off", "LLM-as-a-judge" is "llm as a judge").
//   - A few spellings are unified: "k-NN" and "kNN" are "knn", "re-rank" and
//     its forms are "rerank", "e.g." is "for example", "i.e." is "that is",
//     "vs." is "versus", and British -ise/-isation spellings of the field's
//     words are American ("tokenisation" is "tokenization").
//
// Normalize is idempotent: normalising the joined output gives the same
// tokens. It never returns empty tokens.
func Normalize(text string) []string {
	text = markup.ReplaceAllString(text, " ")
	text = altPron.ReplaceAllString(text, "$1")
	text = strings.ToLower(unify.Replace(text))
	var out []string
	start := -1
	for i, r := range text {
		if isFieldRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendField(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendField(out, text[start:])
	}
	return out
}

var (
	// markup matches recogniser fillers and markers: <sil>, [NOISE], ++UH++.
	markup = regexp.MustCompile(`<[^<>\s]*>|\[[^\[\]\s]*\]|\+\+[^+\s]*\+\+`)
	// altPron matches the "(2)" that marks an alternate pronunciation.
	altPron = regexp.MustCompile(`([^\s(])\(\d+\)`)
	unify   = strings.NewReplacer("’", "'", "‘", "'", "ʼ", "'", "‐", "-", "‑", "-")
)

// isFieldRune reports whether r belongs to a field, the unit split further
// into tokens.
func isFieldRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
		strings.ContainsRune("'-.,@%$&+/_", r)
}

// appendField splits a field on the symbols that become words or separate
// tokens, and appends the tokens of each piece.
func appendField(out []string, f string) []string {
	if a, ok := abbreviations[strings.Trim(f, ".,'")]; ok {
		return append(out, a...)
	}
	start := 0
	dollars := false
	for i := 0; i < len(f); i++ {
		var word string
		switch f[i] {
		case '@':
			word = "at"
		case '%':
			word = "percent"
		case '&':
			word = "and"
		case '+':
			word = "plus"
		case '/', '_', '$':
		default:
			continue
		}
		out = appendPiece(out, f[start:i], dollars)
		dollars = f[i] == '$'
		if word != "" {
			out = append(out, word)
		}
		start = i + 1
	}
	return appendPiece(out, f[start:], dollars)
}

// appendPiece appends the tokens of a piece free of the symbols appendField
// handles; dollars says it followed a "$".
func appendPiece(out []string, p string, dollars bool) []string {
	p = strings.TrimRight(strings.TrimLeft(p, "'-,"), "'-.,")
	if len(p) > 1 && p[0] == '.' && p[1] >= '0' && p[1] <= '9' {
		p = "0" + p // ".5" is "zero point five"
	}
	p = strings.TrimLeft(p, ".")
	if p == "" {
		return out
	}
	if w, ok := numberWithUnit(p); ok {
		out = append(out, w...)
		if dollars {
			out = append(out, "dollars")
		}
		return out
	}
	if !strings.Contains(p, "-") {
		return appendWord(out, p)
	}
	if a, ok := aliases[p]; ok {
		return append(out, a)
	}
	segs := strings.FieldsFunc(p, func(r rune) bool { return r == '-' })
	if len(segs) == 2 && isNumber(segs[0]) && isNumber(segs[1]) {
		out = appendWord(out, segs[0])
		out = append(out, "to")
		return appendWord(out, segs[1])
	}
	// Keep the longest run of segments that is a compound, left to right.
	for i := 0; i < len(segs); {
		j := len(segs)
		for ; j > i+1; j-- {
			if compounds[strings.Join(segs[i:j], "-")] {
				break
			}
		}
		if j > i+1 {
			out = append(out, strings.Join(segs[i:j], "-"))
		} else {
			out = appendWord(out, segs[i])
		}
		i = j
	}
	return out
}

// appendWord appends the tokens of a piece without hyphens.
func appendWord(out []string, w string) []string {
	w = strings.Trim(w, "'.,")
	if w == "" {
		return out
	}
	if a, ok := aliases[w]; ok {
		return append(out, a)
	}
	if digitTerms[w] {
		return append(out, w)
	}
	if n, ok := numberWords(w); ok {
		return append(out, n...)
	}
	if o, ok := ordinal(w); ok {
		return append(out, o...)
	}
	if n, ok := numberWithUnit(w); ok {
		return append(out, n...)
	}
	if i := strings.IndexAny(w, ".,"); i >= 0 {
		return appendWord(appendWord(out, w[:i]), w[i+1:])
	}
	if !strings.ContainsAny(w, "0123456789") {
		return append(out, w)
	}
	// A mix of letters and digits: letter runs are words, digit runs numbers.
	isDigit := func(r rune) bool { return r >= '0' && r <= '9' }
	for w != "" {
		i := strings.IndexFunc(w, func(r rune) bool { return isDigit(r) != isDigit(rune(w[0])) })
		if i < 0 {
			i = len(w)
		}
		run := w[:i]
		w = w[i:]
		switch {
		case isDigits(run):
			out = append(out, cardinalWords(run)...)
		default:
			out = appendWord(out, strings.ReplaceAll(run, "'", ""))
		}
	}
	return out
}

// isNumber reports whether s is a number numberWords spells.
func isNumber(s string) bool {
	_, ok := numberWords(s)
	return ok
}

// ordinal spells "1st", "22nd", "3rd", "4th".
func ordinal(w string) ([]string, bool) {
	if len(w) < 3 {
		return nil, false
	}
	n, suf := w[:len(w)-2], w[len(w)-2:]
	if !isDigits(n) {
		return nil, false
	}
	last := n[len(n)-1]
	teen := len(n) > 1 && n[len(n)-2] == '1'
	want := "th"
	switch {
	case teen:
	case last == '1':
		want = "st"
	case last == '2':
		want = "nd"
	case last == '3':
		want = "rd"
	}
	if suf != want {
		return nil, false
	}
	return ordinalWords(n), true
}

// numberWithUnit spells a number glued to a unit: "80ms", "7b", "2.5x".
func numberWithUnit(w string) ([]string, bool) {
	i := strings.LastIndexAny(w, "0123456789")
	if i < 0 {
		return nil, false
	}
	num, unit := w[:i+1], w[i+1:]
	n, ok := numberWords(num)
	if !ok {
		return nil, false
	}
	if unit == "" {
		return n, true
	}
	u, ok := units[unit]
	if !ok {
		return nil, false
	}
	return append(n, u), true
}

var (
	// compounds are the hyphenated words of the domain dictionary, kept as
	// one token. TestDictionaries checks the two agree.
	compounds = set(
		"bi-encoder", "bi-encoders", "cross-encoder", "cross-encoders",
		"cross-entropy", "cross-validation", "few-shot", "fine-tune",
		"fine-tuned", "fine-tunes", "fine-tuning", "k-fold", "multi-agent",
		"multi-head", "one-shot", "self-attention", "zero-shot",
	)

	// digitTerms are the domain's terms written with digits, kept as one
	// token; each has an entry in the domain dictionary.
	digitTerms = set(
		"a100", "bf16", "bm25", "f1", "fp16", "fp32", "fp8", "h100", "int4",
		"int8", "l1", "l2", "p50", "p90", "p95", "p99",
	)

	// units are said after a number: "80ms" is "eighty milliseconds".
	units = map[string]string{
		"ms": "milliseconds", "s": "seconds", "sec": "seconds", "min": "minutes",
		"h": "hours", "gb": "gigabytes", "mb": "megabytes", "tb": "terabytes",
		"kb": "kilobytes", "m": "million", "k": "k", "b": "b", "x": "x",
		"bit": "bit",
	}

	// abbreviations are whole fields said as other words.
	abbreviations = map[string][]string{
		"e.g": {"for", "example"},
		"i.e": {"that", "is"},
		"vs":  {"versus"},
	}

	// aliases unify spellings of one word.
	aliases = map[string]string{
		"k-nn": "knn", "re-rank": "rerank", "re-ranks": "reranks",
		"re-ranked": "reranked", "re-ranker": "reranker",
		"re-rankers": "rerankers", "re-ranking": "reranking",
		"ms": "milliseconds", "gb": "gigabytes", "mb": "megabytes",
		"tb": "terabytes", "kb": "kilobytes",
		// British spellings of the field's words.
		"tokenise": "tokenize", "tokenised": "tokenized", "tokenises": "tokenizes",
		"tokeniser": "tokenizer", "tokenisers": "tokenizers",
		"tokenisation": "tokenization", "regularise": "regularize",
		"regularised": "regularized", "regularisation": "regularization",
		"quantise": "quantize", "quantised": "quantized",
		"quantisation": "quantization", "optimise": "optimize",
		"optimised": "optimized", "optimises": "optimizes",
		"optimisation": "optimization", "normalise": "normalize",
		"normalised": "normalized", "normalisation": "normalization",
		"summarise": "summarize", "summarised": "summarized",
		"summarises": "summarizes", "summarisation": "summarization",
		"generalise": "generalize", "generalisation": "generalization",
		"memorise": "memorize", "memorises": "memorizes",
		"memorised": "memorized", "prioritise": "prioritize",
		"utilisation": "utilization", "visualise": "visualize",
		"analyse": "analyze", "analysed": "analyzed",
		"behaviour": "behavior", "behaviours": "behaviors",
		"behavioural": "behavioral", "modelling": "modeling",
		"labelled": "labeled", "labelling": "labeling",
		"catalogue": "catalog",
	}
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
