package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// Share link lifetimes.
const (
	DefaultShareHours = 7 * 24
	MaxShareHours     = 30 * 24
)

type shareRequest struct {
	Hours int `json:"hours"`
}

type shareResponse struct {
	viva.Share
	Active bool   `json:"active"`
	Token  string `json:"token,omitempty"` // only when created
	URL    string `json:"url,omitempty"`
}

func shareDigest(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}

// createShare makes a read-only link to the session's report for a coach:
// 256 random bits, shown once, stored as a digest, expiring.
func (s *Server) createShare(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req shareRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.Hours == 0 {
		req.Hours = DefaultShareHours
	}
	if req.Hours < 1 || req.Hours > MaxShareHours {
		writeError(w, http.StatusBadRequest, "invalid", "hours must be 1 to 720 (30 days)", "hours")
		return
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		s.fail(w, r, err)
		return
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sh := &viva.Share{ID: uuid.New(), SessionID: sess.ID, TokenHash: shareDigest(token),
		ExpiresAt: time.Now().Add(time.Duration(req.Hours) * time.Hour).UTC().Truncate(time.Millisecond)}
	if err := s.cfg.Store.AddShare(r.Context(), sh); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, shareResponse{Share: *sh, Active: true, Token: token, URL: "/shared.html?token=" + token})
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.cfg.Store.Shares(r.Context(), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []shareResponse{}
	now := time.Now()
	for _, sh := range list {
		out = append(out, shareResponse{Share: sh, Active: sh.Active(now)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": out})
}

func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := uuid.Parse(r.PathValue("share"))
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such share link", "")
		return
	}
	if err := s.cfg.Store.RevokeShare(r.Context(), sess.ID, id, time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shared resolves a share token to its session, answering 404 for an
// unknown token and 410 for an expired or revoked one.
func (s *Server) shared(w http.ResponseWriter, r *http.Request) (*viva.Session, bool) {
	sh, err := s.cfg.Store.ShareByToken(r.Context(), shareDigest(r.PathValue("token")))
	if errors.Is(err, viva.ErrNotFound) {
		writeError(w, http.StatusNotFound, "share_unknown", "this link is not valid: ask for a new one", "")
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	switch {
	case sh.RevokedAt != nil:
		writeError(w, http.StatusGone, "share_revoked", "this link was revoked by its owner: ask for a new one", "")
		return nil, false
	case !sh.Active(time.Now()):
		writeError(w, http.StatusGone, "share_expired", "this link expired on "+sh.ExpiresAt.Format("2 January 2006")+": ask for a new one", "")
		return nil, false
	}
	sess, err := s.cfg.Store.Session(r.Context(), sh.SessionID)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return sess, true
}

// sharedReport serves, read-only, what a coach sees: the session, its report
// (null until scored), its transcript and probes.
func (s *Server) sharedReport(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.shared(w, r)
	if !ok {
		return
	}
	var report json.RawMessage
	if rep, err := s.cfg.Store.Report(r.Context(), sess.ID); err == nil {
		report = rep.Body
	} else if !errors.Is(err, viva.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	t, err := s.transcriptOf(r.Context(), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": sess, "report": report, "transcript": t})
}

func (s *Server) sharedRecording(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.shared(w, r)
	if !ok {
		return
	}
	s.serveRecording(w, r, sess)
}
