// Package openai is the interviewer's voice from any OpenAI-compatible
// /audio/speech endpoint: OpenAI itself, or a self-hosted server
// (Kokoro-FastAPI, openedai-speech, LocalAI, …). It asks for WAV (or raw
// 24 kHz PCM) and returns mono 16-bit PCM at the reply's rate.
//
// Failures the caller can do nothing about but fall back (the server is
// unreachable, slow, overloaded, refuses the key, or answers something that
// is not audio) wrap tts.ErrUnavailable, after retrying those that may pass.
// The text and the API key are never logged or put in an error.
package openai

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	oa "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva/internal/openaicompat"
	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/tts"
)

// Defaults for a zero Config.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultModel   = string(oa.TTSModel1)
	DefaultVoice   = string(oa.VoiceAlloy)
	DefaultFormat  = FormatWAV
	// DefaultPCMRate is the rate of OpenAI's "pcm" replies.
	DefaultPCMRate = 24000
	DefaultTimeout = openaicompat.DefaultTimeout
	DefaultRetries = openaicompat.DefaultRetries
	DefaultBackoff = openaicompat.DefaultBackoff
)

// maxReplyBytes bounds a reply: 2,000 characters of speech are about three
// minutes, 8.6 MB of 24 kHz 16-bit PCM.
const maxReplyBytes = 32 << 20

// Reply formats the engine decodes.
const (
	// FormatWAV asks for a WAV file, which says its own rate.
	FormatWAV = "wav"
	// FormatPCM asks for raw signed 16-bit little-endian mono samples at
	// Config.PCMRate.
	FormatPCM = "pcm"
)

// Config configures an Engine. Zero values are the documented defaults.
type Config struct {
	// BaseURL is the API root the path /audio/speech is appended to
	// (default https://api.openai.com/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none.
	APIKey string
	// Model is the speech model (default "tts-1").
	Model string
	// Voice is the server's voice name (default "alloy").
	Voice string
	// Format is the reply format, FormatWAV or FormatPCM (default WAV).
	Format string
	// PCMRate is the rate of FormatPCM replies (default 24000, OpenAI's).
	PCMRate int
	// Speed is the speaking speed, 0.25 to 4 (default: the server's, 1).
	Speed float64
	// Timeout bounds each attempt, reply included (default 30s).
	Timeout time.Duration
	// Retries is how many times a failed attempt is retried (default 2);
	// a negative value means never.
	Retries int
	// Backoff is the wait before the first retry (default 500ms); it
	// doubles on each retry, with jitter.
	Backoff time.Duration
	// HTTPClient sends the requests (default a new http.Client).
	HTTPClient *http.Client
	// Logger receives attempt failures and timings, never text or the key
	// (default: discard).
	Logger *slog.Logger
}

// Engine speaks through an OpenAI-compatible server. It is safe for
// concurrent use.
type Engine struct {
	cfg  Config
	name string
	log  *slog.Logger
	api  *openaicompat.Client
}

var _ tts.Synthesizer = (*Engine)(nil)

