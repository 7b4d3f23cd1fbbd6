package whisper

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/stt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sk-test-4f2a9c0e7b1d3e5f"

// A verbose_json reply shaped like OpenAI's: words at the top level (some
// servers add a leading space and punctuation, as here), segments with
// their decoding statistics, float32 times printed as float64.
const verboseReply = `{
  "task": "transcribe",
  "language": "english",
  "duration": 2.5,
  "text": "I'd rerank with a cross-encoder, then C++.",
  "segments": [
    {"id": 0, "seek": 0, "start": 0.0, "end": 1.74, "text": " I'd rerank with a cross-encoder,",
     "tokens": [50364, 40, 1116, 319, 20479, 365, 257, 3278, 12, 22660, 11, 50451],
     "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 0.87, "no_speech_prob": 0.01},
    {"id": 1, "seek": 0, "start": 1.74, "end": 2.4, "text": " then C++.",
     "tokens": [50451, 550, 383, 25472, 13, 50484],
     "temperature": 0.0, "avg_logprob": -1.2, "compression_ratio": 0.87, "no_speech_prob": 0.5}
  ],
  "words": [
    {"word": "I'd", "start": 0.0, "end": 0.23999999463558197},
    {"word": "rerank", "start": 0.23999999463558197, "end": 0.6800000071525574},
    {"word": "with", "start": 0.68, "end": 0.9},
    {"word": "a", "start": 0.9, "end": 1.0},
    {"word": " cross-encoder,", "start": 1.0, "end": 1.74},
    {"word": "then", "start": 1.8, "end": 2.0},
    {"word": "C++.", "start": 2.0, "end": 2.4}
  ]
}`

// upload is one request as the fake server received it.
type upload struct {
	model, format, language, prompt string
	granularities                   []string
	fileName                        string
	samples                         []int16
}

// fakeServer speaks the /v1/audio/transcriptions wire format: it checks
// each request as OpenAI would and lets reply answer it.
type fakeServer struct {
	*httptest.Server
	attempts atomic.Int32
	mu       sync.Mutex
	uploads  []upload
}

// replyFunc answers attempt n (from 1).
type replyFunc func(n int, w http.ResponseWriter, r *http.Request)

func newFakeServer(t *testing.T, reply replyFunc) *fakeServer {
	t.Helper()
	s := &fakeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.attempts.Add(1))
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
			t.Errorf("request %s %s, want POST /v1/audio/transcriptions", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			writeJSON(w, http.StatusUnauthorized, fmt.Sprintf(`{"error": {"message": "Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}`,
				strings.TrimPrefix(got, "Bearer ")))
			return
		}
		up, err := parseUpload(r)
		if err != nil {
			t.Errorf("upload: %v", err)
			writeJSON(w, http.StatusBadRequest, `{"error": {"message": "Invalid file format.", "type": "invalid_request_error", "param": null, "code": null}}`)
			return
		}
		s.mu.Lock()
		s.uploads = append(s.uploads, up)
		s.mu.Unlock()
		reply(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) lastUpload(t *testing.T) upload {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.uploads) == 0 {
		t.Fatal("no upload")
	}
	return s.uploads[len(s.uploads)-1]
}

// parseUpload reads the multipart form OpenAI's endpoint takes.
func parseUpload(r *http.Request) (upload, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return upload{}, fmt.Errorf("parse form: %w", err)
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		return upload{}, fmt.Errorf("file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return upload{}, err
	}
	samples, err := parseWAV(data)
	if err != nil {
		return upload{}, fmt.Errorf("file %q: %w", h.Filename, err)
	}
	return upload{
		model:         r.FormValue("model"),
		format:        r.FormValue("response_format"),
		language:      r.FormValue("language"),
		prompt:        r.FormValue("prompt"),
		granularities: r.MultipartForm.Value["timestamp_granularities[]"],
		fileName:      h.Filename,
		samples:       samples,
	}, nil
}

