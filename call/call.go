package call

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/signaling"
)

// Errors Run returns (wrapped) besides ErrConfig, ErrUnreachable, *HTTPError
// and the context's error when ctx ends first.
var (
	// ErrPeerFailed means the WebRTC connection failed, or did not connect
	// within ConnectTimeout of the offer, or the server's answer was
	// refused.
	ErrPeerFailed = errors.New("peer connection failed")
	// ErrSocketClosed means the signaling socket closed before the server
	// sent ended; the error names the close code.
	ErrSocketClosed = errors.New("signaling socket closed before the interview ended")
	// ErrInterviewFailed means the server ended the interview with reason
	// "error".
	ErrInterviewFailed = errors.New("the server ended the interview with an error")
)

// Run makes one call, as Config says, and returns when the interview has
// ended (the server sent ended and closed the socket), when it fails, or
// when ctx is done (an error wrapping ctx.Err(), unless ended had already
// come). An interview the server ended with reason "error" returns
// ErrInterviewFailed. The Result is filled as far as the call got, in
// every case. Every goroutine Run starts has returned when it does, no
// OnEvent call comes after, and the socket is closed with 1000 if the
// server had not closed it.
func Run(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{Err: err}, err
	}
	c := &call{
		cfg:       cfg,
		log:       cfg.Logger,
		ev:        &emitter{start: start, fn: cfg.OnEvent},
		inbox:     make(chan inbound, 64),
		stopping:  make(chan struct{}),
		failed:    make(chan struct{}),
		connected: make(chan struct{}),
	}
	c.turns = newTracker(c.ev)
	res, err := c.run(ctx)
	c.ev.close()
	res.Duration = time.Since(start)
	res.Err = err
	return res, err
}

// call is one Run.
type call struct {
	cfg   Config
	log   *slog.Logger
	ev    *emitter
	turns *tracker
	peer  *peer
	sock  *socket

	inbox    chan inbound  // messages for the script, from the socket's reader
	stopping chan struct{} // closed when the script is over: the reader stops handing it messages

	failed   chan struct{} // closed by fail
	failOnce sync.Once
	failErr  error

	connected     chan struct{} // closed when the peer connects
	connectedOnce sync.Once

	// pion runs our callbacks on goroutines of its own, some of them
	// started by Close: they enter and leave, and Run waits for those
	// inside before it returns.
	cbMu   sync.Mutex
	cbDone bool
	cbWG   sync.WaitGroup
}

// enter admits a pion callback, unless the call is over; leave must
// follow a true.
func (c *call) enter() bool {
	c.cbMu.Lock()
	defer c.cbMu.Unlock()
	if c.cbDone {
		return false
	}
	c.cbWG.Add(1)
	return true
}

func (c *call) leave() { c.cbWG.Done() }

// stopCallbacks turns later callbacks away and waits for those running.
func (c *call) stopCallbacks() {
	c.cbMu.Lock()
	c.cbDone = true
	c.cbMu.Unlock()
	c.cbWG.Wait()
}

// inbound is a server message for the script.
type inbound struct {
	at  time.Duration
	msg signaling.Message
}

// fail ends the call with err, unless it already failed.
func (c *call) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
	})
}

