package main

import (
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/sphinx"
	"github.com/viva-interview/viva/media/stt/whisper"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/flite"
	ttsopenai "github.com/viva-interview/viva/media/tts/openai"
)

// sttFlags choose and configure the speech-to-text engine; every command
// that transcribes embeds them.
type sttFlags struct {
	STT            string        `name:"stt" enum:"embedded,openai" default:"embedded" env:"VIVA_STT" help:"Speech-to-text engine: embedded (PocketSphinx, nothing leaves this machine) or openai (any OpenAI-compatible /audio/transcriptions server; audio is sent there, with the embedded engine as fallback)."`
	OpenAIBaseURL  string        `name:"openai-base-url" env:"OPENAI_BASE_URL" default:"https://api.openai.com/v1" help:"OpenAI-compatible API root, e.g. a self-hosted Whisper server's http://host:8000/v1."`
	OpenAIAPIKey   string        `name:"openai-api-key" env:"OPENAI_API_KEY" help:"API key for the OpenAI-compatible server (none for most self-hosted ones)."`
	STTModel       string        `name:"stt-model" env:"VIVA_STT_MODEL" default:"whisper-1" help:"Transcription model name on the OpenAI-compatible server."`
	STTTimeout     time.Duration `name:"stt-timeout" env:"VIVA_STT_TIMEOUT" default:"30s" help:"Timeout of one remote transcription attempt."`
	SphinxModelDir string        `name:"sphinx-model-dir" env:"VIVA_SPHINX_MODEL_DIR" default:"/usr/share/pocketsphinx/model/en-us" help:"PocketSphinx model directory (Debian's pocketsphinx-en-us)."`
	DomainWeight   float64       `name:"domain-weight" env:"VIVA_DOMAIN_WEIGHT" default:"0.4" help:"Weight of the interview-domain language model mixed into the generic one (0..1; negative uses the generic model alone)."`
	STTDecoders    int           `name:"stt-decoders" env:"VIVA_STT_DECODERS" default:"2" help:"PocketSphinx decoders (utterances transcribed at once; ~200 MB each)."`
}

// engine builds the chosen speech-to-text engine. The closer releases it.
func (f *sttFlags) engine(log *slog.Logger) (stt.Transcriber, io.Closer, error) {
	embedded, err := sphinx.New(sphinx.Config{
		ModelDir: f.SphinxModelDir, DomainWeight: f.DomainWeight, Decoders: f.STTDecoders, Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	if f.STT == "embedded" {
		return embedded, embedded, nil
	}
	remote, err := whisper.New(whisper.Config{
		BaseURL: f.OpenAIBaseURL, APIKey: f.OpenAIAPIKey, Model: f.STTModel, Timeout: f.STTTimeout, Logger: log,
	})
	if err != nil {
		embedded.Close()
		return nil, nil, err
	}
	log.Info("remote speech engine configured; audio is sent to it", "base_url", redactURL(f.OpenAIBaseURL), "model", f.STTModel)
	return &stt.Fallback{Primary: remote, Secondary: embedded, Logger: log}, embedded, nil
}

func redactURL(u string) string {
	if i := strings.Index(u, "@"); i >= 0 {
		if j := strings.Index(u, "://"); j >= 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}

// ttsFlags choose and configure the interviewer's voice.
type ttsFlags struct {
	TTS            string        `name:"tts" enum:"embedded,openai" default:"embedded" env:"VIVA_TTS" help:"Interviewer voice: embedded (flite, nothing leaves this machine) or openai (any OpenAI-compatible /audio/speech server; prompt text is sent there, with flite as fallback)."`
	Voice          string        `name:"voice" env:"VIVA_VOICE" default:"rms" help:"flite voice of the embedded engine (rms, slt, awb, kal16, or a .flitevox path)."`
	TTSModel       string        `name:"tts-model" env:"VIVA_TTS_MODEL" default:"tts-1" help:"Speech model on the OpenAI-compatible server."`
	TTSVoice       string        `name:"tts-voice" env:"VIVA_TTS_VOICE" default:"alloy" help:"Voice name on the OpenAI-compatible server."`
	TTSTimeout     time.Duration `name:"tts-timeout" env:"VIVA_TTS_TIMEOUT" default:"15s" help:"Timeout of one remote synthesis attempt."`
	TTSCachePrompt int           `name:"tts-cache" env:"VIVA_TTS_CACHE" default:"1024" help:"Prompts kept synthesised in memory."`
}

// voice builds the interviewer's voice: the chosen engine behind a cache.
// The OpenAI-compatible engine shares the base URL and key of the speech
// engine's flags.
func (f *ttsFlags) voice(log *slog.Logger, stt *sttFlags) (*tts.Cache, error) {
	embedded, err := flite.New(flite.Config{Voice: f.Voice, Logger: log})
	if err != nil {
		return nil, err
	}
	var engine tts.Synthesizer = embedded
	name := "flite:" + f.Voice
	if f.TTS == "openai" {
		remote, err := ttsopenai.New(ttsopenai.Config{
			BaseURL: stt.OpenAIBaseURL, APIKey: stt.OpenAIAPIKey, Model: f.TTSModel, Voice: f.TTSVoice,
			Timeout: f.TTSTimeout, Logger: log,
		})
		if err != nil {
			return nil, err
		}
		log.Info("remote voice configured; prompt text is sent to it", "base_url", redactURL(stt.OpenAIBaseURL), "model", f.TTSModel)
		engine = &tts.Fallback{Primary: remote, Secondary: embedded, Logger: log}
		name = "openai:" + f.TTSModel + ":" + f.TTSVoice
	}
	return tts.NewCache(engine, tts.CacheConfig{Name: name, MaxEntries: f.TTSCachePrompt})
}
