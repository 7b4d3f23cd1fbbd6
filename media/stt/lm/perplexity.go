package lm

import "math"

// Perplexity is how well a model predicts a set of sentences.
type Perplexity struct {
	Sentences int
	// Words is the number of in-vocabulary words scored, </s> not included.
	Words int
	// OOVs is the number of words not in the model's vocabulary; they are
	// skipped and the context starts afresh after them, as in SRILM.
	OOVs int
	// LogProb is the total log10 probability of the words and each
	// sentence's </s>.
	LogProb float64
}

// PPL is the perplexity over words and sentence ends:
// 10^(−LogProb / (Words + Sentences)).
func (p Perplexity) PPL() float64 {
	return math.Pow(10, -p.LogProb/float64(p.Words+p.Sentences))
}

// Perplexity scores tokenised sentences, each wrapped in <s> … </s>.
func (m *Model) Perplexity(sentences [][]string) Perplexity {
	var p Perplexity
	for _, s := range sentences {
		if len(s) == 0 {
			continue
		}
		p.Sentences++
		context := []string{SentenceStart}
		for _, w := range append(s[:len(s):len(s)], SentenceEnd) {
			lp, ok := m.LogProb(context, w)
			if !ok || w == SentenceStart {
				p.OOVs++
				context = context[:0]
				continue
			}
			if w != SentenceEnd {
				p.Words++
			}
			p.LogProb += lp
			context = append(context, w)
		}
	}
	return p
}
