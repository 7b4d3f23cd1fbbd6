package lm

// The domain language model of the embedded speech engine, from the
// training corpus only (never the held-out one).
//go:generate go run ./internal/buildlm -corpus ../corpus/train -out ../sphinx/model/domain.arpa

// flite's pronunciations of the domain's words, as alternates.
//go:generate go run ./internal/fliteprons -domain ../sphinx/model/domain.dict -terms ../corpus/train/terms.txt -out ../sphinx/model/flite.dict
