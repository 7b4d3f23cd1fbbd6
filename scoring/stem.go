package scoring

import "github.com/kljensen/snowball/english"

// This file holds the word-level comparisons concept matching builds on:
// stems (so "evaluate", "evaluation" and "evaluating" meet), a phonetic key
// and an edit-distance test (so that recognition errors on longer words,
// "embeding" for "embedding", still count, though less).

// stem is the English Porter2 (Snowball) stem of a normalised word. Words
// of one or two letters and English stop words come back unchanged.
func stem(w string) string { return english.Stem(w, false) }

// Fuzzy matching applies to words of at least FuzzyLetters letters, and
// only to ASCII words: recognition errors on short words too often make
// other real words.
const FuzzyLetters = 6

// isASCIILetters reports whether w is made of a–z only.
func isASCIILetters(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// within1 reports whether a and b are at most one edit apart (Levenshtein:
// one insertion, deletion or substitution), comparing bytes.
func within1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true // equal, or b has one more byte at the end
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:] // one substitution
	}
	return a[i:] == b[i+1:] // one insertion into a
}

// phoneticKey is a sound-alike key for an ASCII word, in the spirit of
// Metaphone but stricter: consonants are mapped to sound classes (ph and v
// to F, soft c and z to S, tion and sion to X, d to T, silent letters
// dropped), and each run of vowels is kept as one 'A', so that the key keeps
// the word's syllables ("monitoring" and "mentoring" differ) while
// "embeddings"/"embedings" and "faithfulness"/"faithfullness" agree.
// The key is for words of FuzzyLetters letters or more; it returns "" for
// anything not made of a–z.
func phoneticKey(w string) string {
	if !isASCIILetters(w) {
		return ""
	}
	var b [64]byte
	key := b[:0]
	emit := func(c byte) {
		if n := len(key); n > 0 && key[n-1] == c {
			return
		}
		key = append(key, c)
	}
	vowel := func(i int) bool {
		if i < 0 || i >= len(w) {
			return false
		}
		switch w[i] {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			return true
		}
		return false
	}
	at := func(i int) byte {
		if i < 0 || i >= len(w) {
			return 0
		}
		return w[i]
	}
	i := 0
	switch {
	case len(w) > 2 && (w[:2] == "kn" || w[:2] == "gn" || w[:2] == "pn" || w[:2] == "wr" || w[:2] == "ps"):
		i = 1
	case w[0] == 'x':
		emit('S')
		i = 1
	}
	for ; i < len(w); i++ {
		c := w[i]
		if i > 0 && c == w[i-1] && c != 'c' {
			continue // doubled letter
		}
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			if c == 'e' && i == len(w)-1 && len(key) > 1 {
				continue // silent final e
			}
			emit('A')
		case 'y':
			if vowel(i + 1) {
				emit('Y')
			} else {
				emit('A')
			}
		case 'b':
			if !(i == len(w)-1 && at(i-1) == 'm') {
				emit('B')
			}
		case 'c':
			switch n := at(i + 1); {
			case n == 'h':
				emit('X')
				i++
			case n == 'k':
				emit('K')
				i++
			case n == 'i' && at(i+2) == 'a', n == 'i' && at(i+2) == 'o':
				emit('X')
				i++
			case n == 'e', n == 'i', n == 'y':
				emit('S')
			default:
				emit('K')
			}
		case 'd':
			if at(i+1) == 'g' && (at(i+2) == 'e' || at(i+2) == 'i' || at(i+2) == 'y') {
				emit('J')
				i++
			} else {
				emit('T')
			}
		case 'f', 'v':
			emit('F')
		case 'g':
			switch n := at(i + 1); {
			case n == 'h':
				if vowel(i + 2) {
					emit('K')
				}
				i++
			case n == 'n' && (i+2 == len(w) || w[i+2:] == "ed"):
				// silent: "sign", "signed"
			case at(i-1) == 'n' && !vowel(i+1):
				// "ng" before a consonant or at the end: "chunking", "chunkin"
			case n == 'e', n == 'i', n == 'y':
				emit('J')
			default:
				emit('K')
			}
		case 'h':
			if (i == 0 || vowel(i-1)) && vowel(i+1) {
				emit('H')
			}
		case 'j':
			emit('J')
		case 'k', 'q':
			emit('K')
		case 'l', 'm', 'n', 'r':
			emit(c - 'a' + 'A')
		case 'p':
			if at(i+1) == 'h' {
				emit('F')
				i++
			} else {
				emit('P')
			}
		case 's':
			switch {
			case at(i+1) == 'h':
				emit('X')
				i++
			case at(i+1) == 'i' && (at(i+2) == 'o' || at(i+2) == 'a'):
				emit('X')
				i++
			default:
				emit('S')
			}
		case 't':
			switch {
			case at(i+1) == 'i' && (at(i+2) == 'o' || at(i+2) == 'a'):
				emit('X')
				i++
			case at(i+1) == 'h':
				emit('0')
				i++
			case at(i+1) == 'c' && at(i+2) == 'h':
				// "tch" sounds as "ch"
			default:
				emit('T')
			}
		case 'w':
			if vowel(i + 1) {
				emit('W')
			}
		case 'x':
			emit('K')
			emit('S')
		case 'z':
			emit('S')
		}
	}
	return string(key)
}