// parseWAV reads a 16 kHz mono 16-bit PCM WAV file chunk by chunk.
func parseWAV(b []byte) ([]int16, error) {
	le := binary.LittleEndian
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF/WAVE file")
	}
	if got := le.Uint32(b[4:8]); int(got) != len(b)-8 {
		return nil, fmt.Errorf("RIFF size %d, file has %d", got, len(b)-8)
	}
	var haveFmt bool
	for rest := b[12:]; len(rest) >= 8; {
		id, size := string(rest[0:4]), int(le.Uint32(rest[4:8]))
		rest = rest[8:]
		if size > len(rest) {
			return nil, fmt.Errorf("chunk %q of %d bytes, %d left", id, size, len(rest))
		}
		body := rest[:size]
		rest = rest[size+size%2:]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, errors.New("short fmt chunk")
			}
			format, channels, rate := le.Uint16(body[0:2]), le.Uint16(body[2:4]), le.Uint32(body[4:8])
			byteRate, align, bits := le.Uint32(body[8:12]), le.Uint16(body[12:14]), le.Uint16(body[14:16])
			if format != 1 || channels != 1 || rate != 16000 || byteRate != 32000 || align != 2 || bits != 16 {
				return nil, fmt.Errorf("format %d, %d channels, %d Hz, %d B/s, align %d, %d bits; want 16 kHz mono 16-bit PCM",
					format, channels, rate, byteRate, align, bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, errors.New("data before fmt")
			}
			if size%2 != 0 {
				return nil, fmt.Errorf("data of %d bytes is not whole samples", size)
			}
			samples := make([]int16, size/2)
			for i := range samples {
				samples[i] = int16(le.Uint16(body[2*i:]))
			}
			return samples, nil
		}
	}
	return nil, errors.New("no data chunk")
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// replyWith answers every attempt with status and body.
func replyWith(status int, body string) replyFunc {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, body) }
}

// logBuffer collects log output from concurrent requests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEngine makes an Engine talking to s, with quick retries, logging at
// debug level into the returned buffer.
func newEngine(t *testing.T, s *fakeServer, edit func(*Config)) (*Engine, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg := Config{
		BaseURL:    s.URL + "/v1",
		APIKey:     testKey,
		Prompt:     "RAG, reranker, cross-encoder, BM25",
		Timeout:    5 * time.Second,
		Backoff:    time.Millisecond,
		HTTPClient: s.Client(),
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, logs
}

// tone is ms milliseconds of a 440 Hz tone.
func tone(ms int) []int16 {
	pcm := make([]int16, ms*stt.SampleRate/1000)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/stt.SampleRate))
	}
	return pcm
}

