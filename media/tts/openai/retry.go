package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	oa "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva/media/tts"
)

// Retry policy.
//
// Network errors, attempt timeouts, 408, 429 and 5xx replies are retried
// after Backoff, 2×Backoff, 4×Backoff, … (capped at maxBackoff), each wait
// drawn uniformly from its upper half so that clients do not retry in step.
// A Retry-After (or OpenAI's Retry-After-Ms) header replaces the computed
// wait. Other 4xx replies, and 200 replies that are not audio,
// are not retried: another attempt would get the same answer, so the caller
// falls back at once. So is a wait longer than maxRetryAfter, or one that
// would outlast ctx's deadline: a candidate would not wait that long for
// one prompt.
const (
	maxBackoff    = 10 * time.Second
	maxRetryAfter = 10 * time.Second
	// maxReplyBytes bounds a reply: 2,000 characters of speech are about
	// three minutes, 8.6 MB of 24 kHz 16-bit PCM.
	maxReplyBytes = 32 << 20
	// maxMessage bounds how much of a server's error message goes into an
	// error.
	maxMessage = 200
)

// failureKind classifies a failed attempt, for logs.
type failureKind string

const (
	failTimeout   failureKind = "timeout"
	failNetwork   failureKind = "network"
	failStatus    failureKind = "status"
	failMalformed failureKind = "malformed_reply"
	failCancelled failureKind = "cancelled"
)

// failure is why one attempt failed.
type failure struct {
	kind   failureKind
	cause  string // for the error; never holds the API key
	status int    // HTTP status, 0 if none arrived
	retry  bool
	// retryAfter is the server's Retry-After, when hasRetryAfter.
	retryAfter    time.Duration
	hasRetryAfter bool
}

var errReplyTooLarge = fmt.Errorf("reply larger than %d bytes", maxReplyBytes)

// classify turns the error of one attempt into a failure.
func (e *Engine) classify(ctx, actx context.Context, rec *recorder, err error) *failure {
	switch {
	case ctx.Err() != nil:
		return &failure{kind: failCancelled, cause: "cancelled"}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return &failure{kind: failTimeout, cause: fmt.Sprintf("timed out after %s", e.cfg.Timeout), status: rec.status, retry: true}
	case rec.status == 0:
		return &failure{kind: failNetwork, cause: e.redact(err.Error()), retry: true}
	case rec.status < 200 || rec.status > 299:
		f := &failure{
			kind:          failStatus,
			status:        rec.status,
			retry:         rec.status == http.StatusTooManyRequests || rec.status == http.StatusRequestTimeout || rec.status >= 500,
			retryAfter:    rec.retryAfter,
			hasRetryAfter: rec.hasRetryAfter,
		}
		f.cause = fmt.Sprintf("status %d %s", rec.status, http.StatusText(rec.status))
		if msg := e.serverMessage(err); msg != "" {
			f.cause += ": " + msg
		}
		return f
	}
	// A 2xx reply that was not audio, or could not be read.
	var bad *badReply
	switch {
	case errors.Is(err, errReplyTooLarge):
		return &failure{kind: failMalformed, cause: errReplyTooLarge.Error(), status: rec.status}
	case errors.As(err, &bad):
		return &failure{kind: failMalformed, cause: e.redact(bad.msg), status: rec.status}
	}
	return &failure{kind: failNetwork, cause: "reading reply: " + e.redact(err.Error()), status: rec.status, retry: true}
}

// badReply is a 2xx reply that is not the audio asked for.
type badReply struct{ msg string }

func (b *badReply) Error() string { return b.msg }

// serverMessage is the error message the server gave, cleaned up and
// shortened, or "".
func (e *Engine) serverMessage(err error) string {
	var apiErr *oa.APIError
	var reqErr *oa.RequestError
	var msg string
	switch {
	case errors.As(err, &apiErr):
		msg = apiErr.Message
	case errors.As(err, &reqErr):
		msg = string(reqErr.Body)
	}
	msg = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, msg)
	msg = e.redact(strings.Join(strings.Fields(msg), " "))
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// redact removes the API key from s.
func (e *Engine) redact(s string) string {
	if e.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, e.cfg.APIKey, "[redacted]")
}

// retryWait says whether to retry after failed attempt n, and after how
// long. It may add to f.cause why it does not.
func (e *Engine) retryWait(ctx context.Context, f *failure, n int) (time.Duration, bool) {
	if !f.retry || n > e.cfg.Retries {
		return 0, false
	}
	wait := e.backoff(n)
	if f.hasRetryAfter {
		if f.retryAfter > maxRetryAfter {
			f.cause += fmt.Sprintf(", server asks to retry after %s", f.retryAfter)
			return 0, false
		}
		wait = f.retryAfter
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		f.cause += fmt.Sprintf(", no time left to retry after %s", wait.Round(time.Millisecond))
		return 0, false
	}
	return wait, true
}

// backoff is the wait after failed attempt n (from 1): Backoff·2^(n-1),
// capped at maxBackoff, drawn from the upper half.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.Backoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// unavailable is the error after the last attempt, n, failed with f.
func (e *Engine) unavailable(f *failure, n int) error {
	attempts := "1 attempt"
	if n > 1 {
		attempts = strconv.Itoa(n) + " attempts"
	}
	return fmt.Errorf("openai speech at %s: %w: %s (%s)", e.host, tts.ErrUnavailable, f.cause, attempts)
}

// recorder is the go-openai HTTP client for one attempt. It remembers the
// status and Retry-After of the reply, which go-openai does not return with
// its errors, and bounds the reply's size.
type recorder struct {
	c             *http.Client
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.c.Do(req)
	if err != nil {
		return nil, err
	}
	r.status = resp.StatusCode
	r.retryAfter, r.hasRetryAfter = retryAfter(resp.Header, time.Now())
	resp.Body = &cappedBody{rc: resp.Body, left: maxReplyBytes}
	return resp, nil
}

// retryAfter reads Retry-After-Ms (OpenAI's) or Retry-After (seconds or an
// HTTP date) from h.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	const most = 24 * time.Hour // keeps the arithmetic in range
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 0 {
			return time.Duration(min(ms, float64(most/time.Millisecond)) * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(most/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), most), true
	}
	return 0, false
}

// cappedBody fails a read past left bytes with errReplyTooLarge.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the cap: fine if the body ends here.
		var one [1]byte
		if _, err := io.ReadFull(b.rc, one[:]); err != nil {
			return 0, err
		}
		return 0, errReplyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
