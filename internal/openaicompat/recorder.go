package openaicompat

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// recorder is the go-openai HTTP client for one attempt. It remembers the
// status and Retry-After of the reply, which go-openai does not return with
// its errors, and bounds the reply's size to max bytes.
type recorder struct {
	c             *http.Client
	max           int64
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
	resp.Body = &cappedBody{rc: resp.Body, max: r.max, left: r.max}
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

// tooLargeError is a reply longer than the cap.
type tooLargeError struct{ max int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("reply larger than %d bytes", e.max) }

// cappedBody fails a read past max bytes with a *tooLargeError.
type cappedBody struct {
	rc   io.ReadCloser
	max  int64
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the cap: fine if the body ends here.
		var one [1]byte
		if _, err := io.ReadFull(b.rc, one[:]); err != nil {
			return 0, err
		}
		return 0, &tooLargeError{max: b.max}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
