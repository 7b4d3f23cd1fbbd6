package scoring

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalisation turns a transcript word or a cue into tokens that can be
// compared: lower-case, apostrophes dropped ("embedding's" is
// "embeddings", "don't" is "dont"), other punctuation splitting ("cross-
// encoder" is "cross encoder", "A/B" is "a b"), numbers written as words
// the way a speech engine writes them ("10" is "ten", "BM25" is "bm twenty
// five", "3.5" is "three point five", "1st" is "first", "90%" is "ninety
// percent"), and runs of spelt-out letters joined ("b m" is "bm", "l l m"
// is "llm"; "a" and "i" only inside one written word, as in "A/B").

// tokenizer normalises words into tokens, reusing its buffers. intern,
// when set, turns a token's bytes into a string, so that a transcript's
// repeated words share one string.
type tokenizer struct {
	intern  func(b []byte) string
	scratch []byte // the token being built
	words   []byte // a number word being interned
	toks    []string
	spans   []span
}

func (z *tokenizer) str(b []byte) string {
	if z.intern != nil {
		return z.intern(b)
	}
	return string(b)
}

// internFrom interns z.toks[from:], words that did not come from str.
func (z *tokenizer) internFrom(from int) {
	if z.intern == nil {
		return
	}
	for i := from; i < len(z.toks); i++ {
		z.words = append(z.words[:0], z.toks[i]...)
		z.toks[i] = z.intern(z.words)
	}
}

// word appends the tokens of one written word to z.toks. ends reports
// whether the word closes a clause (trailing . , ; : ! ? or a dash, or a
// word that is only such punctuation).
func (z *tokenizer) word(w string) (ends bool) {
	b := z.scratch[:0]
	flush := func() {
		if len(b) > 0 {
			z.toks = append(z.toks, z.str(b))
			b = b[:0]
		}
	}
	alnum, dash := false, false
	for i := 0; i < len(w); {
		c := w[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(w[i:])
		}
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c)
			alnum, ends = true, false
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
			alnum, ends = true, false
		case c >= '0' && c <= '9':
			flush()
			from := len(z.toks)
			var n int
			z.toks, n = numberTokens(z.toks, w[i:])
			z.internFrom(from)
			i += n
			alnum, ends = true, false
			continue
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			b = utf8.AppendRune(b, unicode.ToLower(r))
			alnum, ends = true, false
		case r == '\'' || r == '\u2019' || r == '\u02bc' || r == '`':
			// apostrophes join: "don't", "embedding's"
		case r == '%':
			flush()
			z.toks = append(z.toks, "percent")
			z.internFrom(len(z.toks) - 1)
			ends = false
		case r == '&':
			flush()
			z.toks = append(z.toks, "and")
			z.internFrom(len(z.toks) - 1)
			ends = false
		default:
			flush()
			if clausePunct(r) {
				ends = true
			}
			dash = dash || r == '-'
		}
		i += size
	}
	flush()
	z.scratch = b
	return ends || (!alnum && dash)
}

func clausePunct(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', '\u2026', '\u2014', '\u2013':
		return true
	}
	return false
}

// numberTokens reads a number at the start of s (digits, thousands commas,
// a decimal part, an ordinal suffix) and appends it in words. It returns
// how many bytes of s it used.
func numberTokens(dst []string, s string) ([]string, int) {
	var whole []byte
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			whole = append(whole, c)
			i++
			continue
		}
		if c == ',' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			i++ // thousands separator
			continue
		}
		break
	}
	var frac []byte
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			frac = append(frac, s[i])
			i++
		}
	}
	ordinal := false
	if frac == nil && i+2 <= len(s) {
		suffix := strings.ToLower(s[i : i+2])
		if (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") &&
			(i+2 == len(s) || !isLetterAt(s, i+2)) {
			ordinal = true
			i += 2
		}
	}
	start := len(dst)
	dst = appendCardinal(dst, string(whole))
	if frac != nil {
		dst = append(dst, "point")
		for _, d := range frac {
			dst = append(dst, units[d-'0'])
		}
	}
	if ordinal && len(dst) > start {
		dst[len(dst)-1] = ordinalWord(dst[len(dst)-1])
	}
	return dst, i
}

