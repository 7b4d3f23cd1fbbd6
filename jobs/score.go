package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
	"github.com/viva-interview/viva/scoring/judge"
)

// ScoreArgs asks for one session's report.
type ScoreArgs struct {
	SessionID uuid.UUID `json:"session_id"`
}

// Kind implements river.JobArgs.
func (ScoreArgs) Kind() string { return "score_session" }

// InsertOpts makes scoring unique per session.
func (ScoreArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type scoreWorker struct {
	river.WorkerDefaults[ScoreArgs]
	store     viva.Store
	log       *slog.Logger
	metrics   *metrics
	questions func(id string) (scoring.Question, bool)
	judge     Judge
}

func (w *scoreWorker) Work(ctx context.Context, job *river.Job[ScoreArgs]) (err error) {
	defer w.metrics.observe(job.Kind, time.Now(), &err)
	id := job.Args.SessionID
	log := w.log.With("session_id", id, "job_id", job.ID, "attempt", job.Attempt)
	err = w.score(ctx, id)
	switch {
	case errors.Is(err, viva.ErrNotFound):
		log.Info("session deleted before scoring; job cancelled")
		return river.JobCancel(err)
	case err != nil && job.Attempt >= job.MaxAttempts:
		log.Error("scoring failed for the last time", "err", err)
		if _, serr := w.store.SetSessionState(ctx, id, viva.StateFailed, time.Now()); serr != nil {
			log.Error("mark session failed", "err", serr)
		}
		return err
	case err != nil:
		return err // River retries with backoff and logs it
	}
	log.Info("session scored")
	return nil
}

func (w *scoreWorker) score(ctx context.Context, id uuid.UUID) error {
	sess, err := w.store.Session(ctx, id)
	if err != nil {
		return err
	}
	utts, err := w.store.Utterances(ctx, id)
	if err != nil {
		return err
	}
	probes, err := w.store.Probes(ctx, id)
	if err != nil {
		return err
	}
	in := scoring.Input{Utterances: utts, Probes: probes}
	if w.questions != nil {
		in.Questions = asked(sess, utts, w.questions)
	}
	rep := scoring.Score(in)
	if err := w.put(ctx, id, report{Report: rep}); err != nil {
		return err
	}
	if _, err := w.store.SetSessionState(ctx, id, viva.StateScored, time.Now()); err != nil {
		return err
	}
	if w.judge == nil || !rep.Judged {
		return nil
	}
	v, err := w.judge.Judge(ctx, in)
	if err != nil { // the deterministic report stands alone
		w.log.Warn("no verdict from the judge model", "session_id", id, "err", err)
		return nil
	}
	return w.put(ctx, id, report{Report: rep, Judge: &v})
}

// report is the stored report: the deterministic one, with the judge
// model's verdict beside it when there is one.
type report struct {
	scoring.Report
	Judge *judge.Verdict `json:"judge,omitempty"`
}

func (w *scoreWorker) put(ctx context.Context, id uuid.UUID, r report) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return w.store.PutReport(ctx, &viva.Report{SessionID: id, Version: scoring.Version, Body: body})
}

// asked lists the questions an interview asked, in order: those the
// session named, else those whose prompts the interviewer said (its
// utterances' Engine is "prompt:<id>").
func asked(sess *viva.Session, utts []viva.Utterance, find func(string) (scoring.Question, bool)) []scoring.Question {
	var out []scoring.Question
	seen := map[string]bool{}
	add := func(id string) {
		if seen[id] {
			return
		}
		if q, ok := find(id); ok {
			seen[id] = true
			out = append(out, q)
		}
	}
	for _, u := range utts {
		if u.Speaker == viva.SpeakerInterviewer {
			add(strings.TrimPrefix(u.Engine, "prompt:"))
		}
	}
	if len(out) == 0 {
		for _, id := range sess.Questions {
			add(id)
		}
	}
	return out
}
