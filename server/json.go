package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`           // for people
	Code  string `json:"code"`            // for programs: not_found, invalid, conflict, ...
	Field string `json:"field,omitempty"` // the request field at fault, when there is one
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) // a failed write means the client went away
}

func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, apiError{Error: msg, Code: code, Field: field})
}

// requestError is a client mistake found while decoding a body.
type requestError struct {
	status int
	msg    string
	field  string
}

func (e *requestError) Error() string { return e.msg }

// decodeJSON reads one JSON object of at most limit bytes into dst, refusing
// unknown fields and trailing data. Its errors name the field at fault.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("Content-Type must be application/json, got %q", ct)}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describeJSONError(err)
	}
	if dec.More() {
		return &requestError{status: http.StatusBadRequest, msg: "request body must hold a single JSON object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &requestError{status: http.StatusBadRequest, msg: "request body must hold a single JSON object"}
	}
	return nil
}

func describeJSONError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}
	case errors.Is(err, io.EOF):
		return &requestError{status: http.StatusBadRequest, msg: "request body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &requestError{status: http.StatusBadRequest, msg: "malformed JSON: the body ends in the middle of a value"}
	case errors.As(err, &syntax):
		return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax)}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf("request body must be a JSON object, not %s", typeErr.Value)}
		}
		return &requestError{status: http.StatusBadRequest, field: field,
			msg: fmt.Sprintf("field %q must be %s, not %s", field, kindOf(typeErr.Type.Kind().String()), typeErr.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &requestError{status: http.StatusBadRequest, field: field, msg: fmt.Sprintf("unknown field %q", field)}
	}
	return &requestError{status: http.StatusBadRequest, msg: "malformed JSON: " + err.Error()}
}

func kindOf(k string) string {
	switch k {
	case "int", "int64", "int32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "bool":
		return "true or false"
	}
	return "a " + k
}