func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

var (
	units = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens   = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	scales = []string{"", "thousand", "million", "billion"}
)

// appendCardinal writes a string of digits in words: "1200" is "one
// thousand two hundred". Numbers with a leading zero ("007") or over twelve
// digits are read digit by digit, as people say them.
func appendCardinal(dst []string, digits string) []string {
	if len(digits) > 12 || (len(digits) > 1 && digits[0] == '0') {
		for i := 0; i < len(digits); i++ {
			dst = append(dst, units[digits[i]-'0'])
		}
		return dst
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	if n == 0 {
		return append(dst, "zero")
	}
	var groups [4]int
	for g := 0; n > 0; g++ {
		groups[g] = n % 1000
		n /= 1000
	}
	for g := 3; g >= 0; g-- {
		v := groups[g]
		if v == 0 {
			continue
		}
		if v >= 100 {
			dst = append(dst, units[v/100], "hundred")
			v %= 100
		}
		switch {
		case v >= 20:
			dst = append(dst, tens[v/10])
			if v%10 != 0 {
				dst = append(dst, units[v%10])
			}
		case v > 0:
			dst = append(dst, units[v])
		}
		if scales[g] != "" {
			dst = append(dst, scales[g])
		}
	}
	return dst
}

// ordinalWord turns the last word of a cardinal into an ordinal.
func ordinalWord(w string) string {
	switch w {
	case "one":
		return "first"
	case "two":
		return "second"
	case "three":
		return "third"
	case "five":
		return "fifth"
	case "eight":
		return "eighth"
	case "nine":
		return "ninth"
	case "twelve":
		return "twelfth"
	}
	if strings.HasSuffix(w, "y") {
		return w[:len(w)-1] + "ieth"
	}
	return w + "th"
}

// A span is a token and the written words it came from (indices into the
// words given to tokenize, inclusive).
type span struct {
	text   string
	w0, w1 int
	brk    bool // a clause starts at this token
}

// tokenize normalises a run of written words into tokens, marking where
// punctuation ends a clause and joining spelt-out letters.
func tokenize(words []string) []span {
	var z tokenizer
	return slices.Clone(z.tokenize(words))
}

// tokenize is tokenize with z's buffers: the spans are valid until the next
// call.
func (z *tokenizer) tokenize(words []string) []span {
	z.spans = z.spans[:0]
	brk := true
	for i, w := range words {
		z.toks = z.toks[:0]
		ends := z.word(w)
		for _, t := range z.toks {
			z.spans = append(z.spans, span{text: t, w0: i, w1: i, brk: brk})
			brk = false
		}
		if ends {
			brk = true
		}
	}
	z.spans = z.joinLetters(z.spans)
	return z.spans
}

// joinLetters joins runs of single letters within a clause ("b m" → "bm").
// "a" and "i" are words on their own, so they join only letters written in
// the same word ("A/B", "A.I.").
func (z *tokenizer) joinLetters(ts []span) []span {
	single := func(t span) bool { return len(t.text) == 1 && t.text[0] >= 'a' && t.text[0] <= 'z' }
	joins := func(a, b span) bool {
		if !single(a) || !single(b) || b.brk {
			return false
		}
		if a.text == "a" || a.text == "i" || b.text == "a" || b.text == "i" {
			return a.w1 == b.w0
		}
		return true
	}
	out := ts[:0]
	for i := 0; i < len(ts); {
		j := i
		for j+1 < len(ts) && joins(ts[j], ts[j+1]) {
			j++
		}
		if j == i {
			out = append(out, ts[i])
			i++
			continue
		}
		b := z.scratch[:0]
		for k := i; k <= j; k++ {
			b = append(b, ts[k].text...)
		}
		z.scratch = b
		out = append(out, span{text: z.str(b), w0: ts[i].w0, w1: ts[j].w1, brk: ts[i].brk})
		i = j + 1
	}
	return out
}
