package openaicompat

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Defaults for a zero Policy.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 2
	DefaultBackoff = 500 * time.Millisecond
)

// ParseBaseURL checks an API root, which must be an absolute http or https
// URL without a query or fragment, and returns its host for errors. Its
// errors read "<engine>: config: BaseURL …" and never show a password in
// the URL.
func ParseBaseURL(engine, baseURL string) (host string, err error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", errors.New(engine + ": config: BaseURL is not a valid URL")
	}
	switch {
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", fmt.Errorf("%s: config: BaseURL %q must be an absolute http or https URL", engine, u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%s: config: BaseURL %q must not have a query or fragment", engine, u.Redacted())
	}
	return u.Host, nil
}

// Policy is how a Client spaces and bounds its attempts.
type Policy struct {
	// Timeout bounds each attempt (default 30s).
	Timeout time.Duration
	// Retries is how many times a failed attempt is retried (default 2);
	// a negative value means never.
	Retries int
	// Backoff is the wait before the first retry (default 500ms); it
	// doubles on each retry, with jitter.
	Backoff time.Duration
}

// WithDefaults checks p and returns it with its zero values replaced by the
// defaults, and a negative Retries by 0. Its errors read "<engine>: config:
// Timeout …".
func (p Policy) WithDefaults(engine string) (Policy, error) {
	switch {
	case p.Timeout < 0:
		return p, fmt.Errorf("%s: config: Timeout %s is negative", engine, p.Timeout)
	case p.Timeout == 0:
		p.Timeout = DefaultTimeout
	}
	switch {
	case p.Retries < 0:
		p.Retries = 0
	case p.Retries == 0:
		p.Retries = DefaultRetries
	}
	switch {
	case p.Backoff < 0:
		return p, fmt.Errorf("%s: config: Backoff %s is negative", engine, p.Backoff)
	case p.Backoff == 0:
		p.Backoff = DefaultBackoff
	}
	return p, nil
}
