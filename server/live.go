package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/signaling"
)

// Interviews runs live interviews behind the signaling socket; live.Manager
// implements it.
type Interviews interface {
	// CanJoin says whether a socket may be opened for the session now.
	CanJoin(s *viva.Session) error
	// Serve runs one upgraded socket until it closes.
	Serve(conn *signaling.Conn) error
	// End ends the session's interview if it is running here, as if the
	// candidate had ended it, and reports whether it was.
	End(ctx context.Context, session uuid.UUID) (bool, error)
}

// ticketResponse is the body of POST /api/v1/sessions/{id}/ticket.
type ticketResponse struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
	URL       string    `json:"url"`
}

// ticket issues a short-lived ticket for the session's socket.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Interviews.CanJoin(sess); err != nil {
		if errors.Is(err, viva.ErrConflict) {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "busy", err.Error()+"; try again in 30 s", "")
		return
	}
	t, exp := s.tickets.Issue(sess.ID, sess.Owner)
	writeJSON(w, http.StatusOK, ticketResponse{
		Ticket: t, ExpiresAt: exp.UTC(), URL: "/api/v1/sessions/" + sess.ID.String() + "/ws?ticket=" + t,
	})
}

// socket upgrades to the interview's WebSocket and serves it. The upgrader
// has already answered a refused request.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r)
	if err != nil {
		return
	}
	if err := s.cfg.Interviews.Serve(conn); err != nil {
		s.log.Debug("interview socket ended", "session", conn.Session(), "reason", err)
	}
}

// CloseSockets closes every interview socket (1001, going away) and refuses
// new ones; call it first in a graceful shutdown, since http.Server's
// Shutdown does not wait for hijacked connections.
func (s *Server) CloseSockets() error {
	if s.upgrader == nil {
		return nil
	}
	return s.upgrader.Close()
}
