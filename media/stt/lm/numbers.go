package lm

import "strings"

var (
	ones = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	// scales are the short-scale names of successive powers of a thousand.
	scales = [...]string{"", "thousand", "million", "billion", "trillion"}

	// ordinalOf maps the last word of a cardinal to its ordinal form.
	ordinalOf = map[string]string{
		"zero": "zeroth", "one": "first", "two": "second", "three": "third", "four": "fourth",
		"five": "fifth", "six": "sixth", "seven": "seventh", "eight": "eighth", "nine": "ninth",
		"ten": "tenth", "eleven": "eleventh", "twelve": "twelfth", "thirteen": "thirteenth",
		"fourteen": "fourteenth", "fifteen": "fifteenth", "sixteen": "sixteenth",
		"seventeen": "seventeenth", "eighteen": "eighteenth", "nineteen": "nineteenth",
		"twenty": "twentieth", "thirty": "thirtieth", "forty": "fortieth", "fifty": "fiftieth",
		"sixty": "sixtieth", "seventy": "seventieth", "eighty": "eightieth", "ninety": "ninetieth",
		"hundred": "hundredth", "thousand": "thousandth", "million": "millionth",
		"billion": "billionth", "trillion": "trillionth",
	}
)

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitWords spells s digit by digit: "007" is "zero zero seven".
func digitWords(s string) []string {
	w := make([]string, 0, len(s))
	for i := 0; i < len(s); i++ {
		w = append(w, ones[s[i]-'0'])
	}
	return w
}

// cardinalWords spells a run of digits as a cardinal number in American
// English without "and": "128" is "one hundred twenty eight". Runs with a
// leading zero or too long for the scale names are spelt digit by digit.
func cardinalWords(s string) []string {
	if len(s) > 1 && s[0] == '0' || len(s) > 3*len(scales) {
		return digitWords(s)
	}
	if strings.Trim(s, "0") == "" {
		return []string{"zero"}
	}
	var groups []string // groups of three digits, most significant first
	for first := len(s) % 3; len(s) > 0; first = 3 {
		if first == 0 {
			first = 3
		}
		groups = append(groups, s[:first])
		s = s[first:]
	}
	var w []string
	for i, g := range groups {
		n := atoi(g)
		if n == 0 {
			continue
		}
		w = append(w, below1000(n)...)
		if scale := scales[len(groups)-1-i]; scale != "" {
			w = append(w, scale)
		}
	}
	return w
}

// below1000 spells 1 ≤ n ≤ 999.
func below1000(n int) []string {
	var w []string
	if n >= 100 {
		w = append(w, ones[n/100], "hundred")
		n %= 100
	}
	switch {
	case n == 0:
	case n < 20:
		w = append(w, ones[n])
	default:
		w = append(w, tens[n/10])
		if n%10 != 0 {
			w = append(w, ones[n%10])
		}
	}
	return w
}

// ordinalWords spells a run of digits as an ordinal: "21" is "twenty first".
func ordinalWords(s string) []string {
	w := cardinalWords(s)
	if o, ok := ordinalOf[w[len(w)-1]]; ok {
		w[len(w)-1] = o
	}
	return w
}

// numberWords spells a decimal number with optional thousands separators
// ("10,000", "0.05", "3.5"), or returns false if s is not one.
func numberWords(s string) ([]string, bool) {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && !isDigits(frac) {
		return nil, false
	}
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 || groups[0][0] == '0' {
			return nil, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 || !isDigits(g) {
				return nil, false
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" && hasPoint {
		intPart = "0" // ".5" is "zero point five"
	}
	if !isDigits(intPart) {
		return nil, false
	}
	w := cardinalWords(intPart)
	if hasPoint {
		w = append(w, "point")
		w = append(w, digitWords(frac)...)
	}
	return w, true
}

// atoi converts a short run of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
