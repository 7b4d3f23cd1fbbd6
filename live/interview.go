package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/interviewer/llm"
	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/peer"
	"github.com/viva-interview/viva/media/record"
	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/signaling"
)

// inboxSize bounds the inputs waiting for an interview's goroutine. The
// media path posts a handful per second; the bound only matters if the
// goroutine is stuck, and then posting gives up (see post).
const inboxSize = 1024

// Inputs to an interview's goroutine.
type (
	attach struct{ conn *signaling.Conn }
	detach struct {
		conn *signaling.Conn
		err  error
	}
	clientMsg struct {
		conn *signaling.Conn
		msg  signaling.Message
	}
	peerEvent struct {
		gen int
		ev  peer.Event
	}
	peerStarted struct{ gen int }
	endNow      struct{} // the HTTP API ended the interview
	peerState   struct {
		gen   int
		state webrtc.PeerConnectionState
	}
	iceCandidate struct {
		gen int
		c   *webrtc.ICECandidate
	}
	transcribed struct {
		t   *turn
		seg *segment
		res stt.Result
		err error
	}
	phrased struct {
		gen    int
		say    interviewer.Say
		choice llm.Choice
		err    error
	}
	said struct {
		say    interviewer.Say
		chosen bool // its probe is an alternative the language model chose
		spoken peer.Spoken
		err    error
		notice string
	}
)

// turn is one of the candidate's turns on its way through speech-to-text:
// its segments (the speech between its pauses) are transcribed as they
// come, so that little is left to do when it ends.
type turn struct {
	id       uuid.UUID
	startMS  int64
	endMS    int64 // end of its speech
	segments []*segment
	ended    bool
	p        *peer.Peer // hears the words of its latest segment
}

type segment struct {
	startMS, endMS int64
	done           bool
	res            stt.Result
	err            error
}

// transcribed reports whether every segment has its transcript.
func (t *turn) transcribed() bool {
	for _, s := range t.segments {
		if !s.done {
			return false
		}
	}
	return true
}