func TestTranscribe(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, replyWith(http.StatusOK, verboseReply))
	e, logs := newEngine(t, s, nil)
	pcm := tone(2500)

	res, err := e.Transcribe(context.Background(), stt.Audio{PCM: pcm, StartMS: 61_000})
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}

	up := s.lastUpload(t)
	if up.model != "whisper-1" || up.format != "verbose_json" || up.language != "en" ||
		up.prompt != "RAG, reranker, cross-encoder, BM25" || !strings.HasSuffix(up.fileName, ".wav") {
		t.Errorf("upload model=%q format=%q language=%q prompt=%q file=%q", up.model, up.format, up.language, up.prompt, up.fileName)
	}
	if want := []string{"word", "segment"}; !slices.Equal(up.granularities, want) {
		t.Errorf("timestamp_granularities[] = %q, want %q", up.granularities, want)
	}
	if len(up.samples) != len(pcm) || !slices.Equal(up.samples, pcm) {
		t.Errorf("uploaded %d samples, want the %d sent", len(up.samples), len(pcm))
	}

	if res.Engine != "whisper:whisper-1" || res.Reason != "" {
		t.Errorf("Engine %q Reason %q", res.Engine, res.Reason)
	}
	if want := "I'd rerank with a cross-encoder, then C++."; res.Text != want {
		t.Errorf("Text %q, want %q", res.Text, want)
	}
	want := []viva.Word{
		{Text: "I'd", StartMS: 61_000, EndMS: 61_240},
		{Text: "rerank", StartMS: 61_240, EndMS: 61_680},
		{Text: "with", StartMS: 61_680, EndMS: 61_900},
		{Text: "a", StartMS: 61_900, EndMS: 62_000},
		{Text: "cross-encoder", StartMS: 62_000, EndMS: 62_740},
		{Text: "then", StartMS: 62_800, EndMS: 63_000},
		{Text: "C++", StartMS: 63_000, EndMS: 63_400},
	}
	if len(res.Words) != len(want) {
		t.Fatalf("got %d words %+v, want %d", len(res.Words), res.Words, len(want))
	}
	first := math.Exp(-0.2) * 0.99
	second := math.Exp(-1.2) * 0.5
	for i, w := range res.Words {
		if w.Text != want[i].Text || w.StartMS != want[i].StartMS || w.EndMS != want[i].EndMS {
			t.Errorf("word %d = %+v, want %+v", i, w, want[i])
		}
		wantConf := first
		if i >= 5 {
			wantConf = second
		}
		if math.Abs(w.Confidence-wantConf) > 1e-9 || w.Confidence < 0 || w.Confidence > 1 {
			t.Errorf("word %d %q confidence %v, want %v", i, w.Text, w.Confidence, wantConf)
		}
	}
	if got := s.attempts.Load(); got != 1 {
		t.Errorf("%d attempts, want 1", got)
	}

	out := logs.String()
	if !strings.Contains(out, "whisper transcribed") {
		t.Errorf("no debug line in logs:\n%s", out)
	}
	for _, secret := range []string{"rerank", "encoder", testKey} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
}

func TestTranscribeLanguageAndModel(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, replyWith(http.StatusOK, verboseReply))
	e, _ := newEngine(t, s, func(c *Config) {
		c.Model = "Systran/faster-whisper-small.en"
		c.Language = "auto"
		c.Prompt = ""
	})
	res, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	up := s.lastUpload(t)
	if up.model != "Systran/faster-whisper-small.en" || up.language != "" || up.prompt != "" {
		t.Errorf("upload model=%q language=%q prompt=%q", up.model, up.language, up.prompt)
	}
	if res.Engine != "whisper:Systran/faster-whisper-small.en" {
		t.Errorf("Engine %q", res.Engine)
	}
}