func (c *call) run(ctx context.Context) (res Result, err error) {
	res.Session = c.cfg.Session
	client := c.cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
		defer client.CloseIdleConnections()
	}
	base, _ := url.Parse(c.cfg.Server) // checked by withDefaults
	a := &api{client: client, base: base}

	created := false
	if res.Session == uuid.Nil {
		id, err := a.createSession(ctx, c.cfg.Track, c.cfg.Mode, c.cfg.Minutes, c.cfg.Questions)
		if err != nil {
			return res, err
		}
		res.Session, created = id, true
	}
	c.log = c.log.With("session_id", res.Session)
	c.ev.client(EventSession, struct {
		Session uuid.UUID `json:"session"`
		Created bool      `json:"created"`
	}{res.Session, created})

	wsURL, err := a.socketURL(ctx, res.Session)
	if err != nil {
		return res, err
	}
	c.peer, err = newPeer(c.log, c.cfg.Impair, c.turns.packet)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := c.peer.close(); cerr != nil {
			c.log.Debug("close peer connection", "err", cerr)
		}
		c.stopCallbacks()
		res.Sent, res.Dropped = c.peer.imp.counts()
		res.Turns, res.Received = c.turns.result()
	}()
	ws, err := dial(ctx, wsURL)
	if err != nil {
		return res, err
	}
	c.log.Debug("signaling connected", "url", redactTicket(wsURL))
	c.sock = newSocket(ws, c.log, c.handle)
	defer c.sock.close()
	defer close(c.stopping) // before the socket closes: its reader must not wait on the script

	m, err := newMic(c.log, c.peer.track, c.cfg.Answers, micHooks{
		started: func(i int, barge bool) {
			a := c.cfg.Answers[i]
			c.turns.started(i, a.Name, c.ev.since())
			c.log.Info("answer started", "answer", i, "audio", a, "barge", barge)
			c.ev.client(EventAnswerStart, struct {
				Answer     int    `json:"answer"`
				Name       string `json:"name"`
				DurationMS int64  `json:"duration_ms"`
				Barge      bool   `json:"barge"`
			}{i, a.Name, ms(a.Duration()), barge})
		},
		speechEnded: func(int) { c.turns.speechEnded(c.ev.since()) },
		ended: func(i int) {
			end, _ := c.turns.speechEnd()
			c.ev.client(EventAnswerEnd, struct {
				Answer      int    `json:"answer"`
				Name        string `json:"name"`
				SpeechEndMS int64  `json:"speech_end_ms,omitempty"`
			}{i, c.cfg.Answers[i].Name, ms(end)})
		},
		failed: c.fail,
	})
	if err != nil {
		return res, err
	}
	m.start()
	defer m.stop()

	c.peer.pc.OnConnectionStateChange(c.peerState)
	if err := c.negotiate(); err != nil {
		return res, err
	}
	res.Ended, err = c.script(ctx, m)
	if err == nil && res.Ended == string(signaling.EndError) {
		err = ErrInterviewFailed
	}
	return res, err
}

// negotiate sends the offer, then our candidates as pion gathers them (the
// ones gathered before the offer went out follow it).
func (c *call) negotiate() error {
	var (
		mu      sync.Mutex
		offered bool
		early   []signaling.Message
	)
	send := func(msg signaling.Message) {
		if err := c.sock.send(msg); err != nil && !errors.Is(err, net.ErrClosed) {
			c.log.Warn("could not send a signaling message", "type", msg.Type(), "err", err)
		}
	}
	c.peer.pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if !c.enter() {
			return
		}
		defer c.leave()
		msg := &signaling.Candidate{} // nil: end of candidates
		if ic != nil {
			init := ic.ToJSON()
			msg = &signaling.Candidate{Candidate: init.Candidate, SDPMid: init.SDPMid,
				SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment}
		}
		mu.Lock()
		defer mu.Unlock()
		if !offered {
			early = append(early, msg)
			return
		}
		send(msg)
	})
	sdp, err := c.peer.offer()
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	send(&signaling.Offer{SDP: sdp})
	for _, msg := range early {
		send(msg)
	}
	offered = true
	return nil
}

// peerState follows the peer connection's state, from pion's goroutines.
func (c *call) peerState(s webrtc.PeerConnectionState) {
	if !c.enter() {
		return
	}
	defer c.leave()
	c.log.Debug("peer connection state", "state", s.String())
	switch s {
	case webrtc.PeerConnectionStateConnected:
		c.connectedOnce.Do(func() {
			close(c.connected)
			c.ev.client(EventConnected, nil)
		})
	case webrtc.PeerConnectionStateDisconnected:
		c.log.Warn("peer connection disconnected; waiting for it to recover")
	case webrtc.PeerConnectionStateFailed:
		c.fail(fmt.Errorf("%w: ICE or DTLS failed", ErrPeerFailed))
	}
}

