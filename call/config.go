package call

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/opus"
)

// Config configures one call. Zero values are the documented defaults; Run
// checks the rest and says what is wrong.
type Config struct {
	// Server is the Viva server's base URL, e.g. http://127.0.0.1:8080.
	// Required; http or https (the socket then uses ws or wss).
	Server string
	// HTTPClient makes the API requests (not the WebSocket). Nil: a private
	// client with a 30 s timeout, whose idle connections are closed when Run
	// returns.
	HTTPClient *http.Client

	// Session, when set, joins this existing session instead of creating
	// one; Track, Mode and Minutes are then ignored.
	Session uuid.UUID
	// Track of the session to create. Default "rag".
	Track viva.Track
	// Mode of the session to create. Default "system-design".
	Mode viva.Mode
	// Minutes is the session's time budget, 5 to 180. Zero leaves it to the
	// server (the mode's default length).
	Minutes int
	// Questions are the ids of the questions the session asks, in order
	// (see viva questions list). None: the server picks.
	Questions []string

	// Answers are spoken in order, one per interviewer prompt. None: the
	// candidate stays silent (its microphone open) until the interview ends.
	Answers []Answer
	// End sends an end message once the last answer has been transcribed
	// (a final candidate transcript, or a new prompt, after its speech; at
	// most EndWait after it), instead of waiting for the server to end the
	// interview.
	End bool

	// Impair degrades the audio we send. The zero value sends it untouched.
	Impair Impairment

	// OnEvent receives every server message as it arrives, in order, and
	// the client's own events (Type "call.…"), one call at a time. It must
	// not block for long: the socket is not read meanwhile. Nil discards
	// them.
	OnEvent func(Event)
	// Logger receives the call's diagnostics. Nil discards them.
	Logger *slog.Logger
}

// Answer is one spoken answer: 48 kHz mono 16-bit PCM, silence padding
// included. It holds a voice, so its LogValue shows only its name and
// length.
type Answer struct {
	// Name identifies the answer in events and logs, e.g. its file name.
	Name string
	// PCM is the audio at opus.Rate (48 kHz), mono. A last partial frame is
	// padded with silence.
	PCM []int16
	// Barge, when positive, starts this answer Barge after its prompt
	// message arrives (the server sends it as the interviewer's voice
	// starts), without waiting for the interviewer to listen: a barge-in.
	// Zero waits for the state listening.
	Barge time.Duration
}

// Duration is the answer's length.
func (a Answer) Duration() time.Duration {
	return time.Duration(len(a.PCM)) * time.Second / opus.Rate
}

// LogValue describes the answer without its audio.
func (a Answer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", a.Name), slog.Duration("duration", a.Duration()))
}

// LoadWAV reads a WAV file (any rate, channels and sample format
// media.ReadWAV accepts) into an Answer named after the file, resampled to
// 48 kHz.
func LoadWAV(path string) (Answer, error) {
	f, err := os.Open(path)
	if err != nil {
		return Answer{}, err
	}
	defer f.Close()
	clip, err := media.ReadWAV(f, 0)
	if err != nil {
		return Answer{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(clip.Samples) == 0 {
		return Answer{}, fmt.Errorf("%s: %w: no audio", path, media.ErrNotWAV)
	}
	pcm := media.ToInt16(media.Resample(clip.Samples, clip.Rate, opus.Rate))
	return Answer{Name: filepath.Base(path), PCM: pcm}, nil
}

// Impairment degrades the candidate's outgoing RTP, as a bad network would.
// It is applied after the packetizer numbers the packets, so the server
// sees gaps in the sequence numbers and packets out of order.
type Impairment struct {
	// Loss is the probability, 0 to 1 (exclusive), that a packet is dropped.
	Loss float64
	// Jitter delays each packet by a uniformly random 0 to Jitter, which
	// reorders packets when it exceeds the 20 ms between them.
	Jitter time.Duration
	// Seed seeds the random choices, for reproducible runs. Zero picks a
	// random seed.
	Seed int64
}

// Defaults for the fields of Config and the call's fixed timings.
const (
	DefaultTrack = viva.TrackRAG
	DefaultMode  = viva.ModeSystemDesign

	// EndWait bounds how long Config.End waits for the last answer to be
	// transcribed before it sends end anyway.
	EndWait = 30 * time.Second
	// ConnectTimeout bounds the time from the offer to a connected peer.
	ConnectTimeout = 30 * time.Second
	// ReplyGap is the pause in the interviewer's audio that separates one
	// reply from the last: the first packet after a gap this long starts a
	// new reply.
	ReplyGap = 200 * time.Millisecond
	// FrameDuration is the length of one Opus packet we send.
	FrameDuration = 20 * time.Millisecond
)

// ErrConfig is wrapped by every error Run returns for an invalid Config.
var ErrConfig = errors.New("invalid call config")

// withDefaults checks cfg and fills its defaults.
func (cfg Config) withDefaults() (Config, error) {
	bad := func(format string, a ...any) (Config, error) {
		return cfg, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, a...))
	}
	u, err := url.Parse(cfg.Server)
	switch {
	case cfg.Server == "":
		return bad("Server is required (e.g. http://127.0.0.1:8080)")
	case err != nil:
		return bad("Server %q: %v", cfg.Server, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return bad("Server %q is not an http:// or https:// URL", cfg.Server)
	}
	if cfg.Track == "" {
		cfg.Track = DefaultTrack
	}
	if cfg.Mode == "" {
		cfg.Mode = DefaultMode
	}
	if cfg.Session == uuid.Nil {
		if !slices.Contains(viva.Tracks, cfg.Track) {
			return bad("unknown track %q (one of %v)", cfg.Track, viva.Tracks)
		}
		if !slices.Contains(viva.Modes, cfg.Mode) {
			return bad("unknown mode %q (one of %v)", cfg.Mode, viva.Modes)
		}
		if cfg.Minutes != 0 && (cfg.Minutes < viva.MinMinutes || cfg.Minutes > viva.MaxMinutes) {
			return bad("Minutes %d is outside %d–%d", cfg.Minutes, viva.MinMinutes, viva.MaxMinutes)
		}
	}
	for i, a := range cfg.Answers {
		if len(a.PCM) == 0 {
			return bad("answer %d (%s) has no audio", i, a.Name)
		}
		if a.Barge < 0 {
			return bad("answer %d (%s): Barge must not be negative", i, a.Name)
		}
	}
	switch {
	case !(cfg.Impair.Loss >= 0 && cfg.Impair.Loss < 1):
		return bad("Impair.Loss %v is outside [0, 1)", cfg.Impair.Loss)
	case cfg.Impair.Jitter < 0:
		return bad("Impair.Jitter must not be negative")
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(Event) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}
