// Package openaicompat owns calling an OpenAI-compatible HTTP API: a
// per-attempt client that records the reply's status and Retry-After and
// caps its size, failure classification, exponential backoff with jitter
// honouring Retry-After, API-key redaction, and validation of the BaseURL
// and timeouts of an adapter's config. The speech-to-text and text-to-speech
// adapters for such servers share it; each says which endpoint it calls and
// how its replies go wrong.
package openaicompat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Retry policy.
//
// Network errors, attempt timeouts, 408, 429 and 5xx replies are retried
// after Backoff, 2×Backoff, 4×Backoff, … (capped at maxBackoff), each wait
// drawn uniformly from its upper half so that clients do not retry in step.
// A Retry-After (or OpenAI's Retry-After-Ms) header replaces the computed
// wait. Other 4xx replies, and 2xx replies that are not what was asked for,
// are not retried: another attempt would get the same answer, so the caller
// falls back at once. So is a wait longer than maxRetryAfter, or one that
// would outlast ctx's deadline: a candidate would not wait that long for
// one utterance or one prompt.
const (
	maxBackoff    = 10 * time.Second
	maxRetryAfter = 10 * time.Second
	// maxMessage bounds how much of a server's error message goes into an
	// error.
	maxMessage = 200
)

// Client calls one endpoint of an OpenAI-compatible server, retrying the
// failures that may pass. Its fields are set once, before the first Call;
// it is then safe for concurrent use.
type Client struct {
	// Engine names the adapter in errors and logs ("whisper", "openai
	// speech").
	Engine string
	// Host is the server's host, for errors (see ParseBaseURL).
	Host string
	// BaseURL is the API root, checked by ParseBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token, and removed from every error;
	// empty sends none.
	APIKey string
	// Policy bounds and spaces the attempts; see Policy.WithDefaults.
	Policy Policy
	// HTTP sends the requests (nil: a new http.Client).
	HTTP *http.Client
	// Log receives attempt failures (nil: discard).
	Log *slog.Logger
	// Unavailable is the sentinel that the error of a server that gives no
	// answer wraps, such as stt.ErrUnavailable.
	Unavailable error
	// MaxReplyBytes bounds a reply; reading past it fails the attempt for
	// good.
	MaxReplyBytes int64
	// Malformed recognises the error of a 2xx reply that is not what was
	// asked for, and says why; such an attempt is not retried. The reason
	// is redacted before it goes into an error. Nil recognises none.
	Malformed func(err error) (cause string, ok bool)
}

// Call runs attempt until it succeeds, fails for good, or the retries run
// out, and returns its result and how many attempts it took. Each attempt
// gets a context bounded by Policy.Timeout and a go-openai client of its
// own, which records the reply's status and Retry-After and caps its size;
// an error attempt returns (reading the reply included) is classified from
// those.
//
// When the server cannot answer, the error wraps c.Unavailable and reads
// "<Engine> at <Host>: <Unavailable>: <cause> (<n> attempts)". When ctx
// ends, Call returns at once with an error wrapping ctx.Err().
func Call[T any](ctx context.Context, c *Client, attempt func(ctx context.Context, api *openai.Client) (T, error)) (T, int, error) {
	var zero T
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for n := 1; ; n++ {
		res, f := once(ctx, c, attempt)
		if f == nil {
			return res, n, nil
		}
		if err := ctx.Err(); err != nil {
			return zero, n, fmt.Errorf("%s: %w", c.Engine, err)
		}
		wait, retry := c.retryWait(ctx, f, n)
		if !retry {
			return zero, n, c.unavailable(f, n)
		}
		log.LogAttrs(ctx, slog.LevelWarn, c.Engine+" attempt failed",
			slog.Int("attempt", n),
			slog.String("failure", string(f.kind)),
			slog.Int("status", f.status),
			slog.Duration("retry_in", wait),
		)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, n, fmt.Errorf("%s: %w", c.Engine, ctx.Err())
		case <-t.C:
		}
	}
}

// once makes one attempt, bounded by the configured timeout.
func once[T any](ctx context.Context, c *Client, attempt func(context.Context, *openai.Client) (T, error)) (T, *failure) {
	actx, cancel := context.WithTimeout(ctx, c.Policy.Timeout)
	defer cancel()
	// A client per attempt, so the recorder sees this attempt's reply:
	// go-openai drops the status and headers of a failed reply, and
	// Retry-After with them.
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	rec := &recorder{c: hc, max: c.MaxReplyBytes}
	cc := openai.DefaultConfig(c.APIKey)
	cc.BaseURL = c.BaseURL
	cc.HTTPClient = rec
	res, err := attempt(actx, openai.NewClientWithConfig(cc))
	if err != nil {
		var zero T
		return zero, c.classify(ctx, actx, rec, err)
	}
	return res, nil
}

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

// classify turns the error of one attempt into a failure.
func (c *Client) classify(ctx, actx context.Context, rec *recorder, err error) *failure {
	switch {
	case ctx.Err() != nil:
		return &failure{kind: failCancelled, cause: "cancelled"}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return &failure{kind: failTimeout, cause: fmt.Sprintf("timed out after %s", c.Policy.Timeout), status: rec.status, retry: true}
	case rec.status == 0:
		return &failure{kind: failNetwork, cause: c.redact(err.Error()), retry: true}
	case rec.status < 200 || rec.status > 299:
		f := &failure{
			kind:          failStatus,
			status:        rec.status,
			retry:         rec.status == http.StatusTooManyRequests || rec.status == http.StatusRequestTimeout || rec.status >= 500,
			retryAfter:    rec.retryAfter,
			hasRetryAfter: rec.hasRetryAfter,
		}
		f.cause = fmt.Sprintf("status %d %s", rec.status, http.StatusText(rec.status))
		if msg := c.serverMessage(err); msg != "" {
			f.cause += ": " + msg
		}
		return f
	}
	// A 2xx reply that was too large, not what was asked for, or could not
	// be read.
	var large *tooLargeError
	if errors.As(err, &large) {
		return &failure{kind: failMalformed, cause: large.Error(), status: rec.status}
	}
	if c.Malformed != nil {
		if cause, ok := c.Malformed(err); ok {
			return &failure{kind: failMalformed, cause: c.redact(cause), status: rec.status}
		}
	}
	return &failure{kind: failNetwork, cause: "reading reply: " + c.redact(err.Error()), status: rec.status, retry: true}
}

// serverMessage is the error message the server gave, cleaned up and
// shortened, or "".
func (c *Client) serverMessage(err error) string {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
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
	msg = c.redact(strings.Join(strings.Fields(msg), " "))
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
func (c *Client) redact(s string) string {
	if c.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.APIKey, "[redacted]")
}

// retryWait says whether to retry after failed attempt n, and after how
// long. It may add to f.cause why it does not.
func (c *Client) retryWait(ctx context.Context, f *failure, n int) (time.Duration, bool) {
	if !f.retry || n > c.Policy.Retries {
		return 0, false
	}
	wait := c.Policy.backoff(n)
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
func (p Policy) backoff(n int) time.Duration {
	d := p.Backoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// unavailable is the error after the last attempt, n, failed with f.
func (c *Client) unavailable(f *failure, n int) error {
	attempts := "1 attempt"
	if n > 1 {
		attempts = strconv.Itoa(n) + " attempts"
	}
	return fmt.Errorf("%s at %s: %w: %s (%s)", c.Engine, c.Host, c.Unavailable, f.cause, attempts)
}
