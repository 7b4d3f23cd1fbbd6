// Package lm owns the language assets that make the embedded speech engine
// know the interview's vocabulary: the tokeniser shared by the language-model
// builder and the scorer ([Normalize]), a trigram language-model estimator
// that writes ARPA files ([Build], [Model.WriteARPA]), an ARPA reader and a
// perplexity evaluator ([ReadARPA], [Model.Perplexity]).
//
// The domain model media/stt/sphinx/model/domain.arpa is generated from the
// training corpus in media/stt/corpus/train by "go generate ./media/stt/lm";
// the held-out corpus in media/stt/corpus/heldout never feeds it. The
// pronunciations of the corpus words missing from the CMU dictionary live in
// media/stt/sphinx/model/domain.dict.
//
// The package does no I/O of its own beyond the readers and writers it is
// handed, and the same input always gives the same bytes.
package lm
