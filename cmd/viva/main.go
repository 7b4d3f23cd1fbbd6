// Command viva is the Viva mock interviewer: `viva serve` runs the server;
// the other subcommands are tools around it. Every flag has an environment
// twin, shown by --help.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kong"
)

// Globals are the flags every subcommand takes.
type Globals struct {
	LogFormat string     `enum:"auto,text,json" default:"auto" env:"VIVA_LOG_FORMAT" help:"Log format: text, json, or auto (text on a terminal, JSON otherwise)."`
	LogLevel  slog.Level `default:"info" env:"VIVA_LOG_LEVEL" help:"Least severe level logged: debug, info, warn or error."`

	stderr io.Writer
	stdout io.Writer
}

type cli struct {
	Globals

	Serve       serveCmd       `cmd:"" help:"Run the Viva server (web app, API, interviews, background jobs)."`
	Transcribe  transcribeCmd  `cmd:"" help:"Transcribe a WAV file with the speech-to-text engine and print the text (or words with times as JSON)."`
	STTEval     sttEvalCmd     `cmd:"" name:"stt-eval" help:"Measure the speech-to-text engine on synthetic spoken answers: WER, key-term recall, real-time factor, latency."`
	Questions   questionsCmd   `cmd:"" help:"List, show and validate interview questions and their rubrics."`
	Score       scoreCmd       `cmd:"" help:"Score an answer against a reference answer, a file of such pairs, a transcript against a bank question, or a stored session."`
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 if a local viva serve answers /healthz (for container health checks)."`
	Call        callCmd        `cmd:"" help:"Act as a headless candidate: create a session on a server, speak WAV answers into it over WebRTC, print every event as JSON."`
	Version     versionCmd     `cmd:"" help:"Print the version and build information."`
}

const description = `Viva is a self-hosted, voice-based mock interviewer for AI-engineering interviews.
By default everything runs on this machine: no audio or text leaves it.`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args and runs the chosen subcommand, returning the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	var c cli
	c.stdout, c.stderr = stdout, stderr
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("viva"),
		kong.Description(description),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "viva:", err)
		return 2
	}
	if len(args) == 0 {
		args = []string{"--help"}
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 { // --help or a parse error already handled by kong
		return exit
	}
	if err != nil {
		parser.Errorf("%s", err)
		fmt.Fprintln(stderr, "run 'viva --help' for usage")
		return 2
	}
	if err := kctx.Run(&c.Globals); err != nil {
		fmt.Fprintln(stderr, "viva:", err)
		return 1
	}
	return 0
}

// logger builds the process logger from the global flags.
func (g *Globals) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: g.LogLevel}
	format := g.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := g.stderr.(*os.File); ok {
			if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(g.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(g.stderr, opts))
}
