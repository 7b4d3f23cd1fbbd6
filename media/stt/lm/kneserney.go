package lm

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Options configure Build. The zero value builds a trigram model.
type Options struct {
	// Order is the n-gram order, 1 to MaxOrder; 0 means 3.
	Order int
}

// fallbackDiscounts are used for an order whose count-of-counts give no
// valid modified Kneser–Ney discounts, as small corpora often do; they are
// KenLM's --discount_fallback defaults.
var fallbackDiscounts = [3]float64{0.5, 1, 1.5}

// Build estimates an interpolated modified Kneser–Ney model (Chen and
// Goodman 1998, as in SRILM's -kndiscount -interpolate and KenLM's lmplz)
// from tokenised sentences, each wrapped in <s> … </s>, and returns it in
// back-off form:
//
//   - The highest order uses raw counts; lower orders use continuation
//     counts (the number of distinct words seen before the n-gram), except
//     n-grams starting with <s>, which nothing precedes and which keep their
//     raw counts.
//   - Each order n has three discounts D1, D2, D3+ for n-grams seen once,
//     twice and more, from the count-of-counts n1…n4 of its (adjusted)
//     counts: Y = n1/(n1+2·n2), Dk = k − (k+1)·Y·n(k+1)/nk. Where a count-of-
//     count is zero or a discount falls outside (0, k), the order uses 0.5,
//     1 and 1.5 instead.
//   - P(w|h) = max(c(hw) − D(c(hw)), 0)/c(h·) + γ(h)·P(w|h′), where h′ drops
//     the first word of h, γ(h) = (D1·N1(h·) + D2·N2(h·) + D3+·N3+(h·))/c(h·)
//     and N_k(h·) counts the words seen after h with count k. Unigrams are
//     interpolated with the uniform distribution over the vocabulary
//     (without <s>), so the vocabulary is closed: there is no <unk>.
//   - A seen n-gram's ARPA probability is its interpolated P(w|h); the
//     back-off weight of a context h is γ(h), so every context's
//     distribution sums to one. <s> gets the conventional log10 probability
//     -99.
//
// Nothing is pruned. Empty sentences are skipped. The same sentences always
// give the same model and the same ARPA bytes.
func Build(sentences [][]string, opts Options) (*Model, error) {
	order := opts.Order
	if order == 0 {
		order = 3
	}
	if order < 1 || order > MaxOrder {
		return nil, fmt.Errorf("order %d: must be 1 to %d", order, MaxOrder)
	}

	// raw[n-1] counts the n-grams of the padded sentences.
	raw := make([]map[string]int, order)
	for i := range raw {
		raw[i] = make(map[string]int)
	}
	var padded []string
	used := 0
	for i, s := range sentences {
		if len(s) == 0 {
			continue
		}
		for _, w := range s {
			if w == "" || w == SentenceStart || w == SentenceEnd || strings.ContainsFunc(w, isSeparator) {
				return nil, fmt.Errorf("sentence %d: %w %q", i+1, ErrBadToken, w)
			}
		}
		used++
		padded = append(append(append(padded[:0], SentenceStart), s...), SentenceEnd)
		for i := range padded {
			for n := 1; n <= order && i+n <= len(padded); n++ {
				raw[n-1][strings.Join(padded[i:i+n], " ")]++
			}
		}
	}
	if used == 0 {
		return nil, ErrNoSentences
	}

	// adjusted[n-1]: raw counts at the highest order and for n-grams that
	// start with <s>, continuation counts otherwise.
	adjusted := make([]map[string]int, order)
	adjusted[order-1] = raw[order-1]
	for n := order - 1; n >= 1; n-- {
		cont := make(map[string]int, len(raw[n-1]))
		for k := range raw[n] {
			_, suffix, _ := strings.Cut(k, " ")
			cont[suffix]++
		}
		adj := make(map[string]int, len(raw[n-1]))
		for k, c := range raw[n-1] {
			switch {
			case k == SentenceStart:
				// Never predicted: kept out of the unigram distribution.
			case strings.HasPrefix(k, SentenceStart+" "):
				adj[k] = c
			default:
				adj[k] = cont[k]
			}
		}
		adjusted[n-1] = adj
	}
	delete(adjusted[0], SentenceStart) // at order 1, adjusted[0] is raw[0]

	m := &Model{grams: make([]map[string]gram, order)}
	// probs[n-1] holds the interpolated probabilities of order n, for the
	// order above.
	probs := make([]map[string]float64, order)
	m.comment = append(m.comment,
		"Interpolated modified Kneser-Ney, written in back-off form by",
		"github.com/viva-interview/viva/media/stt/lm.",
		fmt.Sprintf("%d sentences.", used))
	// vocab is the size of the unigram distribution: every word but <s>.
	vocab := len(adjusted[0])
	for n := 1; n <= order; n++ {
		d, fallback := discounts(adjusted[n-1])
		note := ""
		if fallback {
			note = " (fallback: count-of-counts too sparse)"
		}
		m.comment = append(m.comment, fmt.Sprintf("Order %d discounts D1=%.4f D2=%.4f D3+=%.4f%s.", n, d[0], d[1], d[2], note))

		// Group the n-grams by context, in a fixed order.
		keys := make([]string, 0, len(adjusted[n-1]))
		for k := range adjusted[n-1] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		grams := make(map[string]gram, len(keys)+1)
		prob := make(map[string]float64, len(keys))
		for start := 0; start < len(keys); {
			ctx := context(keys[start])
			end := start + 1
			for end < len(keys) && context(keys[end]) == ctx {
				end++
			}
			total, mass := 0, 0.0
			for _, k := range keys[start:end] {
				c := adjusted[n-1][k]
				total += c
				mass += d[min(c, 3)-1]
			}
			gamma := mass / float64(total)
			for _, k := range keys[start:end] {
				c := adjusted[n-1][k]
				lower := 1 / float64(vocab)
				if n > 1 {
					lower = probs[n-2][suffix(k)]
				}
				p := (float64(c)-d[min(c, 3)-1])/float64(total) + gamma*lower
				prob[k] = p
				grams[k] = gram{logProb: log10(p)}
			}
			if n > 1 {
				h := m.grams[n-2][ctx]
				h.logBackoff, h.hasBackoff = log10(gamma), true
				m.grams[n-2][ctx] = h
			}
			start = end
		}
		if n == 1 {
			grams[SentenceStart] = gram{logProb: noProb}
		}
		m.grams[n-1] = grams
		probs[n-1] = prob
	}
	return m, nil
}

// discounts computes the modified Kneser–Ney discounts of one order from its
// count-of-counts, or returns the fallback discounts and true.
func discounts(counts map[string]int) ([3]float64, bool) {
	var nk [5]float64
	for _, c := range counts {
		if c >= 1 && c <= 4 {
			nk[c]++
		}
	}
	if nk[1] == 0 || nk[2] == 0 || nk[3] == 0 || nk[4] == 0 {
		return fallbackDiscounts, true
	}
	y := nk[1] / (nk[1] + 2*nk[2])
	var d [3]float64
	for k := 1; k <= 3; k++ {
		d[k-1] = float64(k) - float64(k+1)*y*nk[k+1]/nk[k]
		if d[k-1] <= 0 || d[k-1] >= float64(k) {
			return fallbackDiscounts, true
		}
	}
	return d, false
}

// context drops the last word of an n-gram key; a unigram's context is "".
func context(key string) string {
	i := strings.LastIndexByte(key, ' ')
	if i < 0 {
		return ""
	}
	return key[:i]
}

// suffix drops the first word of an n-gram key.
func suffix(key string) string {
	_, s, _ := strings.Cut(key, " ")
	return s
}

// isSeparator reports whether r may not appear in an ARPA word.
func isSeparator(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }
