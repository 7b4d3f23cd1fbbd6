package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

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
	// ErrClosed: the Receiver was closed.
	ErrClosed = errors.New("receiver closed")
)

// Config configures a Receiver. The zero value is usable.
type Config struct {
	// Logger receives the connection's diagnostics; nil discards them.
	Logger *slog.Logger
	// Endpoint tunes end-of-turn decisions; zero values are its defaults.
	Endpoint endpoint.Config
	// VAD tunes the voice activity detector; zero values are its defaults.
	VAD vad.Config
	// OnEvent receives every decision, in order, from the goroutine reading
	// the candidate's track. It must not block for long: the track is not
	// read meanwhile. Nil discards them.
	OnEvent func(Event)
}

// Receiver is the server's end of one interview's WebRTC connection. It
// receives the candidate's audio (one Opus track) and reports turns. It
// does not send audio yet.
type Receiver struct {
	log *slog.Logger
	pc  *webrtc.PeerConnection
	st  *stream

	mu     sync.Mutex
	closed bool
	track  bool // a track reader was started
	wg     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// NewReceiver returns a Receiver ready for the candidate's offer, or an error
// if cfg is invalid.
func NewReceiver(cfg Config) (*Receiver, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	emit := cfg.OnEvent
	if emit == nil {
		emit = func(Event) {}
	}
	st, err := newStream(log, cfg.VAD, cfg.Endpoint, emit)
	if err != nil {
		return nil, err
	}

	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
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
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("audio transceiver: %w", err)
	}
	r := &Receiver{log: log, pc: pc, st: st}
	pc.OnTrack(r.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		log.Debug("peer connection state", "state", s.String())
	})
	return r, nil
}

// HandleOffer answers the candidate's SDP offer. It waits for ICE gathering
// to complete, so the answer carries all of the server's candidates (no
// trickle yet); ctx bounds that wait. An offer without audio, or whose audio
// has no Opus, gives an error wrapping ErrNoAudio or ErrNoOpus.
func (r *Receiver) HandleOffer(ctx context.Context, sdp string) (string, error) {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return "", ErrClosed
	}
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}
	if err := checkOffer(offer); err != nil {
		return "", err
	}
	if err := r.pc.SetRemoteDescription(offer); err != nil {
		return "", fmt.Errorf("set offer: %w", err)
	}
	answer, err := r.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("create answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(r.pc)
	if err := r.pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("set answer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("gather ice candidates: %w", ctx.Err())
	}
	return r.pc.LocalDescription().SDP, nil
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

// onTrack starts the reader of the candidate's first audio track.
func (r *Receiver) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.track || t.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	r.track = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.read(t)
	}()
}

// read feeds the track's packets to the media path until the track ends.
func (r *Receiver) read(t *webrtc.TrackRemote) {
	log := r.log.With("ssrc", uint32(t.SSRC()))
	log.Debug("candidate track started", "codec", t.Codec().MimeType)
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			log.Debug("candidate track ended", "reason", err)
			return
		}
		r.st.packet(p.SequenceNumber, p.Payload)
	}
}

// Close closes the connection and waits for the track reader to return.
// It is safe to call more than once; later calls return the first's result.
func (r *Receiver) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.closeErr = r.pc.Close()
		r.wg.Wait()
	})
	return r.closeErr
}
