// Package whisper is the speech-to-text engine for any OpenAI-compatible
// /audio/transcriptions endpoint: OpenAI itself, or a self-hosted Whisper
// server (faster-whisper, whisper.cpp, LocalAI, …). It uploads each
// utterance as a 16 kHz mono WAV file, asks for verbose_json with word and
// segment timestamps, and maps the reply onto the interview's time base.
//
// Failures the caller can do nothing about but fall back (the server is
// unreachable, slow, overloaded, refuses the key, or answers garbage) wrap
// stt.ErrUnavailable, after retrying those that may pass. Audio and
// transcripts are personal data and are never logged.
package whisper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva/media/stt"
)

// Defaults for a zero Config.
const (
	DefaultBaseURL  = "https://api.openai.com/v1"
	DefaultModel    = openai.Whisper1
	DefaultLanguage = "en"
	DefaultTimeout  = 30 * time.Second
	DefaultRetries  = 2
	DefaultBackoff  = 500 * time.Millisecond
)

const (
	// silenceThreshold is the largest sample magnitude (about -60 dBFS) of
	// audio treated as digital silence and not sent to the server.
	silenceThreshold = 32
	// minUtteranceMS is the shortest audio sent; OpenAI refuses anything
	// under 0.1 s and no word is that short.
	minUtteranceMS = 100
	// fileName names the uploaded file; servers pick the decoder by its
	// extension.
	fileName = "utterance.wav"
)

// Config configures an Engine. Zero values are the documented defaults.
type Config struct {
	// BaseURL is the API root the path /audio/transcriptions is appended
	// to (default https://api.openai.com/v1; a self-hosted server is
	// typically http://host:8000/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (most self-hosted
	// servers need none).
	APIKey string
	// Model is the transcription model (default "whisper-1").
	Model string
	// Language is the ISO-639-1 code of the speech (default "en"); "auto"
	// lets the server detect it.
	Language string
	// Prompt is an optional hint that steers spelling and vocabulary, such
	// as the interview's domain terms ("RAG, pgvector, BM25, reranker").
	Prompt string
	// Timeout bounds each attempt (default 30s).
	Timeout time.Duration
	// Retries is how many times a failed attempt is retried (default 2);
	// a negative value means never.
	Retries int
	// Backoff is the wait before the first retry (default 500ms); it
	// doubles on each retry, with jitter.
	Backoff time.Duration
	// HTTPClient sends the requests (default a new http.Client).
	HTTPClient *http.Client
	// Logger receives attempt failures and timings, never audio or text
	// (default: discard).
	Logger *slog.Logger
}

// Engine transcribes utterances with an OpenAI-compatible server. It is
// safe for concurrent use.
type Engine struct {
	cfg  Config
	host string // for error messages
	name string
	http *http.Client
	log  *slog.Logger
}

var _ stt.Transcriber = (*Engine)(nil)