// New checks cfg, fills in its defaults and returns an Engine. It makes no
// request.
func New(cfg Config) (*Engine, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	host, err := openaicompat.ParseBaseURL("openai speech", cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Voice == "" {
		cfg.Voice = DefaultVoice
	}
	switch cfg.Format {
	case "":
		cfg.Format = DefaultFormat
	case FormatWAV, FormatPCM:
	default:
		return nil, fmt.Errorf("openai speech: config: Format %q: want %q or %q", cfg.Format, FormatWAV, FormatPCM)
	}
	switch {
	case cfg.PCMRate == 0:
		cfg.PCMRate = DefaultPCMRate
	case cfg.PCMRate < media.MinWAVRate || cfg.PCMRate > media.MaxWAVRate:
		return nil, fmt.Errorf("openai speech: config: PCMRate %d is outside %d..%d", cfg.PCMRate, media.MinWAVRate, media.MaxWAVRate)
	}
	if cfg.Speed != 0 && (cfg.Speed < 0.25 || cfg.Speed > 4) {
		return nil, fmt.Errorf("openai speech: config: Speed %v is outside 0.25..4", cfg.Speed)
	}
	p, err := openaicompat.Policy{Timeout: cfg.Timeout, Retries: cfg.Retries, Backoff: cfg.Backoff}.WithDefaults("openai speech")
	if err != nil {
		return nil, err
	}
	cfg.Timeout, cfg.Retries, cfg.Backoff = p.Timeout, p.Retries, p.Backoff
	e := &Engine{
		cfg:  cfg,
		name: "openai:" + cfg.Model + ":" + cfg.Voice,
		log:  cfg.Logger,
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.api = &openaicompat.Client{
		Engine:        "openai speech",
		Host:          host,
		BaseURL:       cfg.BaseURL,
		APIKey:        cfg.APIKey,
		Policy:        p,
		HTTP:          cfg.HTTPClient,
		Log:           e.log,
		Unavailable:   tts.ErrUnavailable,
		MaxReplyBytes: maxReplyBytes,
		Malformed:     malformed,
	}
	e.cfg.HTTPClient, e.cfg.Logger = nil, nil
	return e, nil
}

// Name is the engine, model and voice, as Speech.Engine carries it:
// "openai:tts-1:alloy".
func (e *Engine) Name() string { return e.name }

// Synthesize asks the server to speak text. Text is checked and cleaned by
// tts.CleanText. When the server cannot give audio the error wraps
// tts.ErrUnavailable; when ctx ends, Synthesize returns at once with an
// error wrapping ctx.Err().
func (e *Engine) Synthesize(ctx context.Context, text string) (tts.Speech, error) {
	text, err := tts.CleanText(text)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("openai speech: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return tts.Speech{}, fmt.Errorf("openai speech: %w", err)
	}
	began := time.Now()
	sp, attempts, err := e.call(ctx, text)
	if err != nil {
		return tts.Speech{}, err
	}
	e.log.LogAttrs(ctx, slog.LevelDebug, "openai speech synthesised",
		slog.String("engine", e.name),
		slog.Int("chars", len(text)),
		slog.Int64("audio_ms", sp.DurationMS()),
		slog.Int("attempts", attempts),
		slog.Int64("latency_ms", time.Since(began).Milliseconds()),
	)
	return sp, nil
}

// call asks until an attempt succeeds, fails for good, or the retries run
// out; it returns the speech and how many attempts it took.
func (e *Engine) call(ctx context.Context, text string) (tts.Speech, int, error) {
	return openaicompat.Call(ctx, e.api, func(ctx context.Context, api *oa.Client) (tts.Speech, error) {
		resp, err := api.CreateSpeech(ctx, oa.CreateSpeechRequest{
			Model:          oa.SpeechModel(e.cfg.Model),
			Input:          text,
			Voice:          oa.SpeechVoice(e.cfg.Voice),
			ResponseFormat: oa.SpeechResponseFormat(e.cfg.Format),
			Speed:          e.cfg.Speed,
		})
		if err != nil {
			return tts.Speech{}, err
		}
		defer resp.Close()
		body, err := io.ReadAll(resp)
		if err != nil {
			return tts.Speech{}, err
		}
		return e.decode(resp.Header(), body)
	})
}

// badReply is a 2xx reply that is not the audio asked for.
type badReply struct{ msg string }

func (b *badReply) Error() string { return b.msg }

// malformed recognises a 2xx reply that was not audio.
func malformed(err error) (string, bool) {
	var bad *badReply
	if errors.As(err, &bad) {
		return bad.msg, true
	}
	return "", false
}

// decode turns a 2xx reply into speech, or says why it is not audio.
func (e *Engine) decode(h http.Header, body []byte) (tts.Speech, error) {
	if ct := h.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt == "application/json" || strings.HasPrefix(mt, "text/") {
			return tts.Speech{}, &badReply{msg: fmt.Sprintf("reply is %s, not audio", mt)}
		}
	}
	if len(body) == 0 {
		return tts.Speech{}, &badReply{msg: "empty reply"}
	}
	// Some servers answer WAV whatever was asked; a WAV says what it is.
	if e.cfg.Format == FormatWAV || bytes.HasPrefix(body, []byte("RIFF")) {
		clip, err := media.ReadWAV(bytes.NewReader(body), maxReplyBytes)
		if err != nil {
			return tts.Speech{}, &badReply{msg: "reply is not a usable WAV: " + err.Error()}
		}
		sp := tts.FromClip(clip, e.name)
		if len(sp.PCM) == 0 {
			return tts.Speech{}, &badReply{msg: "reply WAV holds no audio"}
		}
		return sp, nil
	}
	if len(body)%2 != 0 {
		return tts.Speech{}, &badReply{msg: fmt.Sprintf("PCM reply of %d bytes is not whole 16-bit samples", len(body))}
	}
	pcm := make([]int16, len(body)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
	}
	return tts.Speech{PCM: pcm, Rate: e.cfg.PCMRate, Engine: e.name}, nil
}
