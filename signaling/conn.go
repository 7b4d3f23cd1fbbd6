package signaling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// Handler receives the client's messages, one at a time, on the
// connection's reader goroutine. It must return promptly (well within the
// pong wait; hand long work to another goroutine) and must not call the
// connection's Close; End and Send are fine.
//
// Ping is answered by the connection itself and never reaches the Handler.
// An error from HandleMessage becomes an error message to the client: a
// *ProtocolError as it is, closing the connection when its Close is set;
// any other error as "internal error", logged in full.
type Handler interface {
	HandleMessage(ctx context.Context, msg Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg Message) error

// HandleMessage calls f.
func (f HandlerFunc) HandleMessage(ctx context.Context, msg Message) error { return f(ctx, msg) }

// Sender is what the media and interviewer side needs of a connection:
// Conn implements it.
type Sender interface {
	Send(msg Message) error
}

// Conn is one interview's WebSocket, made by an Upgrader. Serve runs it:
// the calling goroutine reads, a goroutine Serve starts writes, fed by a
// bounded queue so that Send never blocks.
type Conn struct {
	ws      *websocket.Conn
	cfg     *Config
	m       *metrics
	log     *slog.Logger
	session uuid.UUID
	owner   uuid.UUID
	release func()
	opened  time.Time

	send    chan outgoing
	closing chan struct{} // closed when a close begins
	done    chan struct{} // closed when the connection is finished

	mu        sync.Mutex
	state     connState
	closeCode CloseCode
	closeText string
	graceful  bool
	reason    error // what Serve returns

	finishOnce sync.Once
}

type connState int

const (
	stateNew connState = iota
	stateServing
	stateDone
)

type outgoing struct {
	typ  Type
	data []byte
}

// Session is the session the connection's ticket was issued for.
func (c *Conn) Session() uuid.UUID { return c.session }

// Owner is the account the connection's ticket was issued to.
func (c *Conn) Owner() uuid.UUID { return c.owner }

// Done is closed when the connection has finished: both goroutines have
// returned and the socket is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Send queues msg for the client. It never blocks and is safe from any
// goroutine (pion callbacks included). It fails with ErrClosed once the
// connection is closing, and with ErrSlowConsumer when the queue is full, in
// which case the client is dropped (close 4001).
func (c *Conn) Send(msg Message) error {
	data, err := Encode(msg)
	if err != nil {
		return err
	}
	select {
	case <-c.closing:
		return ErrClosed
	default:
	}
	select {
	case c.send <- outgoing{typ: msg.Type(), data: data}:
		return nil
	default:
		if c.beginClose(CloseSlowConsumer, "slow_consumer", ErrSlowConsumer, false) {
			c.m.slow.Inc()
		}
		return ErrSlowConsumer
	}
}

// End tells the client the interview is over (an ended message) and closes
// the connection normally (1000) once everything queued before it is sent.
// It does not block, and may be called from a Handler.
func (c *Conn) End(reason EndReason) error {
	if err := c.Send(&Ended{Reason: reason}); err != nil {
		return err
	}
	c.beginClose(CloseNormal, "ended", nil, true)
	return nil
}

// Close closes the connection with 1001 (going away) after what is queued,
// unless a close is already under way, and waits until Serve has returned
// (at most about CloseGrace after the queue drains). It is idempotent.
// A Handler must not call it: use End, or return a *ProtocolError with
// Close set.
func (c *Conn) Close() error {
	c.shutdown()
	<-c.done
	return nil
}

// shutdown begins a going-away close without waiting for it.
func (c *Conn) shutdown() {
	c.beginClose(CloseGoingAway, "going_away", nil, true)
	c.mu.Lock()
	st := c.state
	if st == stateNew {
		c.state = stateDone
	}
	c.mu.Unlock()
	if st == stateNew { // never served: no goroutines to stop
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(CloseGoingAway), "going_away"), time.Now().Add(c.cfg.CloseGrace))
		c.finish()
	}
}

// beginClose records why the connection closes and starts the close; only
// the first call counts. A graceful close sends what is queued first and
// waits for the client's close frame; an abrupt one does neither.
func (c *Conn) beginClose(code CloseCode, text string, reason error, graceful bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeCode != 0 {
		return false
	}
	c.closeCode, c.closeText, c.reason, c.graceful = code, text, reason, graceful
	close(c.closing)
	if !graceful {
		// Unblock a write stuck on a client that does not read.
		c.ws.NetConn().SetWriteDeadline(time.Now())
	}
	return true
}

// Serve runs the connection until it closes, delivering the client's
// messages to h. The calling goroutine reads; Serve starts the writer and
// waits for it. When ctx is done the connection closes with 1001.
//
// Serve returns nil when the connection ended in order (End, Close, or the
// client's normal close); otherwise why it ended: ErrSlowConsumer,
// ErrPeerTimeout, ErrTooLarge, ErrBadMessages, a *ProtocolError the handler
// returned, ctx's error, or a network error. It returns ErrClosed at once
// for a connection closed before it was served.
func (c *Conn) Serve(ctx context.Context, h Handler) error {
	c.mu.Lock()
	if c.state != stateNew {
		c.mu.Unlock()
		return ErrClosed
	}
	c.state = stateServing
	c.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		c.beginClose(CloseGoingAway, "going_away", context.Cause(ctx), true)
	})
	defer stop()

	readerDone := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(readerDone)
	}()
	c.readLoop(ctx, h)
	close(readerDone)
	<-writerDone
	c.finish()

	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// finish closes the socket, frees the session for a new socket and marks