// Servers that ignore timestamp_granularities give text without words; the
// words are spread over the segments, or over the whole utterance.
func TestTranscribeWithoutWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		want      []viva.Word
		text      string
		reason    string
		wantConfs []float64
	}{
		{
			name: "segments only, words nested in them (whisper.cpp style)",
			body: `{"task": "transcribe", "language": "en", "duration": 2.0, "text": " Use BM25. Then rerank.",
			  "segments": [
			    {"id": 0, "seek": 0, "start": 0.0, "end": 1.0, "text": " Use BM25.", "tokens": [], "temperature": 0.0,
			     "avg_logprob": 0.0, "compression_ratio": 1.0, "no_speech_prob": 0.0,
			     "words": [{"word": " Use", "start": 0.0, "end": 0.3}]},
			    {"id": 1, "seek": 0, "start": 1.2, "end": 2.0, "text": " Then rerank.", "tokens": [], "temperature": 0.0,
			     "avg_logprob": -0.5, "compression_ratio": 1.0, "no_speech_prob": 0.2}
			  ]}`,
			want: []viva.Word{
				{Text: "Use", StartMS: 10_000, EndMS: 10_500},
				{Text: "BM25", StartMS: 10_500, EndMS: 11_000},
				{Text: "Then", StartMS: 11_200, EndMS: 11_600},
				{Text: "rerank", StartMS: 11_600, EndMS: 12_000},
			},
			text:      "Use BM25. Then rerank.",
			wantConfs: []float64{1, 1, math.Exp(-0.5) * 0.8, math.Exp(-0.5) * 0.8},
		},
		{
			name: "plain json",
			body: `{"text": "pgvector works"}`,
			want: []viva.Word{
				{Text: "pgvector", StartMS: 10_000, EndMS: 11_000},
				{Text: "works", StartMS: 11_000, EndMS: 12_000},
			},
			text:      "pgvector works",
			wantConfs: []float64{unknownConfidence, unknownConfidence},
		},
		{
			name:   "no speech",
			body:   `{"task": "transcribe", "language": "english", "duration": 2.0, "text": "", "segments": [], "words": []}`,
			reason: reasonNoSpeech,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, replyWith(http.StatusOK, tt.body))
			e, _ := newEngine(t, s, nil)
			res, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2000), StartMS: 10_000})
			if err != nil {
				t.Fatalf("Transcribe: %v", err)
			}
			if res.Text != tt.text || res.Reason != tt.reason {
				t.Errorf("Text %q Reason %q, want %q %q", res.Text, res.Reason, tt.text, tt.reason)
			}
			if len(res.Words) != len(tt.want) {
				t.Fatalf("words %+v, want %+v", res.Words, tt.want)
			}
			for i, w := range res.Words {
				if w.Text != tt.want[i].Text || w.StartMS != tt.want[i].StartMS || w.EndMS != tt.want[i].EndMS ||
					math.Abs(w.Confidence-tt.wantConfs[i]) > 1e-9 {
					t.Errorf("word %d = %+v, want %+v confidence %v", i, w, tt.want[i], tt.wantConfs[i])
				}
			}
		})
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	overloaded := `{"error": {"message": "The server is overloaded or not ready yet.", "type": "server_error", "param": null, "code": null}}`
	tests := []struct {
		name     string
		reply    replyFunc
		retries  int
		attempts int32
		wantErr  string // "" for success
	}{
		{
			name: "500 then success",
			reply: func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					writeJSON(w, http.StatusInternalServerError, overloaded)
					return
				}
				writeJSON(w, http.StatusOK, verboseReply)
			},
			attempts: 2,
		},
		{
			name: "502 HTML and 503 then success",
			reply: func(n int, w http.ResponseWriter, _ *http.Request) {
				switch n {
				case 1:
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadGateway)
					io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
				case 2:
					writeJSON(w, http.StatusServiceUnavailable, overloaded)
				default:
					writeJSON(w, http.StatusOK, verboseReply)
				}
			},
			attempts: 3,
		},
		{
			name:     "500 until the retries run out",
			reply:    replyWith(http.StatusInternalServerError, overloaded),
			attempts: 3,
			wantErr:  "status 500 Internal Server Error: The server is overloaded or not ready yet. (3 attempts)",
		},
		{
			name:     "negative Retries never retries",
			reply:    replyWith(http.StatusInternalServerError, overloaded),
			retries:  -1,
			attempts: 1,
			wantErr:  "(1 attempt)",
		},
		{
			name:     "FastAPI error body",
			reply:    replyWith(http.StatusServiceUnavailable, `{"detail": "model is loading"}`),
			retries:  1,
			attempts: 2,
			wantErr:  `status 503 Service Unavailable: {"detail": "model is loading"} (2 attempts)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tt.reply)
			e, logs := newEngine(t, s, func(c *Config) { c.Retries = tt.retries })
			res, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
			if got := s.attempts.Load(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
			if tt.wantErr == "" {
				if err != nil || len(res.Words) != 7 {
					t.Fatalf("Transcribe = %d words, %v; want 7 words", len(res.Words), err)
				}
				if n := strings.Count(logs.String(), "whisper attempt failed"); n != int(tt.attempts)-1 {
					t.Errorf("%d failed attempts logged, want %d:\n%s", n, tt.attempts-1, logs)
				}
				return
			}
			if !errors.Is(err, stt.ErrUnavailable) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrUnavailable with %q", err, tt.wantErr)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	const limited = `{"error": {"message": "Rate limit reached for whisper-1 in organization org-abc on requests per min (RPM): Limit 50, Used 50, Requested 1.", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}`
	rateLimited := func(header, value string) replyFunc {
		return func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				if value == "in 3s" {
					value = time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
				}
				w.Header().Set(header, value)
				writeJSON(w, http.StatusTooManyRequests, limited)
				return
			}
			writeJSON(w, http.StatusOK, verboseReply)
		}
	}
	tests := []struct {
		name     string
		reply    replyFunc
		deadline time.Duration // of the caller's context, 0 for none
		atLeast  time.Duration
		atMost   time.Duration
		attempts int32
		wantErr  string
	}{
		{
			name:     "Retry-After seconds",
			reply:    rateLimited("Retry-After", "1"),
			atLeast:  time.Second,
			atMost:   5 * time.Second,
			attempts: 2,
		},
		{
			name:     "Retry-After-Ms",
			reply:    rateLimited("Retry-After-Ms", "300"),
			atLeast:  300 * time.Millisecond,
			atMost:   5 * time.Second,
			attempts: 2,
		},
		{
			name:     "Retry-After HTTP date",
			reply:    rateLimited("Retry-After", "in 3s"),
			atLeast:  time.Second, // the date has one-second resolution
			atMost:   6 * time.Second,
			attempts: 2,
		},
		{
			name:     "Retry-After too long gives up at once",
			reply:    rateLimited("Retry-After", "3600"),
			atMost:   time.Second,
			attempts: 1,
			wantErr:  "status 429 Too Many Requests: Rate limit reached for whisper-1",
		},
		{
			name:     "Retry-After past the caller's deadline gives up at once",
			reply:    rateLimited("Retry-After", "5"),
			deadline: 2 * time.Second,
			atMost:   time.Second,
			attempts: 1,
			wantErr:  "no time left to retry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tt.reply)
			e, _ := newEngine(t, s, nil)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			began := time.Now()
			_, err := e.Transcribe(ctx, stt.Audio{PCM: tone(2500)})
			took := time.Since(began)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Transcribe: %v", err)
			}
			if tt.wantErr != "" && (!errors.Is(err, stt.ErrUnavailable) || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want ErrUnavailable with %q", err, tt.wantErr)
			}
			if took < tt.atLeast || took > tt.atMost {
				t.Errorf("took %s, want %s..%s", took, tt.atLeast, tt.atMost)
			}
			if got := s.attempts.Load(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			writeJSON(w, http.StatusOK, verboseReply)
		}
	})
	e, _ := newEngine(t, s, func(c *Config) {
		c.Timeout = 150 * time.Millisecond
		c.Retries = 1
	})
	began := time.Now()
	_, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
	took := time.Since(began)
	if !errors.Is(err, stt.ErrUnavailable) || !strings.Contains(err.Error(), "timed out after 150ms (2 attempts)") {
		t.Fatalf("err = %v, want ErrUnavailable after two timeouts", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v looks like the caller's deadline", err)
	}
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %s, want about 300ms", took)
	}
	if got := s.attempts.Load(); got != 2 {
		t.Errorf("%d attempts, want 2", got)
	}
}

func TestMalformedReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
	}{
		{"HTML", "text/html", "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"},
		{"truncated", "application/json", `{"task": "transcribe", "text": "I'd rer`},
		{"wrong types", "application/json", `{"text": 42, "segments": "none"}`},
		{"empty", "application/json", ""},
		{"too large", "application/json", `{"text": "` + strings.Repeat("a", maxReplyBytes) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				io.WriteString(w, tt.body)
			})
			e, _ := newEngine(t, s, nil)
			_, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
			if !errors.Is(err, stt.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), "rer") && tt.name == "truncated" {
				t.Errorf("err %v quotes the reply", err)
			}
			if got := s.attempts.Load(); got != 1 {
				t.Errorf("%d attempts, want 1 (garbage is not retried)", got)
			}
		})
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	const wrongKey = "sk-wrong-9d8c7b6a5f4e3d2c"
	tests := []struct {
		name    string
		key     string
		reply   replyFunc
		wantErr string
	}{
		{
			name:    "401 wrong key",
			key:     wrongKey,
			reply:   replyWith(http.StatusOK, verboseReply), // never reached: the server refuses the key
			wantErr: "status 401 Unauthorized: Incorrect API key provided: [redacted].",
		},
		{
			name:    "400 bad request",
			key:     testKey,
			reply:   replyWith(http.StatusBadRequest, `{"error": {"message": "Invalid language 'xx'. Language parameter must be specified in ISO-639-1 format.", "type": "invalid_request_error", "param": "language", "code": "invalid_language_format"}}`),
			wantErr: "status 400 Bad Request: Invalid language 'xx'.",
		},
		{
			name:    "404 no such model",
			key:     testKey,
			reply:   replyWith(http.StatusNotFound, `{"error": {"message": "The model 'whisper-2' does not exist", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}`),
			wantErr: "status 404 Not Found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tt.reply)
			e, logs := newEngine(t, s, func(c *Config) { c.APIKey = tt.key })
			_, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
			if !errors.Is(err, stt.ErrUnavailable) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrUnavailable with %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tt.key) || strings.Contains(logs.String(), tt.key) {
				t.Errorf("the API key leaked: err %v, logs %s", err, logs)
			}
			if got := s.attempts.Load(); got != 1 {
				t.Errorf("%d attempts, want 1", got)
			}
		})
	}
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, replyWith(http.StatusOK, verboseReply))
	e, _ := newEngine(t, s, func(c *Config) { c.Retries = 1 })
	s.Close() // nothing listens any more

	_, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500)})
	if !errors.Is(err, stt.ErrUnavailable) || !strings.Contains(err.Error(), "(2 attempts)") {
		t.Fatalf("err = %v, want ErrUnavailable after 2 attempts", err)
	}
}

