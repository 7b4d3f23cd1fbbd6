package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/vad"
)

// Errors HandleOffer returns for offers Viva cannot answer; callers branch on
// them with errors.Is.
var (
	// ErrNoAudio: the offer has no audio section the candidate sends on.
	ErrNoAudio = errors.New("offer has no audio")
	// ErrNoOpus: the offer's audio does not include Opus.
	ErrNoOpus = errors.New("offer audio has no opus")
	// ErrClosed: the Peer was closed.
	ErrClosed = errors.New("peer closed")
)

// Config configures a Peer. The zero value is usable.
type Config struct {
	// Logger receives the connection's diagnostics; nil discards them.
	Logger *slog.Logger
	// Endpoint tunes end-of-turn decisions; zero values are its defaults.
	Endpoint endpoint.Config
	// VAD tunes the voice activity detector; zero values are its defaults.
	VAD vad.Config
	// Start is the interview's time base at this connection's first audio:
	// zero for the first connection, the time reached so far after a
	// reconnect.
	Start time.Duration
	// AwaitWords says the caller transcribes each Pause's segment and
	// hands its words to SetWords: the endpointer then waits for them
	// (up to Endpoint.MaxThinking) before it ends a turn, so that a pause
	// after "because" is not taken for the end.
	AwaitWords bool

	// OnEvent receives every decision, in order, from the goroutine reading
	// the candidate's track. It must not block for long: the track is not
	// read meanwhile. Nil discards them.
	OnEvent func(Event)
	// OnStart is called once, when the candidate's first packet arrives.
	OnStart func()
	// OnPacket receives each of the candidate's Opus packets as received,
	// in sequence order, with the time its audio starts on the time base
	// (lost packets leave gaps): what the candidate's recording is made of.
	// It runs on the track's reader, like OnEvent.
	OnPacket func(at time.Duration, payload []byte)
	// OnCandidate receives the server's ICE candidates as they are
	// gathered, then nil when gathering is complete (trickle ICE). When it
	// is nil, HandleOffer waits for gathering and the answer carries every
	// candidate.
	OnCandidate func(*webrtc.ICECandidate)
	// OnState receives the connection's state changes.
	OnState func(webrtc.PeerConnectionState)
}

// Peer is the server's end of one interview's WebRTC connection. It
// receives the candidate's audio (one Opus track) and reports turns, and it
// speaks the interviewer's voice (Say).
type Peer struct {
	log    *slog.Logger
	cfg    Config
	pc     *webrtc.PeerConnection
	st     *stream
	voice  *voice
	closed chan struct{}

	mu      sync.Mutex
	track   bool // a track reader was started
	remote  bool // the offer was applied
	pending []webrtc.ICECandidateInit
	wg      sync.WaitGroup

	started atomic.Int64 // wall time (unix ns) of the first packet; 0 before

	closeOnce sync.Once
	closeErr  error
}

// New returns a Peer ready for the candidate's offer, or an error if cfg is
// invalid.
func New(cfg Config) (*Peer, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: opusCodec, PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("peer connection: %w", err)
	}
	p := &Peer{log: log, cfg: cfg, pc: pc, closed: make(chan struct{})}
	onEvent := cfg.OnEvent
	p.st, err = newStream(streamConfig{
		log: log, vad: cfg.VAD, endpoint: cfg.Endpoint, start: cfg.Start, await: cfg.AwaitWords,
		onPacket: cfg.OnPacket,
		emit: func(e Event) {
			if e.Kind == endpoint.BargeIn {
				p.Hush()
			}
			if onEvent != nil {
				onEvent(e)
			}
		},
	})
	if err == nil {
		p.voice, err = newVoice(p)
	}
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		log.Debug("peer connection state", "state", s.String())
		if cfg.OnState != nil {
			cfg.OnState(s)
		}
	})
	if cfg.OnCandidate != nil {
		pc.OnICECandidate(cfg.OnCandidate)
	}
	return p, nil
}

// opusCodec is the one codec Viva speaks, both ways.
var opusCodec = webrtc.RTPCodecCapability{
	MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
	SDPFmtpLine: "minptime=10;useinbandfec=1",
}

