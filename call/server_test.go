package call

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/opus"
	"github.com/viva-interview/viva/signaling"
)

// script is what the fake server's interviewer does.
type script struct {
	answers     int           // end ("completed") after this many candidate turns; 0 never
	promptAudio time.Duration // the interviewer's voice per prompt (default 300 ms)
	quiet       time.Duration // the candidate silence that ends a turn (default 300 ms)
	silent      bool          // never prompt: wait for the client to leave
	waitEnd     bool          // after the turns, wait for the client's end
	endAfter    int           // end once this many candidate packets arrived, turns aside
	badTicket   bool          // hand out tickets the socket refuses
	offer       bool          // also send an offer, which the client must ignore
	refuseOffer bool          // answer the offer with an error bad_sdp
	endError    bool          // end with reason error after the first prompt
	drop        bool          // close the socket (1001) after the first prompt
}

// fakeServer stands in for the Viva server: the session and ticket routes
// of the HTTP API, the real signaling package on the socket, and a pion
// peer as the interviewer, which answers the offer with trickle ICE, checks
// the candidate's audio and speaks Opus replies.
type fakeServer struct {
	t       *testing.T
	sc      script
	url     string
	srv     *httptest.Server
	tickets *signaling.Tickets
	up      *signaling.Upgrader
	wg      sync.WaitGroup
	calls   chan *fakeCall // finished calls
	created atomic.Int32
	request chan map[string]any // bodies of POST /api/v1/sessions
	closed  sync.Once
}

func newFakeServer(t *testing.T, sc script) *fakeServer {
	t.Helper()
	if sc.promptAudio == 0 {
		sc.promptAudio = 300 * time.Millisecond
	}
	if sc.quiet == 0 {
		sc.quiet = 300 * time.Millisecond
	}
	tickets, err := signaling.NewTickets(signaling.TicketConfig{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := signaling.NewUpgrader(signaling.Config{Tickets: tickets})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, sc: sc, tickets: tickets, up: up, calls: make(chan *fakeCall, 4), request: make(chan map[string]any, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/sessions", s.createSession)
	mux.HandleFunc("POST /api/v1/sessions/{id}/ticket", s.ticket)
	mux.HandleFunc("GET /api/v1/sessions/{id}/ws", s.socket)
	s.srv = httptest.NewServer(mux)
	s.url = s.srv.URL
	t.Cleanup(s.close)
	return s
}

// close stops accepting, closes the live sockets and waits for every call
// to finish.
func (s *fakeServer) close() {
	s.closed.Do(func() {
		s.srv.Close()
		_ = s.up.Close()
		s.wg.Wait()
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *fakeServer) createSession(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, map[string]string{"error": err.Error(), "code": "invalid"})
		return
	}
	select {
	case s.request <- req:
	default:
	}
	track, _ := req["track"].(string)
	mode, _ := req["mode"].(string)
	if !slices.Contains(viva.Tracks, viva.Track(track)) || !slices.Contains(viva.Modes, viva.Mode(mode)) {
		writeJSON(w, 400, map[string]string{"error": "bad track or mode", "code": "invalid"})
		return
	}
	s.created.Add(1)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": uuid.New(), "owner": viva.LocalAccount, "track": track, "mode": mode, "questions": []string{},
		"minutes": req["minutes"], "state": "created", "created_at": time.Now(), "updated_at": time.Now(),
	})
}

func (s *fakeServer) ticket(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeJSON(w, 404, map[string]string{"error": "no such session", "code": "not_found"})
		return
	}
	text, expires := s.tickets.Issue(id, viva.LocalAccount)
	if s.sc.badTicket {
		text = strings.Repeat("A", len(text))
	}
	writeJSON(w, 200, map[string]any{"ticket": text, "expires_at": expires,
		"url": "/api/v1/sessions/" + id.String() + "/ws?ticket=" + text})
}

func (s *fakeServer) socket(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	conn, err := s.up.Upgrade(w, r)
	if err != nil {
		return // refused, with an HTTP error
	}
	c, err := newFakeCall(s, conn)
	if err != nil {
		s.t.Errorf("fake server: %v", err)
		_ = conn.Close()
		<-conn.Done()
		return
	}
	c.serveErr = conn.Serve(context.Background(), c)
	c.close()
	c.finished = time.Now()
	select {
	case s.calls <- c:
	default:
	}
}

// call waits for the next call to finish.
func (s *fakeServer) call(t *testing.T) *fakeCall {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the fake server's call did not finish")
		return nil
	}
}

