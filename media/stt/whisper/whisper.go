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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva/internal/openaicompat"
	"github.com/viva-interview/viva/media/stt"
)

// Defaults for a zero Config.
const (
	DefaultBaseURL  = "https://api.openai.com/v1"
	DefaultModel    = openai.Whisper1
	DefaultLanguage = "en"
	DefaultTimeout  = openaicompat.DefaultTimeout
	DefaultRetries  = openaicompat.DefaultRetries
	DefaultBackoff  = openaicompat.DefaultBackoff
)

const (
	// minUtteranceMS is the shortest audio sent; OpenAI refuses anything
	// under 0.1 s and no word is that short.
	minUtteranceMS = 100
	// fileName names the uploaded file; servers pick the decoder by its
	// extension.
	fileName = "utterance.wav"
	// maxReplyBytes bounds a reply; two minutes of words in verbose_json
	// take well under 1 MiB.
	maxReplyBytes = 8 << 20
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
	name string
	log  *slog.Logger
	api  *openaicompat.Client
}

var _ stt.Transcriber = (*Engine)(nil)

// New checks cfg, fills in its defaults and returns an Engine. It makes no
// request.
func New(cfg Config) (*Engine, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	host, err := openaicompat.ParseBaseURL("whisper", cfg.BaseURL)
	if err != nil {
		return nil, err
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
	p, err := openaicompat.Policy{Timeout: cfg.Timeout, Retries: cfg.Retries, Backoff: cfg.Backoff}.WithDefaults("whisper")
	if err != nil {
		return nil, err
	}
	cfg.Timeout, cfg.Retries, cfg.Backoff = p.Timeout, p.Retries, p.Backoff
	e := &Engine{
		cfg:  cfg,
		name: "whisper:" + cfg.Model,
		log:  cfg.Logger,
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.api = &openaicompat.Client{
		Engine:        "whisper",
		Host:          host,
		BaseURL:       cfg.BaseURL,
		APIKey:        cfg.APIKey,
		Policy:        p,
		HTTP:          cfg.HTTPClient,
		Log:           e.log,
		Unavailable:   stt.ErrUnavailable,
		MaxReplyBytes: maxReplyBytes,
		Malformed:     malformed,
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
	case a.Silent():
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
	return openaicompat.Call(ctx, e.api, func(ctx context.Context, api *openai.Client) (openai.AudioResponse, error) {
		return api.CreateTranscription(ctx, openai.AudioRequest{
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
	})
}

// malformed recognises a 2xx reply that did not decode.
func malformed(err error) (string, bool) {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "empty reply", true
	case errors.As(err, &syntax), errors.As(err, &typ), errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed reply: " + err.Error(), true
	}
	return "", false
}
