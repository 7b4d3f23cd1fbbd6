package call

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// peer is the candidate's WebRTC end: one sendrecv audio transceiver
// carrying our Opus track out and the interviewer's voice in.
type peer struct {
	log   *slog.Logger
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	imp   *impairer

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup // track and RTCP readers

	// remote candidates that arrived before the answer; touched only by the
	// socket's reader.
	early    []webrtc.ICECandidateInit
	answered bool
}

// opusCodec is the codec we offer: what browsers offer, and what the
// server registers.
var opusCodec = webrtc.RTPCodecParameters{
	RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	},
	PayloadType: 111,
}

// newPeer makes the peer connection. onPacket is called for every RTP
// packet of the interviewer's voice, from the track reader.
func newPeer(log *slog.Logger, impair Impairment, onPacket func()) (*peer, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}
	// Added last, so it sees the packets first: what it drops never reaches
	// the other interceptors, as if the network had lost it.
	imp := newImpairer(impair)
	ir.Add(imp)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir)).
		NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		_ = imp.Close()
		return nil, fmt.Errorf("peer connection: %w", err)
	}
	p := &peer{log: log, pc: pc, imp: imp}
	fail := func(err error) (*peer, error) {
		_ = p.close()
		return nil, err
	}
	p.track, err = webrtc.NewTrackLocalStaticSample(opusCodec.RTPCodecCapability, "audio", "candidate")
	if err != nil {
		return fail(fmt.Errorf("audio track: %w", err))
	}
	tr, err := pc.AddTransceiverFromTrack(p.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		return fail(fmt.Errorf("audio transceiver: %w", err))
	}
	// Read the sender's RTCP so the interceptors see the server's reports.
	sender := tr.Sender()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed || t.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			log.Debug("interviewer track started", "ssrc", uint32(t.SSRC()), "codec", t.Codec().MimeType)
			for {
				if _, _, err := t.ReadRTP(); err != nil {
					log.Debug("interviewer track ended", "reason", err)
					return
				}
				onPacket()
			}
		}()
	})
	return p, nil
}

// offer creates the offer and sets it as the local description, which
// starts gathering candidates.
func (p *peer) offer() (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(o); err != nil {
		return "", fmt.Errorf("set offer: %w", err)
	}
	return p.pc.LocalDescription().SDP, nil
}

// answer applies the server's answer and the candidates that came before
// it. Called from the socket's reader only.
func (p *peer) answer(sdp string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("set answer: %w", err)
	}
	p.answered = true
	for _, c := range p.early {
		p.addCandidate(c)
	}
	p.early = nil
	return nil
}

// candidate adds a server candidate, or keeps it until the answer is
// applied. Called from the socket's reader only.
func (p *peer) candidate(c webrtc.ICECandidateInit) {
	if !p.answered {
		p.early = append(p.early, c)
		return
	}
	p.addCandidate(c)
}

func (p *peer) addCandidate(c webrtc.ICECandidateInit) {
	if err := p.pc.AddICECandidate(c); err != nil {
		// One bad candidate does not sink the call: others may connect.
		p.log.Warn("ignored a server ICE candidate", "candidate", c.Candidate, "err", err)
	}
}

// close closes the peer connection (and with it the impairer) and waits
// for the readers. It is idempotent.
func (p *peer) close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	err := p.pc.Close()
	p.wg.Wait()
	_ = p.imp.Close()
	return err
}