// handle takes one server message, on the socket's reader: it reports it,
// applies answers and candidates, and hands the rest to the script.
func (c *call) handle(data []byte) {
	var env struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(data, &env); err != nil || env.Type == nil {
		text := string(data)
		if len(text) > 512 {
			text = text[:512] + "…"
		}
		c.log.Warn("the server sent a message that is not a JSON object with a type", "bytes", len(data))
		c.ev.client(EventBadMessage, struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}{"not a JSON object with a string type", text})
		return
	}
	typ := *env.Type
	c.ev.server(typ, data)
	msg, err := signaling.Parse(data)
	if err != nil {
		var pe *signaling.ProtocolError
		if errors.As(err, &pe) && pe.Code == signaling.CodeUnknownType {
			c.log.Debug("ignored a message type this client does not know", "type", typ)
			return
		}
		c.log.Warn("a server message breaks the protocol", "type", typ, "err", err)
		c.ev.client(EventBadMessage, struct {
			Type  string `json:"message_type"`
			Error string `json:"error"`
		}{typ, err.Error()})
		if msg = lenient(typ, data); msg == nil {
			return
		}
	}
	switch m := msg.(type) {
	case *signaling.Answer:
		if err := c.peer.answer(m.SDP); err != nil {
			c.fail(fmt.Errorf("%w: %w", ErrPeerFailed, err))
		}
	case *signaling.Candidate:
		c.peer.candidate(webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid,
			SDPMLineIndex: m.SDPMLineIndex, UsernameFragment: m.UsernameFragment})
	case *signaling.Offer:
		c.log.Warn("the server sent an offer; this client does not renegotiate, so it is ignored")
	case *signaling.Prompt, *signaling.State, *signaling.Transcript, *signaling.Ended, *signaling.ErrorMessage:
		select {
		case c.inbox <- inbound{at: c.ev.since(), msg: msg}:
		case <-c.stopping:
		}
	}
}

// lenient decodes a message signaling.Parse refused, leniently, for the
// types the call acts on; nil for the others or if even that fails.
func lenient(typ string, data []byte) signaling.Message {
	var m signaling.Message
	switch signaling.Type(typ) {
	case signaling.TypeAnswer:
		m = &signaling.Answer{}
	case signaling.TypeCandidate:
		m = &signaling.Candidate{}
	case signaling.TypePrompt:
		m = &signaling.Prompt{}
	case signaling.TypeState:
		m = &signaling.State{}
	case signaling.TypeTranscript:
		m = &signaling.Transcript{}
	case signaling.TypeEnded:
		m = &signaling.Ended{}
	default:
		return nil
	}
	if json.Unmarshal(data, m) != nil {
		return nil
	}
	return m
}

