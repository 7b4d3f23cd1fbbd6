package openaicompat

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := Policy{Backoff: 100 * time.Millisecond}
	for n, want := range []time.Duration{100, 200, 400, 800} {
		want *= time.Millisecond
		for range 50 {
			if got := p.backoff(n + 1); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %s, want %s..%s", n+1, got, want/2, want)
			}
		}
	}
	if got := p.backoff(40); got > maxBackoff || got < maxBackoff/2 {
		t.Errorf("backoff(40) = %s, want at most %s", got, maxBackoff)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header, value string
		want          time.Duration
		ok            bool
	}{
		{"Retry-After", "3", 3 * time.Second, true},
		{"Retry-After", " 0 ", 0, true},
		{"Retry-After", "-1", 0, false},
		{"Retry-After", "soon", 0, false},
		{"Retry-After", "99999999999999999", 24 * time.Hour, true},
		{"Retry-After", "Sat, 01 Mar 2025 12:00:07 GMT", 7 * time.Second, true},
		{"Retry-After", "Sat, 01 Mar 2025 11:00:00 GMT", 0, true},
		{"Retry-After-Ms", "250", 250 * time.Millisecond, true},
		{"Retry-After-Ms", "1e300", 24 * time.Hour, true},
		{"X-Other", "3", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.header, tt.value)
		if got, ok := retryAfter(h, now); got != tt.want || ok != tt.ok {
			t.Errorf("%s: %q = %s, %v; want %s, %v", tt.header, tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, host, wantErr string
	}{
		{name: "openai", url: "https://api.openai.com/v1", host: "api.openai.com"},
		{name: "self-hosted", url: "http://whisper.internal:8000/v1/", host: "whisper.internal:8000"},
		{name: "unparsable", url: "http://[::1", wantErr: "stt: config: BaseURL is not a valid URL"},
		{name: "no scheme", url: "api.openai.com/v1", wantErr: "must be an absolute http or https URL"},
		{name: "no host", url: "http:///v1", wantErr: "must be an absolute http or https URL"},
		{name: "password redacted", url: "ftp://user:hunter2@example.com", wantErr: `"ftp://user:xxxxx@example.com"`},
		{name: "fragment", url: "http://example.com/v1#x", wantErr: "must not have a query or fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			host, err := ParseBaseURL("stt", tt.url)
			if tt.wantErr == "" {
				if err != nil || host != tt.host {
					t.Fatalf("ParseBaseURL = %q, %v; want %q", host, err, tt.host)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "stt: config: ") {
				t.Fatalf("ParseBaseURL = %q, %v; want an error with %q", host, err, tt.wantErr)
			}
		})
	}
}

func TestPolicyWithDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p, want Policy
		wantErr string
	}{
		{name: "zero", want: Policy{Timeout: DefaultTimeout, Retries: DefaultRetries, Backoff: DefaultBackoff}},
		{name: "set", p: Policy{Timeout: time.Second, Retries: 5, Backoff: time.Millisecond}, want: Policy{Timeout: time.Second, Retries: 5, Backoff: time.Millisecond}},
		{name: "never retry", p: Policy{Retries: -1}, want: Policy{Timeout: DefaultTimeout, Retries: 0, Backoff: DefaultBackoff}},
		{name: "negative timeout", p: Policy{Timeout: -time.Second}, wantErr: "tts: config: Timeout -1s is negative"},
		{name: "negative backoff", p: Policy{Backoff: -time.Second}, wantErr: "tts: config: Backoff -1s is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.p.WithDefaults("tts")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("WithDefaults = %+v, %v; want %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("WithDefaults = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	c := &Client{APIKey: "sk-secret"}
	if got := c.redact("bad key sk-secret, sk-secret"); got != "bad key [redacted], [redacted]" {
		t.Errorf("redact = %q", got)
	}
	if got := (&Client{}).redact("no key"); got != "no key" {
		t.Errorf("redact without a key = %q", got)
	}
}