// Audio that cannot or need not be sent never reaches the server.
func TestAudioNotSent(t *testing.T) {
	t.Parallel()
	noise := make([]int16, 16000)
	for i := range noise {
		noise[i] = int16(i%11 - 5)
	}
	tests := []struct {
		name    string
		audio   stt.Audio
		reason  string
		wantErr error
	}{
		{"empty", stt.Audio{StartMS: 5}, reasonEmpty, nil},
		{"digital silence", stt.Audio{PCM: make([]int16, 32000)}, reasonSilent, nil},
		{"faint noise", stt.Audio{PCM: noise}, reasonSilent, nil},
		{"too short", stt.Audio{PCM: tone(60)}, reasonShort, nil},
		{"too long", stt.Audio{PCM: make([]int16, (stt.MaxUtteranceMS+1000)*stt.SampleRate/1000)}, "", stt.ErrBadAudio},
		{"negative start", stt.Audio{PCM: tone(1000), StartMS: -1}, "", stt.ErrBadAudio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, replyWith(http.StatusOK, verboseReply))
			e, _ := newEngine(t, s, nil)
			res, err := e.Transcribe(context.Background(), tt.audio)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("Transcribe: %v", err)
				}
				if res.Text != "" || len(res.Words) != 0 || res.Reason != tt.reason || res.Engine != "whisper:whisper-1" {
					t.Errorf("result %+v, want empty with reason %q", res, tt.reason)
				}
			}
			if got := s.attempts.Load(); got != 0 {
				t.Errorf("%d requests, want none", got)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()

	t.Run("before", func(t *testing.T) {
		t.Parallel()
		s := newFakeServer(t, replyWith(http.StatusOK, verboseReply))
		e, _ := newEngine(t, s, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.Transcribe(ctx, stt.Audio{PCM: tone(2500)})
		if !errors.Is(err, context.Canceled) || errors.Is(err, stt.ErrUnavailable) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if got := s.attempts.Load(); got != 0 {
			t.Errorf("%d requests, want none", got)
		}
	})

	t.Run("during request", func(t *testing.T) {
		t.Parallel()
		arrived := make(chan struct{}, 1)
		s := newFakeServer(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-r.Context().Done()
		})
		e, _ := newEngine(t, s, func(c *Config) { c.Timeout = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-arrived
			cancel()
		}()
		began := time.Now()
		_, err := e.Transcribe(ctx, stt.Audio{PCM: tone(2500)})
		if !errors.Is(err, context.Canceled) || errors.Is(err, stt.ErrUnavailable) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("took %s to stop", took)
		}
		if got := s.attempts.Load(); got != 1 {
			t.Errorf("%d attempts, want 1", got)
		}
	})

	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		s := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "8")
			writeJSON(w, http.StatusServiceUnavailable, `{"error": {"message": "busy", "type": "server_error"}}`)
		})
		e, _ := newEngine(t, s, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		time.AfterFunc(200*time.Millisecond, cancel)
		began := time.Now()
		_, err := e.Transcribe(ctx, stt.Audio{PCM: tone(2500)})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("took %s to stop", took)
		}
		if got := s.attempts.Load(); got != 1 {
			t.Errorf("%d attempts, want 1", got)
		}
	})
}

