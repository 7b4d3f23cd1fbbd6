// Package viva holds the domain types every other package shares: interview
// sessions, transcripts (utterances and timed words), recordings and reports,
// and the Store interface that persists them.
//
// It imports only the standard library and github.com/google/uuid, does no
// I/O and starts no goroutines.
package viva

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound means the session (or its report) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request contradicts the current state, such as
	// ending a session that has already been scored.
	ErrConflict = errors.New("conflict")
)

// ValidationError says which field of an input is wrong and why.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}
