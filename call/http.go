package call

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// ErrUnreachable is wrapped by the errors of requests that never got an
// HTTP answer: no server at the address, a refused or reset connection, a
// DNS or TLS failure, a timeout.
var ErrUnreachable = errors.New("server unreachable")

// HTTPError is a refusal by the server's HTTP API or by the WebSocket
// handshake: the status and the JSON error body, {"error","code","field"}.
type HTTPError struct {
	// Op is what the call was doing: "create session", "get ticket" or
	// "open socket".
	Op string
	// Status is the HTTP status code.
	Status int
	// Code is the body's code for programs (e.g. ticket_unknown,
	// session_busy); "" if the body had none.
	Code string
	// Message is the body's error for people, or the start of a body that
	// was not the JSON error shape.
	Message string
	// Field is the request field at fault, if the body named one.
	Field string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " [field %s]", e.Field)
	}
	return b.String()
}

// refusal builds the HTTPError for a response with body (possibly cut
// short).
func refusal(op string, status int, body []byte) *HTTPError {
	e := &HTTPError{Op: op, Status: status}
	var shape struct {
		Error string `json:"error"`
		Code  string `json:"code"`
		Field string `json:"field"`
	}
	if json.Unmarshal(body, &shape) == nil && (shape.Error != "" || shape.Code != "") {
		e.Message, e.Code, e.Field = shape.Error, shape.Code, shape.Field
		return e
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	e.Message = msg
	return e
}

// maxBody bounds the API responses read.
const maxBody = 1 << 20

// api talks to the server's HTTP API.
type api struct {
	client *http.Client
	base   *url.URL
}

// post sends a JSON body (nil for none) and decodes a 2xx JSON answer into
// out.
func (a *api) post(ctx context.Context, op, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	u := a.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the method and URL say nothing new
		}
		return fmt.Errorf("%s: %w at %s: %w", op, ErrUnreachable, a.base.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		return refusal(op, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: the server's answer is not the expected JSON: %w", op, err)
	}
	return nil
}

// createSession creates a session and returns its id.
func (a *api) createSession(ctx context.Context, track viva.Track, mode viva.Mode, minutes int, questions []string) (uuid.UUID, error) {
	req := struct {
		Track     viva.Track `json:"track"`
		Mode      viva.Mode  `json:"mode"`
		Minutes   int        `json:"minutes,omitempty"`
		Questions []string   `json:"questions,omitempty"`
	}{track, mode, minutes, questions}
	var sess struct {
		ID uuid.UUID `json:"id"`
	}
	if err := a.post(ctx, "create session", "/api/v1/sessions", req, &sess); err != nil {
		return uuid.Nil, err
	}
	if sess.ID == uuid.Nil {
		return uuid.Nil, errors.New("create session: the server's answer has no id")
	}
	return sess.ID, nil
}

// ticket is the answer to POST /api/v1/sessions/{id}/ticket.
type ticket struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
	URL       string    `json:"url"`
}

// socketURL asks for a ticket and returns the ws:// or wss:// URL that
// redeems it.
func (a *api) socketURL(ctx context.Context, session uuid.UUID) (string, error) {
	var t ticket
	if err := a.post(ctx, "get ticket", "/api/v1/sessions/"+session.String()+"/ticket", nil, &t); err != nil {
		return "", err
	}
	if t.Ticket == "" && t.URL == "" {
		return "", errors.New("get ticket: the server's answer has no ticket")
	}
	ref := t.URL
	if ref == "" {
		ref = "/api/v1/sessions/" + session.String() + "/ws?ticket=" + url.QueryEscape(t.Ticket)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("get ticket: url %q: %w", ref, err)
	}
	u := a.base.ResolveReference(r)
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("get ticket: url %q is not an http(s) or ws(s) URL", ref)
	}
	return u.String(), nil
}
