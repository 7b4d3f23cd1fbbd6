package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// createRequest is the body of POST /api/v1/sessions.
type createRequest struct {
	Track     viva.Track `json:"track"`
	Mode      viva.Mode  `json:"mode"`
	Minutes   int        `json:"minutes"`
	Questions []string   `json:"questions"`
}

// owner is the account a request acts for. Until accounts land every request
// is the local user's.
func owner(*http.Request) uuid.UUID { return viva.LocalAccount }

// fail translates an error from the domain or the store into a response,
// once. Unknown errors are logged in full and read "internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ve *viva.ValidationError
		re *requestError
	)
	switch {
	case errors.As(err, &re):
		writeError(w, re.status, "invalid", re.msg, re.field)
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, "invalid", ve.Error(), ve.Field)
	case errors.Is(err, viva.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error(), "")
	case errors.Is(err, viva.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error(), "")
	case r.Context().Err() != nil:
		// The client left; nobody reads the answer.
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error", "")
	}
}

// session loads the session named in the path, as its owner sees it: an
// unknown id, a malformed one and another account's session all read 404.
func (s *Server) session(r *http.Request) (*viva.Session, error) {
	raw := r.PathValue("id")
	id, err := uuid.Parse(raw)
	if err != nil {
		return nil, &notFound{raw}
	}
	sess, err := s.cfg.Store.Session(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if sess.Owner != owner(r) {
		return nil, &notFound{raw}
	}
	return sess, nil
}

type notFound struct{ id string }

func (e *notFound) Error() string { return "session " + strconv.Quote(e.id) + " not found" }
func (e *notFound) Unwrap() error { return viva.ErrNotFound }

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	sess := &viva.Session{Owner: owner(r), Track: req.Track, Mode: req.Mode, Minutes: req.Minutes, Questions: req.Questions}
	if err := s.cfg.Store.CreateSession(r.Context(), sess); err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.sessions.Inc()
	s.log.Info("session created", "session_id", sess.ID, "track", sess.Track, "mode", sess.Mode)
	w.Header().Set("Location", "/api/v1/sessions/"+sess.ID.String())
	writeJSON(w, http.StatusCreated, sess)
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := viva.SessionFilter{Owner: owner(r), Track: viva.Track(q.Get("track")), State: viva.SessionState(q.Get("state"))}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "invalid", "limit must be a positive integer", "limit")
			return
		}
		f.Limit = n
	}
	list, err := s.cfg.Store.Sessions(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	var recs []viva.Recording
	if err == nil {
		recs, err = s.cfg.Store.Recordings(r.Context(), sess.ID)
	}
	if err == nil {
		err = s.cfg.Store.DeleteSession(r.Context(), sess.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.removeRecordings(recs)
	s.log.Info("session deleted", "session_id", sess.ID)
	w.WriteHeader(http.StatusNoContent)
}

// endSession ends an interview and queues its scoring. Ending one that has
// already ended only re-queues the scoring, so a retried request is safe.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.cfg.Interviews != nil {
		ended, err := s.cfg.Interviews.End(r.Context(), sess.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ended { // the interview ended itself: recordings closed, scoring queued
			if sess, err = s.cfg.Store.Session(r.Context(), sess.ID); err != nil {
				s.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusAccepted, sess)
			return
		}
	}
	if sess.State.CanBecome(viva.StateEnded) {
		if sess, err = s.cfg.Store.SetSessionState(r.Context(), sess.ID, viva.StateEnded, time.Now()); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if sess.State != viva.StateEnded && sess.State != viva.StateInterrupted {
		s.fail(w, r, fmt.Errorf("session %s is already %s: %w", sess.ID, sess.State, viva.ErrConflict))
		return
	}
	if err := s.cfg.Scorer.EnqueueScore(r.Context(), sess.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("session ended; scoring queued", "session_id", sess.ID)
	writeJSON(w, http.StatusAccepted, sess)
}

func (s *Server) transcript(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.transcriptOf(r.Context(), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// transcriptJSON is a session's transcript as the API serves it.
type transcriptJSON struct {
	SessionID  uuid.UUID        `json:"session_id"`
	Utterances []viva.Utterance `json:"utterances"`
	Probes     []viva.Probe     `json:"probes"`
}

func (s *Server) transcriptOf(ctx context.Context, id uuid.UUID) (transcriptJSON, error) {
	utts, err := s.cfg.Store.Utterances(ctx, id)
	if err != nil {
		return transcriptJSON{}, err
	}
	probes, err := s.cfg.Store.Probes(ctx, id)
	if err != nil {
		return transcriptJSON{}, err
	}
	return transcriptJSON{SessionID: id, Utterances: utts, Probes: probes}, nil
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.cfg.Store.Report(r.Context(), sess.ID)
	if errors.Is(err, viva.ErrNotFound) {
		writeError(w, http.StatusNotFound, "report_not_ready", "no report yet: the session is "+string(sess.State), "")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(rep.Body)
}
