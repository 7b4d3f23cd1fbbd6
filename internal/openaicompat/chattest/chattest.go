// Package chattest is an OpenAI-compatible chat completions endpoint for
// tests: the real wire format, a canned reply.
package chattest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Server serves POST /v1/chat/completions: it sends each request's JSON
// body to got (when not nil), waits delay (or until the client gives up),
// and answers with one choice whose message content is content. It counts
// the requests it received. Use srv.URL+"/v1" as the API root.
func Server(t testing.TB, delay time.Duration, content string, got chan<- map[string]any) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		if got != nil {
			got <- req
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1764057600, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
			"usage": map[string]any{"prompt_tokens": 900, "completion_tokens": 200, "total_tokens": 1100},
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// JSON encodes v as a reply's content.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