// HandleOffer answers the candidate's SDP offer. Without Config.OnCandidate
// it waits for ICE gathering to complete, so the answer carries all of the
// server's candidates; ctx bounds that wait. An offer without audio, or
// whose audio has no Opus, gives an error wrapping ErrNoAudio or ErrNoOpus.
func (p *Peer) HandleOffer(ctx context.Context, sdp string) (string, error) {
	if p.isClosed() {
		return "", ErrClosed
	}
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}
	if err := checkOffer(offer); err != nil {
		return "", err
	}
	if err := p.pc.SetRemoteDescription(offer); err != nil {
		return "", fmt.Errorf("set offer: %w", err)
	}
	p.mu.Lock()
	p.remote = true
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, c := range pending {
		if err := p.pc.AddICECandidate(c); err != nil {
			p.log.Debug("early ICE candidate refused", "error", err)
		}
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("create answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("set answer: %w", err)
	}
	if p.cfg.OnCandidate != nil {
		return answer.SDP, nil
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("gather ice candidates: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

// AddCandidate adds one of the candidate's trickled ICE candidates. Those
// that arrive before the offer are kept until it is applied. An empty
// Candidate (end of candidates) is accepted and ignored.
func (p *Peer) AddCandidate(c webrtc.ICECandidateInit) error {
	if p.isClosed() {
		return ErrClosed
	}
	if c.Candidate == "" {
		return nil
	}
	p.mu.Lock()
	if !p.remote {
		p.pending = append(p.pending, c)
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("add ICE candidate: %w", err)
	}
	return nil
}

// checkOffer parses an offer and checks that it sends audio Viva can decode.
func checkOffer(offer webrtc.SessionDescription) error {
	parsed, err := offer.Unmarshal()
	if err != nil {
		return fmt.Errorf("parse offer: %w", err)
	}
	audio := false
	for _, md := range parsed.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if _, ok := md.Attribute("recvonly"); ok {
			continue
		}
		if _, ok := md.Attribute("inactive"); ok {
			continue
		}
		audio = true
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			if _, codec, ok := strings.Cut(a.Value, " "); ok && strings.HasPrefix(strings.ToLower(codec), "opus/48000") {
				return nil
			}
		}
	}
	if !audio {
		return ErrNoAudio
	}
	return ErrNoOpus
}

// SetWords gives the endpointer the words of the current turn so far (a
// partial transcript), so that a pause after an unfinished sentence does not
// end the turn. Safe to call from any goroutine.
func (p *Peer) SetWords(words []string) { p.st.setWords(words) }

// SetMuted says whether the candidate muted their microphone: while muted,
// silence does not count towards an end of turn. Safe to call from any
// goroutine.
func (p *Peer) SetMuted(muted bool) { p.st.setMute(muted) }

// Now is the interview's time base now: Config.Start plus the time since
// the candidate's first packet (Config.Start before it).
func (p *Peer) Now() time.Duration {
	t := p.started.Load()
	if t == 0 {
		return p.cfg.Start
	}
	return p.cfg.Start + time.Since(time.Unix(0, t))
}

// onTrack starts the reader of the candidate's first audio track.
func (p *Peer) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isClosed() || p.track || t.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	p.track = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.read(t)
	}()
}

// read feeds the track's packets to the media path until the track ends.
func (p *Peer) read(t *webrtc.TrackRemote) {
	log := p.log.With("ssrc", uint32(t.SSRC()))
	log.Debug("candidate track started", "codec", t.Codec().MimeType)
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			log.Debug("candidate track ended", "reason", err)
			return
		}
		if p.started.Load() == 0 {
			p.started.Store(time.Now().UnixNano())
			if p.cfg.OnStart != nil {
				p.cfg.OnStart()
			}
		}
		p.st.packet(pkt.SequenceNumber, pkt.Timestamp, pkt.Payload)
	}
}

func (p *Peer) isClosed() bool {
	select {
	case <-p.closed:
		return true
	default:
		return false
	}
}

// Close closes the connection, stops the interviewer's voice and waits for
// the track reader to return. A turn still open is ended: its EndOfTurn
// event, with the audio heard so far, is the last event. It is safe to call more than once; later calls
// return the first's result.
func (p *Peer) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		close(p.closed)
		p.mu.Unlock()
		p.closeErr = p.pc.Close()
		p.wg.Wait()
		p.st.flush()
	})
	return p.closeErr
}