func TestConcurrent(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n%3 == 0 {
			writeJSON(w, http.StatusInternalServerError, `{"error": {"message": "flaky", "type": "server_error"}}`)
			return
		}
		writeJSON(w, http.StatusOK, verboseReply)
	})
	e, _ := newEngine(t, s, func(c *Config) { c.Retries = 5 })
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			start := int64(i) * 10_000
			res, err := e.Transcribe(context.Background(), stt.Audio{PCM: tone(2500), StartMS: start})
			if err != nil {
				t.Errorf("utterance %d: %v", i, err)
				return
			}
			if len(res.Words) != 7 || res.Words[0].StartMS != start || res.Words[6].EndMS != start+2400 {
				t.Errorf("utterance %d at %d ms: words %+v", i, start, res.Words)
			}
		})
	}
	wg.Wait()
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" for valid
	}{
		{name: "zero is valid", cfg: Config{}},
		{name: "self-hosted", cfg: Config{BaseURL: "http://whisper.internal:8000/v1/", Model: "large-v3"}},
		{name: "no scheme", cfg: Config{BaseURL: "api.openai.com/v1"}, wantErr: "BaseURL"},
		{name: "wrong scheme", cfg: Config{BaseURL: "ftp://example.com/v1"}, wantErr: "BaseURL"},
		{name: "no host", cfg: Config{BaseURL: "http:///v1"}, wantErr: "BaseURL"},
		{name: "unparsable", cfg: Config{BaseURL: "http://[::1"}, wantErr: "BaseURL"},
		{name: "query", cfg: Config{BaseURL: "http://example.com/v1?x=1"}, wantErr: "BaseURL"},
		{name: "password redacted", cfg: Config{BaseURL: "ftp://user:hunter2@example.com"}, wantErr: "BaseURL"},
		{name: "negative timeout", cfg: Config{Timeout: -time.Second}, wantErr: "Timeout"},
		{name: "negative backoff", cfg: Config{Backoff: -time.Second}, wantErr: "Backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, %v; want an error naming %s", e, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %v shows the password", err)
			}
		})
	}

	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.BaseURL != DefaultBaseURL || e.cfg.Model != "whisper-1" || e.cfg.Language != "en" ||
		e.cfg.Timeout != 30*time.Second || e.cfg.Retries != 2 || e.cfg.Backoff != 500*time.Millisecond || e.Name() != "whisper:whisper-1" {
		t.Errorf("defaults: %+v, name %q", e.cfg, e.Name())
	}
}

func TestEncodeWAV(t *testing.T) {
	t.Parallel()
	for _, pcm := range [][]int16{nil, {0}, {math.MinInt16, -1, 0, 1, math.MaxInt16}, tone(1000)} {
		b := encodeWAV(pcm)
		if len(b) != wavHeaderSize+2*len(pcm) {
			t.Errorf("%d samples: %d bytes", len(pcm), len(b))
		}
		got, err := parseWAV(b)
		if err != nil {
			t.Fatalf("%d samples: %v", len(pcm), err)
		}
		if !slices.Equal(got, pcm) && len(pcm) > 0 {
			t.Errorf("%d samples came back as %d different ones", len(pcm), len(got))
		}
	}
}
