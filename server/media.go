package server

import (
	"errors"
	"io/fs"
	"net/http"
	"os"

	"github.com/viva-interview/viva"
)

// Questions lists the question bank for the start page; the interviewer
// package's bank implements it through cmd/viva.
type Questions interface {
	// List returns the questions for a track and mode (empty: all).
	List(track viva.Track, mode viva.Mode) []QuestionInfo
}

// QuestionInfo is what the start page shows of a question.
type QuestionInfo struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Track   viva.Track  `json:"track"`
	Modes   []viva.Mode `json:"modes"`
	Minutes float64     `json:"minutes"`
}

func (s *Server) questions(w http.ResponseWriter, r *http.Request) {
	list := []QuestionInfo{}
	if s.cfg.Questions != nil {
		list = append(list, s.cfg.Questions.List(viva.Track(r.URL.Query().Get("track")), viva.Mode(r.URL.Query().Get("mode")))...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"questions": list})
}

// recording serves one direction of a session's recording (Ogg Opus) with
// range requests, so a player can seek. The file's path comes from the
// store, never from the request.
func (s *Server) recording(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveRecording(w, r, sess)
}

func (s *Server) serveRecording(w http.ResponseWriter, r *http.Request, sess *viva.Session) {
	dir := viva.Speaker(r.PathValue("direction"))
	if !dir.Valid() {
		writeError(w, http.StatusNotFound, "not_found", "no recording direction "+string(dir)+" (candidate or interviewer)", "")
		return
	}
	recs, err := s.cfg.Store.Recordings(r.Context(), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rec := range recs {
		if rec.Direction != dir {
			continue
		}
		f, err := os.Open(rec.Path)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "audio/ogg")
		w.Header().Set("Cache-Control", "private, no-store")
		http.ServeContent(w, r, "", info.ModTime(), f)
		return
	}
	writeError(w, http.StatusNotFound, "no_recording", "this interview has no "+string(dir)+" recording", "")
}

// removeRecordings deletes a session's recording files (the store rows go
// with the session).
func (s *Server) removeRecordings(recs []viva.Recording) {
	for _, rec := range recs {
		if err := os.Remove(rec.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("remove recording", "path", rec.Path, "err", err)
		}
	}
}