// fakeCall is the server's side of one call.
type fakeCall struct {
	s     *fakeServer
	conn  *signaling.Conn
	pc    *webrtc.PeerConnection
	voice *webrtc.TrackLocalStaticSample
	dec   *opus.LibopusDecoder // the track reader's

	up      chan struct{} // closed when the peer connects
	upOnce  sync.Once
	turnEnd chan struct{} // one per candidate turn
	enough  chan struct{} // closed when endAfter packets arrived
	quit    chan struct{} // closed to stop the interviewer
	wg      sync.WaitGroup

	serveErr error
	finished time.Time

	mu        sync.Mutex
	packets   int
	firstSeq  int // extended sequence numbers
	maxSeq    int
	reordered int
	loud      int            // loud 20 ms frames decoded
	quiet     time.Duration  // silence since the last loud frame in a turn
	inTurn    bool           // loud audio arrived since the last end of turn
	spans     [][2]time.Time // first and last loud arrival of each turn
	speaking  bool           // the interviewer's voice is playing
	barged    bool           // loud candidate audio arrived while it played
	gotEnd    bool           // the client sent end
	decodeErr error
}

func newFakeCall(s *fakeServer, conn *signaling.Conn) (*fakeCall, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	voice, err := webrtc.NewTrackLocalStaticSample(opusCodec.RTPCodecCapability, "audio", "interviewer")
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{})
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	c := &fakeCall{
		s: s, conn: conn, pc: pc, voice: voice, dec: dec,
		up: make(chan struct{}), turnEnd: make(chan struct{}, 16), enough: make(chan struct{}), quit: make(chan struct{}),
	}
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		msg := &signaling.Candidate{}
		if ic != nil {
			init := ic.ToJSON()
			msg = &signaling.Candidate{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment}
		}
		_ = conn.Send(msg) // never blocks
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			c.upOnce.Do(func() { close(c.up) })
		}
	})
	var once sync.Once
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			select {
			case <-c.quit:
				return
			default:
			}
			c.wg.Add(1)
			go c.listen(t)
		})
	})
	c.wg.Add(1)
	go c.interview()
	return c, nil
}

func (c *fakeCall) close() {
	c.mu.Lock()
	close(c.quit)
	c.mu.Unlock()
	_ = c.pc.Close()
	c.wg.Wait()
}

// HandleMessage is the signaling handler: it answers the offer, adds
// candidates and ends on request.
func (c *fakeCall) HandleMessage(_ context.Context, msg signaling.Message) error {
	switch m := msg.(type) {
	case *signaling.Offer:
		if c.s.sc.refuseOffer {
			return &signaling.ProtocolError{Code: signaling.CodeBadSDP, Message: "the offer has no audio Viva can decode"}
		}
		if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
			return &signaling.ProtocolError{Code: signaling.CodeBadSDP, Message: err.Error()}
		}
		if _, err := c.pc.AddTrack(c.voice); err != nil {
			return err
		}
		answer, err := c.pc.CreateAnswer(nil)
		if err != nil {
			return err
		}
		if err := c.pc.SetLocalDescription(answer); err != nil {
			return err
		}
		return c.conn.Send(&signaling.Answer{SDP: answer.SDP})
	case *signaling.Candidate:
		return c.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid,
			SDPMLineIndex: m.SDPMLineIndex, UsernameFragment: m.UsernameFragment})
	case *signaling.End:
		c.mu.Lock()
		c.gotEnd = true
		c.mu.Unlock()
		return c.conn.End(signaling.EndCandidate)
	}
	return nil
}