// the connection done.
func (c *Conn) finish() {
	c.finishOnce.Do(func() {
		c.ws.Close()
		c.m.open.Dec()
		c.mu.Lock()
		code, reason := c.closeCode, c.reason
		c.mu.Unlock()
		attrs := []any{"close_code", int(code), "duration_ms", time.Since(c.opened).Milliseconds()}
		if reason != nil {
			attrs = append(attrs, "reason", reason.Error())
		}
		c.log.Info("signaling closed", attrs...)
		if c.release != nil {
			c.release()
		}
		close(c.done)
	})
}

func (c *Conn) readLoop(ctx context.Context, h Handler) {
	// Messages over ReadLimit but under this hard cap are read and answered
	// with a too_large error before the close; bigger frames are refused by
	// gorilla at their header (close 1009 without an error message).
	c.ws.SetReadLimit(c.cfg.ReadLimit * 8)
	alive := func() { c.ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		alive()
		err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.cfg.WriteWait))
		if err == nil || errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})

	bad := 0
	for {
		mt, r, err := c.ws.NextReader()
		if err != nil {
			c.readFailed(err)
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, c.cfg.ReadLimit+1))
		if err != nil {
			c.readFailed(err)
			return
		}
		alive()
		select {
		case <-c.closing:
			continue // closing: only the client's close frame matters now
		default:
		}
		if int64(len(data)) > c.cfg.ReadLimit {
			c.m.messages.WithLabelValues("in", "invalid").Inc()
			c.sendError(protocolErr(CodeTooLarge, "", "message is larger than %d bytes", c.cfg.ReadLimit))
			c.beginClose(CloseTooLarge, "too_large", ErrTooLarge, true)
			continue
		}
		msg, err := c.parse(mt, data)
		if err != nil {
			c.m.messages.WithLabelValues("in", "invalid").Inc()
			c.sendError(err)
			if bad++; bad >= c.cfg.MaxBadMessages {
				c.beginClose(ClosePolicyViolation, "bad_messages", ErrBadMessages, true)
			}
			continue
		}
		bad = 0
		c.m.messages.WithLabelValues("in", string(msg.Type())).Inc()
		if p, ok := msg.(*Ping); ok {
			c.Send(&Pong{T: p.T})
			continue
		}
		if err := h.HandleMessage(ctx, msg); err != nil {
			c.handlerFailed(msg.Type(), err)
		}
	}
}

func (c *Conn) parse(mt int, data []byte) (Message, error) {
	if mt != websocket.TextMessage {
		return nil, protocolErr(CodeBadMessage, "", "binary frames are not part of the protocol; send JSON text")
	}
	msg, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if !msg.Type().FromClient() {
		return nil, protocolErr(CodeUnexpectedType, "type", "%q messages only go from server to client", msg.Type())
	}
	return msg, nil
}

func (c *Conn) handlerFailed(t Type, err error) {
	em, closeCode := errorMessage(err)
	if em.Code == CodeInternal {
		c.log.Error("handle message", "type", string(t), "err", err)
	}
	c.sendError(err)
	if closeCode != 0 {
		c.beginClose(closeCode, string(em.Code), err, true)
	}
}

// sendError tells the client about err.
func (c *Conn) sendError(err error) {
	em, _ := errorMessage(err)
	c.m.errors.WithLabelValues(string(em.Code)).Inc()
	c.Send(em)
}

// readFailed records why reading stopped.
func (c *Conn) readFailed(err error) {
	var ne net.Error
	switch {
	case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway):
		c.beginClose(CloseNormal, "", nil, false)
	case errors.Is(err, websocket.ErrReadLimit):
		c.beginClose(CloseTooLarge, "too_large", ErrTooLarge, false)
	case errors.As(err, &ne) && ne.Timeout():
		c.beginClose(ClosePeerTimeout, "peer_timeout", ErrPeerTimeout, false)
	default:
		c.beginClose(CloseInternal, "", fmt.Errorf("read: %w", err), false)
	}
}

func (c *Conn) writeLoop(readerDone <-chan struct{}) {
	ping := time.NewTicker(c.cfg.PingPeriod)
	defer ping.Stop()
loop:
	for {
		select {
		case out := <-c.send:
			if err := c.write(out); err != nil {
				c.beginClose(CloseInternal, "", fmt.Errorf("write: %w", err), false)
				break loop
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteWait)); err != nil {
				c.beginClose(CloseInternal, "", fmt.Errorf("write ping: %w", err), false)
				break loop
			}
		case <-c.closing:
			break loop
		}
	}

	c.mu.Lock()
	code, text, graceful := c.closeCode, c.closeText, c.graceful
	c.mu.Unlock()
	wait := c.cfg.CloseGrace
	if graceful {
		wait = c.cfg.WriteWait
	drain:
		for {
			select {
			case out := <-c.send:
				if c.write(out) != nil {
					break drain
				}
			default:
				break drain
			}
		}
	}
	// The client may be gone or may have closed first; either way the
	// close frame is best effort.
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(code), text), time.Now().Add(wait))
	if graceful {
		// Give the client time to answer our close, so that the reader
		// ends on its close frame rather than a torn connection.
		t := time.NewTimer(c.cfg.CloseGrace)
		select {
		case <-readerDone:
		case <-t.C:
		}
		t.Stop()
	}
	c.ws.Close() // ends the reader if it is still blocked
}

func (c *Conn) write(out outgoing) error {
	c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait))
	if err := c.ws.WriteMessage(websocket.TextMessage, out.data); err != nil {
		return err
	}
	c.m.messages.WithLabelValues("out", string(out.typ)).Inc()
	return nil
}
