// Package interviewer owns the question bank and the interviewer's state
// machine, Step(state, event) -> (state, actions): it asks, listens, and
// probes what the answer missed, under the clock. It is pure: no I/O, no
// goroutines.
//
// It arrives with the interviewer; until then the package is empty.
package interviewer