// listen reads the candidate's track: counts packets, notes reordering,
// decodes the audio and finds the ends of turns by its energy.
func (c *fakeCall) listen(t *webrtc.TrackRemote) {
	defer c.wg.Done()
	pcm := make([]int16, opus.MaxPacketSamples)
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		n, err := c.dec.Decode(p.Payload, pcm)
		c.mu.Lock()
		if err != nil && c.decodeErr == nil {
			c.decodeErr = err
		}
		if c.packets == 0 {
			c.firstSeq, c.maxSeq = int(p.SequenceNumber), int(p.SequenceNumber)
		} else {
			ext := c.maxSeq + int(int16(p.SequenceNumber-uint16(c.maxSeq)))
			if ext > c.maxSeq {
				c.maxSeq = ext
			} else {
				c.reordered++
			}
		}
		c.packets++
		if c.s.sc.endAfter > 0 && c.packets == c.s.sc.endAfter {
			close(c.enough)
		}
		peak := 0
		for _, v := range pcm[:n] {
			peak = max(peak, abs(int(v)))
		}
		if peak > 1000 {
			c.loud++
			if !c.inTurn {
				c.spans = append(c.spans, [2]time.Time{now, now})
			}
			c.inTurn, c.quiet = true, 0
			c.spans[len(c.spans)-1][1] = now
			if c.speaking {
				c.barged = true
			}
		} else if c.inTurn {
			c.quiet += time.Duration(n) * time.Second / opus.Rate
			if c.quiet >= c.s.sc.quiet {
				c.inTurn = false
				select {
				case c.turnEnd <- struct{}{}:
				default:
				}
			}
		}
		c.mu.Unlock()
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// send queues a server message.
func (c *fakeCall) send(msg signaling.Message) { _ = c.conn.Send(msg) }

func (c *fakeCall) state(s signaling.InterviewerState) {
	c.send(&signaling.State{Interviewer: s, Interview: viva.StateLive})
}

// interview plays the interviewer.
func (c *fakeCall) interview() {
	defer c.wg.Done()
	sc := c.s.sc
	select {
	case <-c.up:
	case <-c.quit:
		return
	}
	if sc.silent {
		<-c.quit
		return
	}
	if sc.offer {
		c.send(&signaling.Offer{SDP: "v=0\r\n"})
	}
	c.state(signaling.InterviewerSpeaking)
	c.send(&signaling.Clock{ElapsedMS: 0, RemainingMS: 1_200_000, BudgetMS: 1_200_000})
	c.send(&signaling.Prompt{ID: "rag.design.1", Kind: signaling.PromptQuestion, Text: "Design a retrieval system."})
	if !c.speak(sc.promptAudio) {
		return
	}
	c.state(signaling.InterviewerListening)
	switch {
	case sc.endError:
		_ = c.conn.End(signaling.EndError)
		return
	case sc.drop:
		_ = c.conn.Close()
		return
	}
	if sc.endAfter > 0 {
		select {
		case <-c.enough:
			_ = c.conn.End(signaling.EndCompleted)
		case <-c.quit:
		}
		return
	}
	for turn := 1; ; turn++ {
		select {
		case <-c.turnEnd:
		case <-c.quit:
			return
		}
		c.state(signaling.InterviewerThinking)
		c.send(&signaling.Transcript{UtteranceID: uuid.New(), Speaker: viva.SpeakerCandidate, Final: true,
			Text: "an answer", StartMS: 0, EndMS: 1000})
		last := sc.answers > 0 && turn >= sc.answers
		if last && sc.waitEnd {
			<-c.quit
			return
		}
		kind, id := signaling.PromptProbe, fmt.Sprintf("probe-%d", turn)
		if last {
			kind, id = signaling.PromptWrapup, "wrapup"
		}
		c.send(&signaling.Prompt{ID: id, Kind: kind, Text: "Tell me more."})
		c.state(signaling.InterviewerSpeaking)
		if !c.speak(sc.promptAudio) {
			return
		}
		if last {
			_ = c.conn.End(signaling.EndCompleted)
			return
		}
		c.state(signaling.InterviewerListening)
	}
}

// speak sends d of the interviewer's voice, an Opus packet every 20 ms. It
// returns false if the call ended meanwhile.
func (c *fakeCall) speak(d time.Duration) bool {
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		c.s.t.Errorf("fake server: %v", err)
		return false
	}
	c.mu.Lock()
	c.speaking = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.speaking = false
		c.mu.Unlock()
	}()
	pcm := tone(d, 220, 0.3)
	buf := make([]byte, opus.MaxPacketBytes)
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	for i := 0; i+opus.FrameSamples <= len(pcm); i += opus.FrameSamples {
		n, err := enc.Encode(pcm[i:i+opus.FrameSamples], buf)
		if err != nil {
			c.s.t.Errorf("fake server: %v", err)
			return false
		}
		_ = c.voice.WriteSample(pmedia.Sample{Data: buf[:n], Duration: FrameDuration})
		select {
		case <-tick.C:
		case <-c.quit:
			return false
		}
	}
	return true
}

// stats is what the server saw of the candidate's audio.
type stats struct {
	packets, expected, reordered, loud int
	spans                              [][2]time.Time
	barged, gotEnd                     bool
	decodeErr                          error
}

func (c *fakeCall) stats() stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return stats{
		packets: c.packets, expected: c.maxSeq - c.firstSeq + 1, reordered: c.reordered, loud: c.loud,
		spans: slices.Clone(c.spans), barged: c.barged, gotEnd: c.gotEnd, decodeErr: c.decodeErr,
	}
}
