package openai

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/ttstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sk-test-9b1e4c7a2d0f5e3b"

// speechRequest is the JSON body of POST /v1/audio/speech.
type speechRequest struct {
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	ResponseFormat string  `json:"response_format"`
	Speed          float64 `json:"speed"`
}

// fakeServer speaks the /v1/audio/speech wire format: it checks each
// request as OpenAI would and lets reply answer it.
type fakeServer struct {
	*httptest.Server
	attempts atomic.Int32
	mu       sync.Mutex
	requests []speechRequest
}

// replyFunc answers attempt n (from 1) to request req.
type replyFunc func(n int, req speechRequest, w http.ResponseWriter, r *http.Request)

func newFakeServer(t *testing.T, reply replyFunc) *fakeServer {
	t.Helper()
	s := &fakeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.attempts.Add(1))
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/speech" {
			t.Errorf("request %s %s, want POST /v1/audio/speech", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			writeJSON(w, http.StatusUnauthorized, fmt.Sprintf(`{"error": {"message": "Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}`,
				strings.TrimPrefix(got, "Bearer ")))
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
		var req speechRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Model == "" || req.Input == "" || req.Voice == "" {
			t.Errorf("request body: %+v, %v", req, err)
			writeJSON(w, http.StatusBadRequest, `{"error": {"message": "Invalid request body.", "type": "invalid_request_error", "param": null, "code": null}}`)
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		reply(n, req, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) lastRequest(t *testing.T) speechRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("no request")
	}
	return s.requests[len(s.requests)-1]
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// voiceFor is what the fake server "says": a 220 Hz tone of 0.3 s a word at
// rate, so the conformance suite's duration checks mean something.
func voiceFor(text string, rate int) []int16 {
	n := len(strings.Fields(text)) * rate * 3 / 10
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(9000 * math.Sin(2*math.Pi*220*float64(i)/float64(rate)))
	}
	return pcm
}

func pcmBytes(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// wavBytes is a 16-bit mono WAV of pcm. With streamed, its sizes are
// 0xFFFFFFFF, as OpenAI's streamed WAV replies have them.
func wavBytes(pcm []int16, rate int, streamed bool) []byte {
	data := pcmBytes(pcm)
	var b bytes.Buffer
	le := binary.LittleEndian
	riff, size := uint32(36+len(data)), uint32(len(data))
	if streamed {
		riff, size = 0xFFFFFFFF, 0xFFFFFFFF
	}
	b.WriteString("RIFF")
	binary.Write(&b, le, riff)
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, []uint32{16})
	binary.Write(&b, le, []uint16{1, 1})
	binary.Write(&b, le, []uint32{uint32(rate), uint32(2 * rate)})
	binary.Write(&b, le, []uint16{2, 16})
	b.WriteString("data")
	binary.Write(&b, le, size)
	b.Write(data)
	return b.Bytes()
}

// speak answers like OpenAI: audio in the format asked for.
func speak(_ int, req speechRequest, w http.ResponseWriter, _ *http.Request) {
	pcm := voiceFor(req.Input, 24000)
	switch req.ResponseFormat {
	case "pcm":
		w.Header().Set("Content-Type", "audio/pcm")
		w.Write(pcmBytes(pcm))
	case "wav":
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(wavBytes(pcm, 24000, true))
	default:
		writeJSON(w, http.StatusBadRequest, `{"error": {"message": "unsupported format in this fake", "type": "invalid_request_error"}}`)
	}
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

func newEngine(t *testing.T, s *fakeServer, edit func(*Config)) (*Engine, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg := Config{
		BaseURL:    s.URL + "/v1",
		APIKey:     testKey,
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

const prompt = "How would you evaluate the retriever?"

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatWAV, FormatPCM} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			e, _ := newEngine(t, newFakeServer(t, speak), func(c *Config) { c.Format = format })
			ttstest.Run(t, e)
		})
	}
}