// New checks cfg, fills in its defaults and returns an Engine. It makes no
// request.
func New(cfg Config) (*Engine, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, errors.New("whisper: config: BaseURL is not a valid URL")
	}
	switch {
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("whisper: config: BaseURL %q must be an absolute http or https URL", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("whisper: config: BaseURL %q must not have a query or fragment", u.Redacted())
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	switch cfg.Language {
	case "":
		cfg.Language = DefaultLanguage
	case "auto":
		cfg.Language = ""
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("whisper: config: Timeout %s is negative", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries < 0:
		cfg.Retries = 0
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	}
	switch {
	case cfg.Backoff < 0:
		return nil, fmt.Errorf("whisper: config: Backoff %s is negative", cfg.Backoff)
	case cfg.Backoff == 0:
		cfg.Backoff = DefaultBackoff
	}
	e := &Engine{
		cfg:  cfg,
		host: u.Host,
		name: "whisper:" + cfg.Model,
		http: cfg.HTTPClient,
		log:  cfg.Logger,
	}
	if e.http == nil {
		e.http = &http.Client{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.cfg.HTTPClient, e.cfg.Logger = nil, nil
	return e, nil
}

// Name is the engine's name as results carry it: "whisper:" and the model.
func (e *Engine) Name() string { return e.name }

// Transcribe sends one utterance to the server and returns its words on the
// interview's time base.
//
// Empty, silent (every sample within ±32) or very short (under 100 ms)
// audio gives an empty Result with a Reason and makes no request. Audio
// longer than stt.MaxUtteranceMS, or with a negative StartMS, is an error
// wrapping stt.ErrBadAudio. When the server cannot give a transcript the
// error wraps stt.ErrUnavailable. When ctx ends, Transcribe returns at once
// with an error wrapping ctx.Err().
func (e *Engine) Transcribe(ctx context.Context, a stt.Audio) (stt.Result, error) {
	if err := ctx.Err(); err != nil {
		return stt.Result{}, fmt.Errorf("whisper: %w", err)
	}
	dur := a.DurationMS()
	switch {
	case a.StartMS < 0:
		return stt.Result{}, fmt.Errorf("whisper: %w: start %d ms is negative", stt.ErrBadAudio, a.StartMS)
	case dur > stt.MaxUtteranceMS:
		return stt.Result{}, fmt.Errorf("whisper: %w: %d ms is longer than the %d ms limit", stt.ErrBadAudio, dur, stt.MaxUtteranceMS)
	case len(a.PCM) == 0:
		return stt.Result{Engine: e.name, Reason: reasonEmpty}, nil
	case silent(a.PCM):
		return stt.Result{Engine: e.name, Reason: reasonSilent}, nil
	case dur < minUtteranceMS:
		return stt.Result{Engine: e.name, Reason: reasonShort}, nil
	}

	began := time.Now()
	resp, attempts, err := e.call(ctx, encodeWAV(a.PCM))
	if err != nil {
		return stt.Result{}, err
	}
	res := mapReply(&resp, a.StartMS, dur)
	res.Engine = e.name
	e.log.LogAttrs(ctx, slog.LevelDebug, "whisper transcribed",
		slog.Int64("audio_ms", dur),
		slog.Int("words", len(res.Words)),
		slog.Int("attempts", attempts),
		slog.Int64("latency_ms", time.Since(began).Milliseconds()),
	)
	return res, nil
}

// call sends wav until an attempt succeeds, fails for good, or the retries
// run out; it returns the reply and how many attempts it took.
func (e *Engine) call(ctx context.Context, wav []byte) (openai.AudioResponse, int, error) {
	for n := 1; ; n++ {
		resp, f := e.attempt(ctx, wav)
		if f == nil {
			return resp, n, nil
		}
		if err := ctx.Err(); err != nil {
			return openai.AudioResponse{}, n, fmt.Errorf("whisper: %w", err)
		}
		wait, retry := e.retryWait(ctx, f, n)
		if !retry {
			return openai.AudioResponse{}, n, e.unavailable(f, n)
		}
		e.log.LogAttrs(ctx, slog.LevelWarn, "whisper attempt failed",
			slog.Int("attempt", n),
			slog.String("failure", string(f.kind)),
			slog.Int("status", f.status),
			slog.Duration("retry_in", wait),
		)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return openai.AudioResponse{}, n, fmt.Errorf("whisper: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// attempt makes one request, bounded by the configured timeout.
func (e *Engine) attempt(ctx context.Context, wav []byte) (openai.AudioResponse, *failure) {
	actx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	// A client per attempt, so the recorder sees this attempt's reply:
	// go-openai drops the status and headers of a failed reply, and
	// Retry-After with them.
	rec := &recorder{c: e.http}
	cc := openai.DefaultConfig(e.cfg.APIKey)
	cc.BaseURL = e.cfg.BaseURL
	cc.HTTPClient = rec
	resp, err := openai.NewClientWithConfig(cc).CreateTranscription(actx, openai.AudioRequest{
		Model:    e.cfg.Model,
		FilePath: fileName,
		Reader:   bytes.NewReader(wav),
		Prompt:   e.cfg.Prompt,
		Language: e.cfg.Language,
		Format:   openai.AudioResponseFormatVerboseJSON,
		TimestampGranularities: []openai.TranscriptionTimestampGranularity{
			openai.TranscriptionTimestampGranularityWord,
			openai.TranscriptionTimestampGranularitySegment,
		},
	})
	if err != nil {
		return openai.AudioResponse{}, e.classify(ctx, actx, rec, err)
	}
	return resp, nil
}

// silent reports whether every sample is within ±silenceThreshold.
func silent(pcm []int16) bool {
	for _, s := range pcm {
		if s > silenceThreshold || s < -silenceThreshold {
			return false
		}
	}
	return true
}