// result joins the segments' transcripts.
func (t *turn) result() (stt.Result, error) {
	var out stt.Result
	var texts []string
	var errs []error
	for _, s := range t.segments {
		if s.err != nil {
			errs = append(errs, s.err)
			continue
		}
		if t := strings.TrimSpace(s.res.Text); t != "" {
			texts = append(texts, t)
		}
		out.Words = append(out.Words, s.res.Words...)
		out.Engine = cmp.Or(out.Engine, s.res.Engine)
		out.Notice = cmp.Or(out.Notice, s.res.Notice)
	}
	out.Text = strings.Join(texts, " ")
	if out.Text == "" && len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// interview is one running interview. Everything but inbox, done and the
// recorders belongs to its goroutine (run).
type interview struct {
	m      *Manager
	s      *viva.Session
	log    *slog.Logger
	ivr    Interviewer
	inbox  chan any
	done   chan struct{}
	ctx    context.Context // the engines' context: cancelled when the interview is over
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines transcribing and speaking

	inflight int // of those, how many have not posted their result

	cand, voice *record.Recorder

	conn     *signaling.Conn
	peer     *peer.Peer
	gen      int       // generation of peer; events of older peers are dropped
	zero     time.Time // wall time of the time base's zero; zero before the first audio
	offset   time.Duration
	state    viva.SessionState
	speaking bool
	sayStop  context.CancelFunc
	prompt   interviewer.Prompt // the last prompt said (or being said)
	sayGen   int                // counts says, so a late phrasing of an old one is dropped
	question string             // the current question's words, for the language model
	heard    []string           // what the candidate said since it was asked
	unsaid   *interviewer.Say
	inTurn   bool
	cur      *turn            // the turn the candidate is in
	turns    []*turn          // ended turns waiting for transcripts, in order
	answer   []viva.Utterance // transcribed turns since the last prompt
	lastEnd  int64            // end of the candidate's latest speech, ms; -1 none
	ending   bool
	reason   signaling.EndReason
	timer    *time.Timer // reconnect deadline while no socket is open
	timerC   <-chan time.Time
}

func newInterview(m *Manager, s *viva.Session, ivr Interviewer) (*interview, error) {
	iv := &interview{
		m: m, s: s, ivr: ivr,
		log:     m.log.With("session", s.ID),
		inbox:   make(chan any, inboxSize),
		done:    make(chan struct{}),
		state:   s.State,
		lastEnd: -1,
	}
	iv.ctx, iv.cancel = context.WithCancel(m.ctx)
	if err := os.MkdirAll(filepath.Dir(m.recordingPath(s.ID, viva.SpeakerCandidate)), 0o700); err != nil {
		return nil, fmt.Errorf("recording directory: %w", err)
	}
	var err error
	if iv.cand, err = record.Create(m.recordingPath(s.ID, viva.SpeakerCandidate), record.Config{Logger: iv.log}); err != nil {
		return nil, err
	}
	if iv.voice, err = record.Create(m.recordingPath(s.ID, viva.SpeakerInterviewer), record.Config{Logger: iv.log, PreSkip: m.preSkip}); err != nil {
		_ = iv.cand.Close()
		return nil, err
	}
	for _, dir := range []viva.Speaker{viva.SpeakerCandidate, viva.SpeakerInterviewer} {
		if err := iv.write(func(ctx context.Context) error {
			return m.cfg.Store.PutRecording(ctx, &viva.Recording{
				SessionID: s.ID, Direction: dir, Path: m.recordingPath(s.ID, dir), Codec: "opus/ogg",
			})
		}); err != nil {
			_ = iv.cand.Close()
			_ = iv.voice.Close()
			return nil, fmt.Errorf("store recording: %w", err)
		}
	}
	return iv, nil
}

// post hands an input to the interview's goroutine. It never blocks for
// long: once the interview has finished, inputs are dropped.
func (iv *interview) post(in any) {
	select {
	case iv.inbox <- in:
	case <-iv.done:
	}
}

// run is the interview's goroutine.
func (iv *interview) run() {
	defer close(iv.done)
	defer iv.wg.Wait() // every goroutine has posted its result; let them return
	defer iv.cancel()
	iv.warm()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for !iv.ending {
		select {
		case in := <-iv.inbox:
			iv.handle(in)
		case <-tick.C:
			iv.tick()
		case <-iv.timerC:
			iv.log.Info("candidate did not come back", "waited", iv.m.cfg.Reconnect)
			iv.finish(signaling.EndAbandoned)
		case <-iv.m.stopped:
			iv.finish("") // the server is stopping
		}
	}
}

// warm has the voice synthesise what the interviewer knows it will say,
// in the background, when the voice keeps what it synthesises.
func (iv *interview) warm() {
	w, ok := iv.m.cfg.TTS.(interface {
		Warm(ctx context.Context, texts []string) error
	})
	t, ok2 := iv.ivr.(Texter)
	if !ok || !ok2 {
		return
	}
	texts := t.Texts()
	iv.wg.Add(1)
	go func() {
		defer iv.wg.Done()
		if err := w.Warm(iv.ctx, texts); err != nil && iv.ctx.Err() == nil {
			iv.log.Warn("warming the interviewer's voice", "error", err)
		}
	}()
}

func (iv *interview) handle(in any) {
	switch in := in.(type) {
	case attach:
		iv.attach(in.conn)
	case detach:
		if in.conn == iv.conn {
			iv.detach(in.err)
		}
	case clientMsg:
		if in.conn == iv.conn {
			iv.message(in.msg)
		}
	case iceCandidate:
		if in.gen == iv.gen && iv.conn != nil {
			iv.send(candidateMsg(in.c))
		}
	case peerStarted:
		if in.gen == iv.gen {
			iv.started()
		}
	case peerState:
		if in.gen == iv.gen && in.state == webrtc.PeerConnectionStateFailed {
			iv.log.Warn("media connection failed")
			iv.send(&signaling.ErrorMessage{Code: signaling.CodeInternal, Message: "the audio connection failed; reconnecting may help"})
		}
	case peerEvent:
		iv.peerEvent(in.gen, in.ev)
	case transcribed:
		iv.transcribed(in)
	case said:
		iv.said(in)
	case phrased:
		iv.phrased(in)
	case endNow:
		iv.finish(signaling.EndCandidate)
	}
}

// attach takes a new socket: the first, or a reconnect.
func (iv *interview) attach(conn *signaling.Conn) {
	if iv.conn != nil && iv.conn != conn { // the upgrader allows one; be safe
		_ = conn.End(signaling.EndError)
		return
	}
	iv.conn = conn
	if iv.timer != nil {
		iv.timer.Stop()
		iv.timer, iv.timerC = nil, nil
		iv.m.met.reconnects.Inc()
		iv.log.Info("candidate reconnected")
		iv.send(&signaling.Notice{Code: signaling.NoticeReconnected, Message: "Reconnected: the interview continues."})
		iv.setState(viva.StateLive)
		iv.sendState()
		iv.sendClock()
		if iv.prompt.Text != "" {
			iv.send(promptMsg(iv.prompt))
		}
	}
}

// detach notes that the socket has gone: the media goes with it, what the
// candidate was saying is transcribed, and the interview waits for them to
// come back.
func (iv *interview) detach(err error) {
	iv.log.Info("socket closed", "reason", errString(err))
	iv.conn = nil
	iv.closePeer()
	iv.setState(viva.StateInterrupted)
	iv.timer = time.NewTimer(iv.m.cfg.Reconnect)
	iv.timerC = iv.timer.C
}

// message handles one client message.
func (iv *interview) message(msg signaling.Message) {
	switch msg := msg.(type) {
	case *signaling.Offer:
		iv.offer(msg.SDP)
	case *signaling.Candidate:
		if iv.peer == nil {
			iv.send(&signaling.ErrorMessage{Code: signaling.CodeBadState, Message: "a candidate before the offer"})
			return
		}
		if err := iv.peer.AddCandidate(webrtc.ICECandidateInit{
			Candidate: msg.Candidate, SDPMid: msg.SDPMid, SDPMLineIndex: msg.SDPMLineIndex, UsernameFragment: msg.UsernameFragment,
		}); err != nil {
			iv.send(&signaling.ErrorMessage{Code: signaling.CodeBadMessage, Message: "ICE candidate refused", Field: "candidate"})
		}
	case *signaling.Mute, *signaling.Unmute:
		if iv.peer == nil {
			iv.send(&signaling.ErrorMessage{Code: signaling.CodeBadState, Message: "mute before the offer"})
			return
		}
		_, muted := msg.(*signaling.Mute)
		iv.peer.SetMuted(muted)
	case *signaling.End:
		iv.finish(signaling.EndCandidate)
	case *signaling.Answer:
		iv.send(&signaling.ErrorMessage{Code: signaling.CodeBadState, Message: "no offer from the server is out"})
	}
}

// offer starts (or restarts) the media connection.
func (iv *interview) offer(sdp string) {
	iv.closePeer()
	iv.gen++
	gen := iv.gen
	start := iv.offset
	if !iv.zero.IsZero() {
		start = time.Since(iv.zero)
	}
	cand := iv.cand
	p, err := peer.New(peer.Config{
		Logger: iv.log, Endpoint: iv.m.cfg.Endpoint, VAD: iv.m.cfg.VAD, Start: start, AwaitWords: true,
		OnEvent: func(e peer.Event) { iv.post(peerEvent{gen, e}) },
		OnStart: func() { iv.post(peerStarted{gen}) },
		OnPacket: func(at time.Duration, payload []byte) {
			if err := cand.Write(at, payload); err != nil {
				iv.log.Debug("candidate recording", "error", err)
			}
		},
		OnCandidate: func(c *webrtc.ICECandidate) { iv.post(iceCandidate{gen, c}) },
		OnState:     func(s webrtc.PeerConnectionState) { iv.post(peerState{gen, s}) },
	})
	if err != nil {
		iv.log.Error("media connection", "error", err)
		iv.send(&signaling.ErrorMessage{Code: signaling.CodeInternal, Message: "internal error"})
		return
	}
	ctx, cancel := context.WithTimeout(iv.m.ctx, 10*time.Second)
	defer cancel()
	answer, err := p.HandleOffer(ctx, sdp)
	if err != nil {
		_ = p.Close()
		msg := "the offer was refused"
		switch {
		case errors.Is(err, peer.ErrNoAudio):
			msg = "the offer has no audio the candidate sends"
		case errors.Is(err, peer.ErrNoOpus):
			msg = "the offer's audio does not support Opus"
		}
		iv.log.Info("offer refused", "error", err)
		iv.send(&signaling.ErrorMessage{Code: signaling.CodeBadSDP, Message: msg, Field: "sdp"})
		return
	}
	iv.peer = p
	iv.send(&signaling.Answer{SDP: answer})
}

// started: the candidate's audio arrives. The first time, the interview goes
// live and the interviewer opens; after a reconnect, a prompt the drop cut
// off is said again.
func (iv *interview) started() {
	if iv.zero.IsZero() {
		iv.zero = time.Now()
		iv.setState(viva.StateLive)
		iv.sendState()
		iv.sendClock()
		iv.step(interviewer.Start{})
		return
	}
	iv.sendState()
	if iv.unsaid != nil && !iv.speaking {
		sy := *iv.unsaid
		iv.unsaid = nil
		iv.say(sy)
	}
}

// step feeds the interviewer an event and carries out its actions.
func (iv *interview) step(e interviewer.Event) {
	for _, a := range iv.ivr.Step(e) {
		switch a := a.(type) {
		case interviewer.Say:
			if a.Interrupt && iv.sayStop != nil {
				iv.sayStop()
			}
			iv.say(a)
		case interviewer.Notice:
			iv.send(&signaling.Notice{Code: a.Code, Message: a.Message})
		case interviewer.Finish:
			reason := signaling.EndCompleted
			if a.Reason == string(signaling.EndTimeUp) {
				reason = signaling.EndTimeUp
			}
			iv.finish(reason)
		}
	}
}

// peerEvent follows the endpointer's decisions.
func (iv *interview) peerEvent(gen int, e peer.Event) {
	iv.log.Debug("turn", "event", e.Kind.String(), "at", e.At, "reason", e.Reason)
	switch e.Kind {
	case endpoint.SpeechStarted:
		iv.inTurn = true
		if !iv.ending {
			iv.step(interviewer.TurnStarted{})
		}
		iv.cur = &turn{id: uuid.New(), startMS: e.At.Milliseconds(), p: iv.peer}
		if gen != iv.gen {
			iv.cur.p = nil
		}
	case endpoint.BargeIn:
		iv.m.met.bargeIns.Inc()
	case endpoint.Pause:
		iv.segment(e.Segment)
	case endpoint.Split:
		if e.Segment != nil && len(e.Segment.PCM) > 0 {
			iv.segment(e.Segment)
		}
	case endpoint.EndOfTurn:
		iv.inTurn = false
		iv.segment(e.Segment)
		t := iv.cur
		iv.cur = nil
		if t == nil || len(t.segments) == 0 {
			return
		}
		t.ended = true
		iv.lastEnd = t.endMS
		iv.turns = append(iv.turns, t)
		if !iv.speaking {
			iv.sendInterviewer(signaling.InterviewerThinking)
		}
		iv.flushTurns()
	}
}

// segment sends a stretch of the current turn to speech-to-text. Its words
// go to the endpointer (which waits for them at a pause) and, joined with
// the turn's earlier segments, to the client as a partial transcript.
func (iv *interview) segment(u *peer.Utterance) {
	t := iv.cur
	if t == nil {
		return
	}
	if u == nil || len(u.PCM) == 0 {
		if t.p != nil {
			t.p.SetWords(nil) // nothing to wait for
		}
		return
	}
	seg := &segment{startMS: u.StartMS, endMS: u.StartMS + int64(len(u.PCM))*1000/stt.SampleRate}
	t.segments = append(t.segments, seg)
	t.endMS = seg.endMS
	pcm := u.PCM
	iv.inflight++
	iv.wg.Add(1)
	go func() {
		defer iv.wg.Done()
		res, err := iv.m.cfg.STT.Transcribe(iv.ctx, stt.Audio{PCM: pcm, StartMS: seg.startMS})
		iv.post(transcribed{t: t, seg: seg, res: res, err: err})
	}()
}

// transcribed takes a segment's transcript.
func (iv *interview) transcribed(in transcribed) {
	iv.inflight--
	t, seg := in.t, in.seg
	seg.done, seg.res, seg.err = true, in.res, in.err
	if t == iv.cur && seg == t.segments[len(t.segments)-1] && t.p != nil {
		t.p.SetWords(strings.Fields(in.res.Text))
	}
	if t == iv.cur && t.transcribed() {
		if res, err := t.result(); err == nil && res.Text != "" {
			iv.send(&signaling.Transcript{
				UtteranceID: t.id, Speaker: viva.SpeakerCandidate, Text: res.Text,
				StartMS: t.startMS, EndMS: max(t.endMS, t.startMS),
			})
		}
	}
	iv.flushTurns()
}

// flushTurns stores ended turns whose segments are all transcribed, in
// order, and, when the candidate has finished answering, asks the
// interviewer what comes next.
func (iv *interview) flushTurns() {
	for len(iv.turns) > 0 && iv.turns[0].transcribed() {
		t := iv.turns[0]
		iv.turns = iv.turns[1:]
		res, err := t.result()
		if err != nil {
			iv.log.Warn("transcription failed", "error", err)
			if errors.Is(err, stt.ErrBusy) {
				iv.send(&signaling.Notice{Code: "stt_busy", Message: "The speech engine is overloaded; part of your answer was not transcribed."})
			}
			continue
		}
		if res.Notice != "" {
			iv.send(&signaling.Notice{Code: signaling.NoticeEngineFallback, Message: res.Notice})
		}
		if res.Text == "" {
			continue
		}
		u := &viva.Utterance{
			ID: t.id, SessionID: iv.s.ID, Speaker: viva.SpeakerCandidate, Text: res.Text,
			StartMS: t.startMS, EndMS: max(t.endMS, t.startMS), Words: res.Words, Engine: res.Engine,
		}
		if err := iv.write(func(ctx context.Context) error { return iv.m.cfg.Store.AddUtterance(ctx, u) }); err != nil {
			iv.log.Error("store utterance", "error", err)
		}
		iv.send(&signaling.Transcript{
			UtteranceID: u.ID, Speaker: u.Speaker, Final: true, Text: u.Text,
			StartMS: u.StartMS, EndMS: u.EndMS, Words: u.Words,
		})
		iv.answer = append(iv.answer, *u)
		iv.heard = append(iv.heard, u.Text)
	}
	iv.maybeReply()
}

// maybeReply gives the interviewer the candidate's answer once they have
// finished: no turn open or waiting for its transcript.
func (iv *interview) maybeReply() {
	if iv.ending || iv.inTurn || len(iv.turns) > 0 || iv.peer == nil {
		return
	}
	if len(iv.answer) == 0 {
		if !iv.speaking && iv.conn != nil {
			iv.sendInterviewer(signaling.InterviewerListening)
		}
		return
	}
	if iv.speaking { // the candidate answered over the prompt: wait for it to end
		return
	}
	a := interviewer.Answer{Utterances: iv.answer}
	iv.answer = nil
	iv.step(a)
	if !iv.speaking && !iv.ending {
		iv.sendInterviewer(signaling.InterviewerListening)
	}
}

// say speaks a prompt: its text goes to the client as its voice starts.
func (iv *interview) say(sy interviewer.Say) {
	iv.sayGen++
	p := sy.Prompt
	iv.prompt = p
	if p.Kind == interviewer.KindQuestion {
		iv.question, iv.heard = p.Text, nil
	}
	if iv.peer == nil { // no media: say it when the candidate is back
		iv.unsaid = &sy
		return
	}
	if iv.m.cfg.Phraser != nil && sy.Probe != nil && sy.Probe.Kind != interviewer.ProbeNudge {
		iv.phrase(sy)
		return
	}
	iv.speak(sy, false)
}

// phrase has the language model choose and phrase the probe, within its
// time bound; the deterministic probe is said if it does not answer.
func (iv *interview) phrase(sy interviewer.Say) {
	iv.speaking = true
	iv.sendInterviewer(signaling.InterviewerThinking)
	req := llm.Request{Question: iv.question, Answer: strings.Join(iv.heard, " ")}
	for _, c := range append([]interviewer.Alternative{{Prompt: sy.Prompt, Probe: *sy.Probe}}, sy.Alternatives...) {
		req.Candidates = append(req.Candidates, llm.Candidate{Kind: string(c.Probe.Kind), Reason: c.Probe.Reason, Text: c.Prompt.Text})
	}
	gen := iv.sayGen
	iv.inflight++
	iv.wg.Add(1)
	go func() {
		defer iv.wg.Done()
		c, err := iv.m.cfg.Phraser.Phrase(iv.ctx, req)
		iv.post(phrased{gen: gen, say: sy, choice: c, err: err})
	}()
}

// phrased: the language model answered, or gave up.
func (iv *interview) phrased(in phrased) {
	iv.inflight--
	if in.gen != iv.sayGen || iv.ending { // something else is being said now
		return
	}
	sy, chosen := in.say, false
	if in.err != nil {
		iv.m.met.phrased.WithLabelValues("fallback").Inc()
		iv.log.Debug("follow-up model did not answer; saying the rubric's probe", "error", in.err)
	} else {
		iv.m.met.phrased.WithLabelValues("llm").Inc()
		if in.choice.Index > 0 && in.choice.Index <= len(sy.Alternatives) {
			alt := sy.Alternatives[in.choice.Index-1]
			sy.Probe, chosen = &alt.Probe, true
		}
		sy.Prompt.Text = in.choice.Text
	}
	iv.speak(sy, chosen)
}

// speak says a prompt now; chosen says its probe is an alternative the
// language model chose.
func (iv *interview) speak(sy interviewer.Say, chosen bool) {
	p := sy.Prompt
	iv.prompt = p
	iv.speaking = true
	iv.sendInterviewer(signaling.InterviewerSpeaking)
	iv.send(promptMsg(p))
	ctx, cancel := context.WithCancel(iv.ctx)
	iv.sayStop = cancel
	pr, voice := iv.peer, iv.voice
	iv.inflight++
	iv.wg.Add(1)
	go func() {
		defer iv.wg.Done()
		defer cancel()
		sp, err := iv.m.cfg.TTS.Synthesize(ctx, p.Text)
		if err != nil {
			iv.post(said{say: sy, chosen: chosen, err: fmt.Errorf("synthesise: %w", err)})
			return
		}
		spoken, err := pr.Say(ctx, sp.To48k().PCM, func(at time.Duration, pkt []byte) {
			if err := voice.Write(at, pkt); err != nil {
				iv.log.Debug("interviewer recording", "error", err)
			}
		})
		iv.post(said{say: sy, chosen: chosen, spoken: spoken, err: err, notice: sp.Notice})
	}()
}

// probe stores why a probe was asked, once it has been said.
func (iv *interview) probe(sy interviewer.Say, at time.Duration) {
	pr := sy.Probe
	iv.log.Info("probe", "question", pr.Question, "target", pr.Target, "kind", string(pr.Kind), "reason", pr.Reason)
	p := &viva.Probe{
		ID: uuid.New(), SessionID: iv.s.ID, Question: pr.Question, Target: pr.Target, Kind: string(pr.Kind),
		Reason: pr.Reason, Text: sy.Prompt.Text, AskedMS: at.Milliseconds(),
	}
	if err := iv.write(func(ctx context.Context) error { return iv.m.cfg.Store.AddProbe(ctx, p) }); err != nil {
		iv.log.Error("store probe", "error", err)
	}
}

func promptMsg(p interviewer.Prompt) *signaling.Prompt {
	return &signaling.Prompt{ID: p.ID, Kind: signaling.PromptKind(p.Kind), Text: p.Text}
}

// said: a prompt has been said, or cut short.
func (iv *interview) said(in said) {
	iv.inflight--
	iv.speaking = false
	iv.sayStop = nil
	if in.notice != "" {
		iv.send(&signaling.Notice{Code: signaling.NoticeEngineFallback, Message: in.notice})
	}
	if in.err != nil && !errors.Is(in.err, context.Canceled) && !errors.Is(in.err, peer.ErrClosed) {
		iv.log.Error("interviewer voice", "error", in.err)
	}
	p := in.say.Prompt
	sp := in.spoken
	if sp.Sent > 0 {
		if iv.lastEnd >= 0 {
			iv.m.met.turnLatency.Observe((sp.Start - time.Duration(iv.lastEnd)*time.Millisecond).Seconds())
		}
		u := &viva.Utterance{
			ID: uuid.New(), SessionID: iv.s.ID, Speaker: viva.SpeakerInterviewer, Text: p.Text,
			StartMS: sp.Start.Milliseconds(), EndMS: (sp.Start + sp.Sent).Milliseconds(), Engine: "prompt:" + p.ID,
		}
		if err := iv.write(func(ctx context.Context) error { return iv.m.cfg.Store.AddUtterance(ctx, u) }); err != nil {
			iv.log.Error("store prompt", "error", err)
		}
		if in.say.Probe != nil {
			iv.probe(in.say, sp.Start)
		}
	}
	if iv.ending {
		return
	}
	if sp.Interrupted && iv.peer == nil && !in.say.Last { // the connection dropped mid-prompt
		sy := in.say
		iv.unsaid = &sy
		return
	}
	if in.err != nil && sp.Sent == 0 && in.say.Last {
		iv.finish(signaling.EndCompleted) // the voice failed on the closing words: end anyway
		return
	}
	ev := interviewer.Said{ID: p.ID, Interrupted: sp.Interrupted}
	if in.chosen {
		ev.Probe = in.say.Probe
	}
	iv.step(ev)
	if iv.ending || iv.speaking {
		return
	}
	if iv.inTurn {
		iv.sendInterviewer(signaling.InterviewerListening)
		return
	}
	iv.maybeReply()
}

// tick runs the clock and tells the interviewer the time.
func (iv *interview) tick() {
	if iv.zero.IsZero() || iv.ending {
		return
	}
	iv.sendClock()
	elapsed := time.Since(iv.zero)
	if elapsed >= iv.budget()+iv.m.cfg.Overrun {
		iv.finish(signaling.EndTimeUp) // the interviewer did not close in time
		return
	}
	iv.step(interviewer.Tick{Elapsed: elapsed})
}

func (iv *interview) budget() time.Duration { return time.Duration(iv.s.Minutes) * time.Minute }

// finish ends the interview: the media stops, the last transcripts are
// stored, the recordings closed, the session marked ended (or interrupted
// when the server is stopping, reason "") and queued for scoring.
func (iv *interview) finish(reason signaling.EndReason) {
	if iv.ending {
		return
	}
	iv.ending = true
	iv.reason = reason
	iv.m.forget(iv)
	if iv.timer != nil {
		iv.timer.Stop()
	}
	if iv.sayStop != nil {
		iv.sayStop()
	}
	iv.closePeer() // ends an open turn: its audio is posted as an end of turn
	iv.drain()
	for _, r := range []struct {
		rec *record.Recorder
		dir viva.Speaker
	}{{iv.cand, viva.SpeakerCandidate}, {iv.voice, viva.SpeakerInterviewer}} {
		if err := r.rec.Close(); err != nil {
			iv.log.Error("close recording", "direction", r.dir, "error", err)
		}
		rec := &viva.Recording{SessionID: iv.s.ID, Direction: r.dir, Path: iv.m.recordingPath(iv.s.ID, r.dir),
			Codec: "opus/ogg", DurationMS: r.rec.Duration().Milliseconds()}
		if err := iv.write(func(ctx context.Context) error { return iv.m.cfg.Store.PutRecording(ctx, rec) }); err != nil {
			iv.log.Error("store recording", "error", err)
		}
	}
	next := viva.StateEnded
	if reason == "" {
		next = viva.StateInterrupted
	}
	if iv.zero.IsZero() && reason != "" {
		// Never went live: nothing was said, so nothing to score.
		iv.setState(viva.StateEnded)
	} else {
		iv.setState(next)
	}
	if iv.conn != nil && reason != "" {
		_ = iv.conn.End(reason)
	}
	iv.log.Info("interview over", "reason", string(reason), "state", iv.state)
	if iv.m.cfg.Scorer != nil && !iv.zero.IsZero() {
		if err := iv.write(func(ctx context.Context) error { return iv.m.cfg.Scorer.EnqueueScore(ctx, iv.s.ID) }); err != nil {
			iv.log.Error("queue scoring", "error", err)
		}
	}
}

// drain waits for the work in flight (the last transcripts, the prompt
// being said) and handles what it posts, for at most Config.Drain; then it
// cancels what is left and waits for that to return.
func (iv *interview) drain() {
	deadline := time.NewTimer(iv.m.cfg.Drain)
	defer deadline.Stop()
	for {
		// First what is already posted (the end of the turn the closing
		// peer reported starts more work), then wait for the work.
		select {
		case in := <-iv.inbox:
			iv.drained(in)
			continue
		default:
		}
		if iv.inflight == 0 {
			return
		}
		select {
		case in := <-iv.inbox:
			iv.drained(in)
		case <-deadline.C:
			iv.log.Warn("engines still running at the end; their results are lost", "waited", iv.m.cfg.Drain)
			iv.cancel()
		}
	}
}

// drained handles an input that arrives while the interview ends: turns
// and transcripts still count; nothing new starts.
func (iv *interview) drained(in any) {
	switch in := in.(type) {
	case peerEvent:
		switch in.ev.Kind {
		case endpoint.SpeechStarted, endpoint.Pause, endpoint.Split, endpoint.EndOfTurn:
			iv.peerEvent(in.gen, in.ev)
		}
	case transcribed:
		iv.transcribed(in)
	case said:
		iv.said(in)
	case phrased:
		iv.phrased(in)
	case attach:
		reason := iv.reason
		if reason == "" { // the server is stopping
			reason = signaling.EndError
		}
		_ = in.conn.End(reason)
	}
}

// closePeer closes the media connection, if any. An open turn is ended by
// the peer and arrives as an end of turn.
func (iv *interview) closePeer() {
	if iv.peer == nil {
		return
	}
	if iv.zero.IsZero() {
		iv.offset = 0
	} else {
		iv.offset = time.Since(iv.zero)
	}
	_ = iv.peer.Close()
	iv.peer = nil
	if iv.cur != nil {
		iv.cur.p = nil
	}
}

// setState moves the session to a new state in the store.
func (iv *interview) setState(next viva.SessionState) {
	if iv.state == next || !iv.state.CanBecome(next) {
		return
	}
	err := iv.write(func(ctx context.Context) error {
		s, err := iv.m.cfg.Store.SetSessionState(ctx, iv.s.ID, next, time.Now())
		if err == nil {
			iv.s = s
		}
		return err
	})
	if err != nil {
		iv.log.Error("session state", "to", next, "error", err)
		return
	}
	iv.state = next
}

// write runs a store write, retrying for a while when the store is
// unreachable (a PostgreSQL restart), so that nothing is lost to a blip.
func (iv *interview) write(f func(ctx context.Context) error) error {
	backoff := 100 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(iv.m.ctx, 10*time.Second)
		err := f(ctx)
		cancel()
		var ve *viva.ValidationError
		if err == nil || errors.Is(err, viva.ErrNotFound) || errors.Is(err, viva.ErrConflict) ||
			errors.As(err, &ve) || iv.m.ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		iv.log.Warn("store write failed; retrying", "error", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-iv.m.ctx.Done():
			return err
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (iv *interview) send(msg signaling.Message) {
	if iv.conn != nil {
		_ = iv.conn.Send(msg)
	}
}

func (iv *interview) sendInterviewer(s signaling.InterviewerState) {
	iv.send(&signaling.State{Interviewer: s, Interview: iv.state})
}

func (iv *interview) sendState() {
	s := signaling.InterviewerListening
	switch {
	case iv.speaking:
		s = signaling.InterviewerSpeaking
	case len(iv.turns) > 0:
		s = signaling.InterviewerThinking
	}
	iv.sendInterviewer(s)
}

func (iv *interview) sendClock() {
	if iv.zero.IsZero() {
		return
	}
	elapsed := time.Since(iv.zero)
	iv.send(&signaling.Clock{
		ElapsedMS: elapsed.Milliseconds(), BudgetMS: iv.budget().Milliseconds(),
		RemainingMS: max(iv.budget()-elapsed, 0).Milliseconds(),
	})
}

func candidateMsg(c *webrtc.ICECandidate) *signaling.Candidate {
	if c == nil {
		return &signaling.Candidate{}
	}
	init := c.ToJSON()
	return &signaling.Candidate{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment}
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

// handler passes a socket's messages to its interview.
type handler struct {
	iv   *interview
	conn *signaling.Conn
}

func (h handler) HandleMessage(_ context.Context, msg signaling.Message) error {
	h.iv.post(clientMsg{conn: h.conn, msg: msg})
	return nil
}
