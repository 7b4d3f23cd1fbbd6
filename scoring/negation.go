package scoring

import "slices"

// Negation and dismissal. A careful grader does not credit a concept the
// candidate names only to wave away ("I wouldn't bother evaluating it",
// "reranking is overkill here"). The rules, on normalised tokens:
//
//   - Scope: a negator counts when it is in the same clause as the match and
//     at most NegationWindow content words (words that are not function
//     words such as "the", "we", "would") before it. A clause ends at . , ;
//     : ! ? or a dash, before "but", "however", "so", "because", "then",
//     "although", "though", "whereas", "otherwise", "unless" and "instead"
//     (not "instead of"), and before a subject pronoun ("we", "I", "they",
//     "we'd" …) unless a verb like "think", "believe" or "sure", or "that",
//     comes just before it: "I don't think we need reranking" stays one
//     clause, "I wouldn't use FAISS we'd evaluate recall" is two.
//   - Negators: not, no, never, nor, neither, none, the n't forms (don't,
//     wouldn't, can't, isn't …), cannot, the dismissal verbs skip, ignore,
//     avoid, omit, forgo, forget, and "instead of", "rather than".
//     Phrases ("no need to", "not worth", "wouldn't bother", "don't bother")
//     are caught by their negator.
//   - Not negators: "not only/just/merely/simply" (the sentence goes on to
//     add, not remove), "or not" ("whether or not"), "no" before a pronoun
//     (an answer: "no, we would evaluate"), a negator followed within three
//     words by an obstacle ("not a problem to rerank", "isn't expensive",
//     "not that hard"), and "without" at the start of a
//     clause ("without evaluation we'd be blind" stresses the concept);
//     "without" later in a clause ("ship it without evaluation") negates.
//   - Negators cancel in pairs: "we must not skip evaluation", "never
//     ignore monitoring" and "we can't afford to skip evaluation" are
//     credited; one negator, or three, dismisses.
//   - After the match, within PostWindow content words of the same clause:
//     "overkill", "unnecessary", "pointless", "needless", "optional",
//     "unneeded", or a negator followed within three words by "needed",
//     "necessary", "required", "worth", "worthwhile", "important" or
//     "matter(s)" dismisses ("reranking isn't really needed"); a negator
//     before the adjective takes that back ("evaluation is not optional").
//     A dismissal after the match flips the verdict of the one before it.
//   - A cue that itself holds a negator ("would not use rag", "don't need
//     retrieval") is never dismissed by these rules.

// Scope of negation, in content words.
const (
	NegationWindow = 4
	PostWindow     = 3
)

// functionWords carry no concept on their own: cues drop them when two or
// more other words remain, and negation scope does not count them.
var functionWords = set(
	"a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every", "all",
	"our", "my", "your", "their", "its", "his", "her",
	"of", "to", "in", "on", "at", "for", "with", "into", "onto", "from", "by", "as", "about", "up", "out",
	"i", "we", "you", "they", "it", "he", "she", "them", "us", "me", "him",
	"im", "ive", "id", "ill", "were", "weve", "wed", "well", "youre", "youd", "youll", "youve",
	"theyre", "theyd", "theyll", "thats", "theres", "lets", "hes", "shes",
	"is", "are", "was", "be", "been", "being", "am", "have", "has", "had", "do", "does", "did",
	"would", "could", "should", "will", "can", "may", "might", "must", "shall",
	"and", "or", "then", "just", "really", "actually", "basically", "also", "very", "quite",
	"um", "uh", "erm", "er", "hmm", "uhm", "ah", "oh", "okay", "ok", "yeah",
)

// dismissals are the negators that are verbs.
var dismissals = set("skip", "skips", "skipped", "skipping", "ignore", "ignores", "ignored", "ignoring",
	"avoid", "avoids", "avoided", "avoiding", "omit", "omits", "omitted", "omitting", "forgo", "forego",
	"forget", "forgets", "forgot", "forgetting")

var negators = union(dismissals, set(
	"not", "no", "never", "nor", "neither", "none", "cannot", "without",
	"dont", "doesnt", "didnt", "wont", "wouldnt", "shouldnt", "cant", "couldnt", "isnt", "arent",
	"wasnt", "werent", "neednt", "mustnt", "havent", "hasnt", "hadnt", "aint", "mightnt", "shant",
))

