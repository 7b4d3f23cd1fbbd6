package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/call"
)

type callCmd struct {
	Server   string        `default:"http://127.0.0.1:8080" env:"VIVA_SERVER" help:"Base URL of the Viva server."`
	Track    string        `default:"rag" enum:"rag,agents,mlops,llm,behavioral,ml-screen" env:"VIVA_CALL_TRACK" help:"Track of the session to create: rag, agents, mlops, llm, behavioral or ml-screen."`
	Mode     string        `default:"system-design" enum:"system-design,behavioral,screen" env:"VIVA_CALL_MODE" help:"Mode of the session to create: system-design, behavioral or screen."`
	Minutes  int           `default:"20" env:"VIVA_CALL_MINUTES" help:"Time budget of the session to create, 5 to 180 minutes."`
	Question []string      `name:"question" env:"VIVA_CALL_QUESTION" help:"Id of a question the session asks (repeat for several; see viva questions list). Default: the server picks."`
	Session  string        `env:"VIVA_CALL_SESSION" placeholder:"ID" help:"Join this existing session instead of creating one (--track, --mode and --minutes are then ignored)."`
	End      bool          `env:"VIVA_CALL_END" help:"Send end once the last answer is transcribed, instead of waiting for the server to end the interview."`
	Loss     float64       `default:"0" env:"VIVA_CALL_LOSS" help:"Drop this fraction of the audio packets sent, 0 to 1 (e.g. 0.05)."`
	Jitter   time.Duration `default:"0s" env:"VIVA_CALL_JITTER" help:"Delay each audio packet sent by a random 0 to this (e.g. 30ms); above 20ms it reorders them."`
	Seed     int64         `default:"0" env:"VIVA_CALL_SEED" help:"Seed of --loss and --jitter, for reproducible runs (0: random)."`
	Barge    time.Duration `default:"0s" env:"VIVA_CALL_BARGE" help:"Start each answer this long after its prompt arrives, while the interviewer is still speaking (barge-in); 0 waits until it listens."`
	Timeout  time.Duration `default:"10m" env:"VIVA_CALL_TIMEOUT" help:"Give up on the call after this long."`
	Answers  []string      `arg:"" optional:"" name:"answer.wav" type:"existingfile" help:"WAV files to speak, one per interviewer prompt, in order (none: stay silent until the interview ends)."`
}

func (c *callCmd) Help() string {
	return `Creates a session on a Viva server (or joins one with --session) and acts as the candidate over
real WebRTC: it speaks each WAV file at real-time pace once the interviewer has asked and is listening,
with encoded silence in between, as a browser with an open microphone would. Every server message and the
call's own events (type "call.…") are printed as JSON lines on stdout, {"t_ms":…,"type":…,…}, then a
summary line {"type":"call.result",…} with each turn's latency (end of speech in the WAV to the first
packet of the interviewer's reply). Logs go to stderr. The exit status is non-zero when the call failed:
no connection, a refusal, a timeout, or an interview the server ended with reason "error".`
}

func (c *callCmd) Run(g *Globals) error {
	log := g.logger()
	cfg := call.Config{
		Server:    c.Server,
		Track:     viva.Track(c.Track),
		Mode:      viva.Mode(c.Mode),
		Minutes:   c.Minutes,
		Questions: c.Question,
		End:       c.End,
		Impair:    call.Impairment{Loss: c.Loss, Jitter: c.Jitter, Seed: c.Seed},
		Logger:    log,
	}
	if c.Session != "" {
		id, err := uuid.Parse(c.Session)
		if err != nil {
			return fmt.Errorf("--session %q is not a session id (a UUID)", c.Session)
		}
		cfg.Session = id
	}
	for _, path := range c.Answers {
		a, err := call.LoadWAV(path)
		if err != nil {
			return err
		}
		a.Barge = c.Barge
		cfg.Answers = append(cfg.Answers, a)
	}
	out := json.NewEncoder(g.stdout)
	out.SetEscapeHTML(false)
	var writeErr error
	cfg.OnEvent = func(e call.Event) { // called one at a time
		if err := out.Encode(e); err != nil && writeErr == nil {
			writeErr = err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	res, err := call.Run(ctx, cfg)
	if encErr := out.Encode(res); encErr != nil && writeErr == nil {
		writeErr = encErr
	}
	for _, t := range res.Turns {
		log.Info("turn", "answer", t.Answer, "name", t.Name, "latency", t.Latency)
	}
	if err != nil {
		return err
	}
	if writeErr != nil {
		return fmt.Errorf("write events: %w", writeErr)
	}
	return nil
}