// script plays the candidate's part until the interview ends, and returns
// the end reason.
func (c *call) script(ctx context.Context, m *mic) (string, error) {
	answers := c.cfg.Answers
	var (
		next       int  // the next answer to start
		speaking   bool // an answer is playing
		prompts    int  // prompts received
		usedPrompt int  // prompts when the last answer started
		listening  bool // the interviewer listens, after the latest prompt
		bargeReady bool // the next answer's barge delay has passed
		lastPrompt time.Duration
		lastFinal  time.Duration // the latest final candidate transcript
		lastDone   time.Duration // when the last answer finished
		endSent    bool
		reason     string
	)
	barge := stoppedTimer()
	defer barge.Stop()
	endBy := stoppedTimer() // Config.End's wait for the transcript
	defer endBy.Stop()
	closeBy := stoppedTimer() // the server's close after ended
	defer closeBy.Stop()
	connectBy := time.NewTimer(ConnectTimeout)
	defer connectBy.Stop()
	connected := c.connected

	sendEnd := func(why string) {
		endSent = true
		endBy.Stop()
		// Reported first: the server's ended may arrive before send returns.
		c.ev.client(EventEndSent, struct {
			Why string `json:"why"`
		}{why})
		if err := c.sock.send(&signaling.End{}); err != nil {
			c.log.Warn("could not send end", "err", err)
			return
		}
		c.log.Info("sent end", "why", why)
	}
	// transcribed reports whether the last answer's turn has been taken in:
	// a final candidate transcript or a new prompt after its speech.
	transcribed := func() bool {
		if len(answers) == 0 {
			return prompts > 0 && listening
		}
		ref, ok := c.turns.speechEnd()
		if !ok {
			ref = lastDone
		}
		return lastFinal > ref || lastPrompt > ref
	}

	// take updates the script's view with one server message.
	take := func(in inbound) error {
		switch msg := in.msg.(type) {
		case *signaling.Prompt:
			prompts++
			listening = false
			lastPrompt = in.at
			if next < len(answers) && answers[next].Barge > 0 {
				barge.Reset(answers[next].Barge)
				bargeReady = false
			}
		case *signaling.State:
			listening = msg.Interviewer == signaling.InterviewerListening
		case *signaling.Transcript:
			if msg.Final && msg.Speaker == viva.SpeakerCandidate {
				lastFinal = in.at
			}
		case *signaling.ErrorMessage:
			if msg.Code == signaling.CodeBadSDP {
				return fmt.Errorf("%w: the server refused the offer (%s): %s", ErrPeerFailed, msg.Code, msg.Message)
			}
			c.log.Warn("the server reported an error", "code", msg.Code, "message", msg.Message, "field", msg.Field)
		case *signaling.Ended:
			reason = string(msg.Reason)
			c.log.Info("interview ended", "reason", reason)
			closeBy.Reset(2 * closeGrace)
		}
		return nil
	}

	for {
		if reason == "" && !speaking && next < len(answers) && prompts > usedPrompt && (listening || bargeReady) {
			m.play <- speak{index: next, barge: !listening} // the microphone is idle: never blocks
			next, speaking, usedPrompt, bargeReady = next+1, true, prompts, false
			barge.Stop()
		}
		if c.cfg.End && !endSent && reason == "" && !speaking && next == len(answers) && transcribed() {
			sendEnd("transcribed")
		}
		select {
		case <-ctx.Done():
			if reason != "" { // ended; only the close was missing
				return reason, nil
			}
			return reason, fmt.Errorf("call stopped before the interview ended: %w", ctx.Err())
		case <-c.failed:
			return reason, c.failErr
		case <-connected:
			connected = nil
			connectBy.Stop()
		case <-connectBy.C:
			return reason, fmt.Errorf("%w: not connected %v after the offer", ErrPeerFailed, ConnectTimeout)
		case i := <-m.done:
			speaking = false
			lastDone = c.ev.since()
			if i == len(answers)-1 && c.cfg.End {
				endBy.Reset(EndWait)
			}
		case <-barge.C:
			bargeReady = true
		case <-endBy.C:
			if !endSent && reason == "" {
				c.log.Warn("the last answer was not transcribed in time; ending anyway", "waited", EndWait)
				sendEnd("timeout")
			}
		case <-c.sock.readerDone:
			// What the reader handed over before it returned comes first.
			for drained := false; !drained; {
				select {
				case in := <-c.inbox:
					take(in)
				default:
					drained = true
				}
			}
			code, text := c.sock.closeStatus()
			c.ev.client(EventClosed, struct {
				Code int    `json:"code"`
				Text string `json:"text"`
			}{code, text})
			if reason != "" {
				return reason, nil
			}
			if text != "" {
				return reason, fmt.Errorf("%w: close %d (%s)", ErrSocketClosed, code, text)
			}
			return reason, fmt.Errorf("%w: close %d", ErrSocketClosed, code)
		case <-closeBy.C:
			c.log.Warn("the server did not close the socket after ended")
			return reason, nil
		case in := <-c.inbox:
			if err := take(in); err != nil {
				return reason, err
			}
		}
	}
}

// stoppedTimer is a timer that has not been started.
func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// redactTicket hides the ticket in a socket URL, for logs.
func redactTicket(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	q := u.Query()
	if q.Has("ticket") {
		q.Set("ticket", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