// obstacles after a negator make it deny a difficulty, not the concept:
// "it's not a problem to rerank a hundred candidates", "not that hard".
var obstacles = set("problem", "problems", "issue", "issues", "hard", "difficult", "expensive", "costly", "slow",
	"complicated", "complex", "deal", "tricky", "trouble")

// notAdding follow a negator that does not negate: "not only X but Y".
var notAdding = set("only", "just", "merely", "simply")

// clauseWords start a new clause.
var clauseWords = set("but", "however", "so", "because", "then", "although", "though", "whereas",
	"otherwise", "unless", "instead")

// subjects start a new clause unless a neg-raising word precedes them.
var subjects = set("i", "we", "they", "he", "she", "im", "ive", "id", "ill", "weve", "wed",
	"theyre", "theyd", "theyll", "youre", "youd", "youll", "hes", "shes")

var negRaising = set("think", "believe", "suppose", "expect", "feel", "guess", "that", "say", "sure", "see", "reckon")

// pronouns after "no" make it an answer particle.
var pronouns = set("i", "we", "you", "they", "it", "he", "she", "that", "this", "im", "id", "wed", "well", "ill")

var dismissive = set("overkill", "unnecessary", "pointless", "needless", "optional", "unneeded")

var needed = set("needed", "necessary", "required", "worth", "worthwhile", "important", "matter", "matters")

func union(a, b map[string]bool) map[string]bool {
	m := make(map[string]bool, len(a)+len(b))
	for w := range a {
		m[w] = true
	}
	for w := range b {
		m[w] = true
	}
	return m
}

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// clauseStarts marks, for one utterance's tokens, where clauses start. The
// tokens already carry the breaks punctuation makes.
func clauseStarts(ts []span) {
	for i := range ts {
		if i == 0 {
			ts[i].brk = true
			continue
		}
		t, prev := ts[i].text, ts[i-1].text
		switch {
		case t == "instead":
			if i+1 >= len(ts) || ts[i+1].text != "of" {
				ts[i].brk = true
			}
		case clauseWords[t]:
			ts[i].brk = true
		case subjects[t] && !negRaising[prev]:
			ts[i].brk = true
		}
	}
}

// negatorAt reports whether token i of an utterance (texts) negates what
// follows it. clauseStart is the first token of i's clause; limit is where
// the matched words start (an obstacle must come before them).
func negatorAt(texts []string, i, clauseStart, limit int) bool {
	t := texts[i]
	next := ""
	if i+1 < len(texts) {
		next = texts[i+1]
	}
	prev := ""
	if i > 0 {
		prev = texts[i-1]
	}
	switch {
	case t == "instead":
		return next == "of"
	case t == "rather":
		return next == "than"
	case !negators[t]:
		return false
	case notAdding[next]:
		return false
	case t == "not" && prev == "or":
		return false
	case t == "no" && pronouns[next]:
		return false
	case !dismissals[t] && slices.ContainsFunc(texts[i+1:max(i+1, min(i+4, limit))], func(w string) bool { return obstacles[w] }):
		return false
	case t == "without":
		first := i == clauseStart || (i == clauseStart+1 && (prev == "and" || prev == "or" || prev == "so" || prev == "but" || prev == "because"))
		return !first
	}
	return true
}

// dismissed reports whether a match over tokens [start, end] of an
// utterance is negated or dismissed. texts are the utterance's tokens and
// brk their clause starts.
func dismissed(texts []string, brk []bool, start, end int) bool {
	clause := start
	for clause > 0 && !brk[clause] {
		clause--
	}
	before := 0
	content := 0
	for i := start - 1; i >= clause && content < NegationWindow; i-- {
		if negatorAt(texts, i, clause, start) {
			before++
		}
		if !functionWords[texts[i]] {
			content++
		}
	}
	after := false
	negs := 0
	content = 0
	for i := end + 1; i < len(texts) && !brk[i] && content < PostWindow; i++ {
		t := texts[i]
		switch {
		case dismissive[t]:
			after = negs%2 == 0
		case negatorAt(texts, i, clause, len(texts)):
			negs++
			for k := i + 1; k < len(texts) && k <= i+3 && !brk[k]; k++ {
				if needed[texts[k]] {
					after = true
				}
			}
		}
		if !functionWords[t] {
			content++
		}
	}
	return (before%2 == 1) != after
}
