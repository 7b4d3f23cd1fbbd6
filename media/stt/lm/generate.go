package lm

// The domain language model of the embedded speech engine, from the
// training corpus only (never the held-out one).
//go:generate go run ./internal/buildlm -corpus ../corpus/train -out ../sphinx/model/domain.arpa
