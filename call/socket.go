package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/viva-interview/viva/signaling"
)

// Socket timings and limits.
const (
	// readLimit bounds one server message; the protocol asks clients to
	// accept at least 1 MiB.
	readLimit = 4 << 20
	// pingPeriod is how often the client pings the server; readWait is how
	// long it waits for any frame (a message, a ping or a pong) before it
	// gives the server up.
	pingPeriod = 10 * time.Second
	readWait   = 30 * time.Second
	writeWait  = 10 * time.Second
	// closeGrace is how long a closing client waits for the server's close
	// frame.
	closeGrace = time.Second
	// sendQueue bounds the messages waiting for the writer.
	sendQueue = 64
)

// errQueueFull is returned by send when the writer is that far behind.
var errQueueFull = errors.New("signaling send queue full")

// dial opens the signaling socket, without an Origin header. A refused
// handshake becomes an *HTTPError with the server's code.
func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   8 << 10,
		WriteBufferSize:  8 << 10,
	}
	ws, resp, err := d.DialContext(ctx, url, nil)
	if err == nil {
		return ws, nil
	}
	if resp != nil {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		return nil, refusal("open socket", resp.StatusCode, body)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("open socket: %w", ctx.Err())
	}
	return nil, fmt.Errorf("open socket: %w: %w", ErrUnreachable, err)
}

// socket is the signaling WebSocket: one reader goroutine, one writer
// goroutine fed by a bounded queue.
type socket struct {
	ws  *websocket.Conn
	log *slog.Logger
	out chan []byte

	quit       chan struct{} // closed to stop the writer
	quitOnce   sync.Once
	readerDone chan struct{} // closed when the reader returns; readErr is then set
	writerDone chan struct{}
	readErr    error
}

// newSocket starts the reader, which hands every text message to handle,
// and the writer.
func newSocket(ws *websocket.Conn, log *slog.Logger, handle func([]byte)) *socket {
	s := &socket{
		ws: ws, log: log, out: make(chan []byte, sendQueue),
		quit: make(chan struct{}), readerDone: make(chan struct{}), writerDone: make(chan struct{}),
	}
	ws.SetReadLimit(readLimit)
	go s.readLoop(handle)
	go s.writeLoop()
	return s
}

// send queues msg for the server. It never blocks.
func (s *socket) send(msg signaling.Message) error {
	data, err := signaling.Encode(msg)
	if err != nil {
		return fmt.Errorf("encode %s: %w", msg.Type(), err)
	}
	select {
	case <-s.quit:
		return net.ErrClosed
	default:
	}
	select {
	case s.out <- data:
		return nil
	default:
		return errQueueFull
	}
}

func (s *socket) readLoop(handle func([]byte)) {
	defer close(s.readerDone)
	extend := func() { _ = s.ws.SetReadDeadline(time.Now().Add(readWait)) }
	extend()
	s.ws.SetPongHandler(func(string) error { extend(); return nil })
	s.ws.SetPingHandler(func(data string) error {
		extend()
		err := s.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		mt, data, err := s.ws.ReadMessage()
		if err != nil {
			s.readErr = err
			return
		}
		extend()
		if mt != websocket.TextMessage {
			s.log.Warn("ignored a binary frame from the server", "bytes", len(data))
			continue
		}
		handle(data)
	}
}

func (s *socket) writeLoop() {
	defer close(s.writerDone)
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-s.quit:
			return
		case data := <-s.out:
			_ = s.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := s.ws.WriteMessage(websocket.TextMessage, data); err != nil {
				s.log.Debug("signaling write failed", "err", err)
				s.stopWriter()
				return
			}
		case <-ping.C:
			if err := s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				s.log.Debug("signaling ping failed", "err", err)
			}
		}
	}
}

func (s *socket) stopWriter() { s.quitOnce.Do(func() { close(s.quit) }) }

// close closes the socket in order: the writer stops (what it has not
// written is dropped), a close frame (1000) goes out unless the server
// already closed, the reader gets up to closeGrace for the server's close
// frame, and then the connection is closed under it. Both goroutines have
// returned when close does. Call it once.
func (s *socket) close() {
	s.stopWriter()
	<-s.writerDone
	select {
	case <-s.readerDone:
	default:
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		if err := s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait)); err == nil {
			t := time.NewTimer(closeGrace)
			select {
			case <-s.readerDone:
			case <-t.C:
			}
			t.Stop()
		}
	}
	_ = s.ws.Close()
	<-s.readerDone
}

// closeStatus describes how the socket closed: the close code (1006 when
// it closed without a close frame) and its text.
func (s *socket) closeStatus() (int, string) {
	var ce *websocket.CloseError
	if errors.As(s.readErr, &ce) {
		return ce.Code, ce.Text
	}
	return websocket.CloseAbnormalClosure, ""
}