func TestSynthesize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		edit   func(*Config)
		want   speechRequest
		engine string
	}{
		{
			name:   "defaults",
			want:   speechRequest{Model: "tts-1", Voice: "alloy", ResponseFormat: "wav"},
			engine: "openai:tts-1:alloy",
		},
		{
			name: "pcm, model, voice and speed",
			edit: func(c *Config) {
				c.Format, c.Model, c.Voice, c.Speed = FormatPCM, "kokoro", "af_heart", 1.1
			},
			want:   speechRequest{Model: "kokoro", Voice: "af_heart", ResponseFormat: "pcm", Speed: 1.1},
			engine: "openai:kokoro:af_heart",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, speak)
			e, logs := newEngine(t, s, tt.edit)
			sp, err := e.Synthesize(context.Background(), "  How would you\n evaluate the retriever?  ")
			if err != nil {
				t.Fatal(err)
			}
			got := s.lastRequest(t)
			tt.want.Input = prompt // cleaned
			if got != tt.want {
				t.Errorf("request %+v, want %+v", got, tt.want)
			}
			if sp.Rate != 24000 || sp.Engine != tt.engine || sp.Notice != "" {
				t.Errorf("rate %d engine %q notice %q", sp.Rate, sp.Engine, sp.Notice)
			}
			if want := voiceFor(prompt, 24000); len(sp.PCM) != len(want) || sp.PCM[100] != want[100] {
				t.Errorf("%d samples, want the %d sent", len(sp.PCM), len(want))
			}
			out := logs.String()
			if !strings.Contains(out, "openai speech synthesised") {
				t.Errorf("no debug line:\n%s", out)
			}
			for _, secret := range []string{"retriever", testKey} {
				if strings.Contains(out, secret) {
					t.Errorf("logs contain %q:\n%s", secret, out)
				}
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	overloaded := `{"error": {"message": "The server is overloaded or not ready yet.", "type": "server_error", "param": null, "code": null}}`
	for _, tt := range []struct {
		name     string
		reply    replyFunc
		edit     func(*Config)
		attempts int32
		wantErr  string // "" for success
	}{
		{
			name: "500 then success",
			reply: func(n int, req speechRequest, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					writeJSON(w, http.StatusInternalServerError, overloaded)
					return
				}
				speak(n, req, w, r)
			},
			attempts: 2,
		},
		{
			name: "connection dropped then success",
			reply: func(n int, req speechRequest, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				}
				speak(n, req, w, r)
			},
			attempts: 2,
		},
		{
			name: "500 until the retries run out",
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusInternalServerError, overloaded)
			},
			attempts: 3,
			wantErr:  "status 500 Internal Server Error: The server is overloaded or not ready yet. (3 attempts)",
		},
		{
			name:     "401 is not retried and the key is redacted",
			reply:    speak,
			edit:     func(c *Config) { c.APIKey = "sk-wrong-1234567890abcdef" },
			attempts: 1,
			wantErr:  "status 401 Unauthorized: Incorrect API key provided: [redacted]. You can find",
		},
		{
			name: "JSON error with status 200",
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, `{"error": {"message": "voice not found"}}`)
			},
			attempts: 1,
			wantErr:  "reply is application/json, not audio (1 attempt)",
		},
		{
			name: "HTML page",
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, "<html><body>Welcome to nginx!</body></html>")
			},
			attempts: 1,
			wantErr:  "reply is text/html, not audio",
		},
		{
			name: "MP3 when WAV was asked for",
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "audio/mpeg")
				w.Write([]byte("ID3\x04\x00\x00\x00\x00\x00\x00garbage"))
			},
			attempts: 1,
			wantErr:  "reply is not a usable WAV: not a WAV file",
		},
		{
			name: "PCM of an odd length",
			edit: func(c *Config) { c.Format = FormatPCM },
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "audio/pcm")
				w.Write([]byte{1, 2, 3})
			},
			attempts: 1,
			wantErr:  "PCM reply of 3 bytes is not whole 16-bit samples",
		},
		{
			name: "empty reply",
			reply: func(_ int, _ speechRequest, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "audio/wav")
			},
			attempts: 1,
			wantErr:  "empty reply",
		},
		{
			name: "WAV when PCM was asked for is decoded",
			edit: func(c *Config) { c.Format = FormatPCM },
			reply: func(n int, req speechRequest, w http.ResponseWriter, r *http.Request) {
				req.ResponseFormat = "wav"
				speak(n, req, w, r)
			},
			// A server that ignores response_format still works.
			attempts: 1,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tt.reply)
			e, logs := newEngine(t, s, tt.edit)
			sp, err := e.Synthesize(context.Background(), prompt)
			if got := s.attempts.Load(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				ttstest.Check(t, sp, 6)
				if n := strings.Count(logs.String(), "openai speech attempt failed"); n != int(tt.attempts)-1 {
					t.Errorf("%d failed attempts logged, want %d", n, tt.attempts-1)
				}
				return
			}
			if !errors.Is(err, tts.ErrUnavailable) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrUnavailable with %q", err, tt.wantErr)
			}
			for _, secret := range []string{"retriever", testKey, "sk-wrong-1234567890abcdef"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
					t.Errorf("error or logs contain %q: %v\n%s", secret, err, logs)
				}
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, func(n int, req speechRequest, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		speak(n, req, w, r)
	})
	t.Run("retried", func(t *testing.T) {
		e, _ := newEngine(t, s, func(c *Config) { c.Timeout = 100 * time.Millisecond })
		began := time.Now()
		sp, err := e.Synthesize(context.Background(), prompt)
		if err != nil {
			t.Fatal(err)
		}
		ttstest.Check(t, sp, 6)
		if took := time.Since(began); took > 3*time.Second {
			t.Errorf("took %s", took)
		}
	})
	t.Run("gives up", func(t *testing.T) {
		slow := newFakeServer(t, func(_ int, _ speechRequest, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		e, _ := newEngine(t, slow, func(c *Config) { c.Timeout = 50 * time.Millisecond; c.Retries = 1 })
		_, err := e.Synthesize(context.Background(), prompt)
		if !errors.Is(err, tts.ErrUnavailable) || !strings.Contains(err.Error(), "timed out after 50ms (2 attempts)") {
			t.Fatalf("err = %v, want a timeout after 2 attempts", err)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		slow := newFakeServer(t, func(_ int, _ speechRequest, w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})
		e, _ := newEngine(t, slow, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := e.Synthesize(ctx, prompt)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, tts.ErrUnavailable) {
			t.Fatalf("err = %v, want the caller's DeadlineExceeded", err)
		}
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"relative URL", Config{BaseURL: "localhost:8000/v1"}, "must be an absolute http or https URL"},
		{"query", Config{BaseURL: "http://localhost:8000/v1?key=x"}, "must not have a query"},
		{"format", Config{Format: "mp3"}, `Format "mp3"`},
		{"speed", Config{Speed: 9}, "Speed 9 is outside"},
		{"pcm rate", Config{PCMRate: 100}, "PCMRate 100 is outside"},
		{"timeout", Config{Timeout: -time.Second}, "Timeout -1s is negative"},
		{"backoff", Config{Backoff: -time.Second}, "Backoff -1s is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}
