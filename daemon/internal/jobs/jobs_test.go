package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/store"
)

// testServer is what the runner tests use of a daemon: the store, the
// redactor and the runner.
type testServer struct {
	db   *store.DB
	red  *redact.Redactor
	jobs *Runner
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "impress.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, _ := config.Load(config.LoadOptions{File: filepath.Join(t.TempDir(), "none.yaml"), Env: func(string) string { return "" }})
	s := &testServer{db: db, red: &redact.Redactor{}}
	s.jobs = New(Config{DB: db, Red: s.red, Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
		Settings: func() *config.Settings { return st }})
	return s
}

// submitUntilCancelled runs j as a step that only ends when its context
// does (a cancel or a shutdown), and returns once the step is running.
func submitUntilCancelled(t *testing.T, s *testServer, j store.Job) {
	t.Helper()
	started := make(chan struct{})
	s.jobs.Submit(t.Context(), j, 0, func(ctx context.Context, p *Progress) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
}

func waitState(t *testing.T, s *testServer, id uint64, want string) store.Job {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := s.db.Job(id)
		if err == nil && j.State == want {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d state %q, want %q", id, j.State, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJobRunnerOutcomes(t *testing.T) {
	s := newTestServer(t)
	mk := func() store.Job {
		j, err := s.db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued}, false)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	// done, with detail persisted
	j1 := mk()
	s.jobs.Submit(t.Context(), j1, 0, func(ctx context.Context, p *Progress) error {
		p.Progress(api.JobEvent{Stage: "encode", Percent: 50})
		return p.SaveDetail("encode", map[string]string{"output": "/x.mp4"})
	})
	got := waitState(t, s, j1.ID, api.JobDone)
	if string(got.Detail) != `{"output":"/x.mp4"}` || got.Percent != 100 {
		t.Errorf("done job = %+v", got)
	}
	// done with the final detail written in the commit of its end; a job
	// that fails after SaveFinal keeps the detail it saved before
	j5 := mk()
	s.jobs.Submit(t.Context(), j5, 0, func(ctx context.Context, p *Progress) error {
		if err := p.SaveDetail("encode", map[string]string{"output": "/tmp/part"}); err != nil {
			return err
		}
		return p.SaveFinal(map[string]string{"output": "/final.mp4"})
	})
	if got := waitState(t, s, j5.ID, api.JobDone); string(got.Detail) != `{"output":"/final.mp4"}` {
		t.Errorf("done job with a final detail = %s", got.Detail)
	}
	j6 := mk()
	s.jobs.Submit(t.Context(), j6, 0, func(ctx context.Context, p *Progress) error {
		if err := p.SaveDetail("encode", map[string]string{"output": "/tmp/part"}); err != nil {
			return err
		}
		p.SaveFinal(map[string]string{"output": "/final.mp4"})
		return &api.Error{Code: api.CodeRejected, Message: "broke a rule"}
	})
	if got := waitState(t, s, j6.ID, api.JobFailed); string(got.Detail) != `{"output":"/tmp/part"}` {
		t.Errorf("failed job's detail = %s, want the one saved before", got.Detail)
	}
	// failed with a typed error whose code survives, and a token that doesn't
	s.red.Add("EAAsecret-token-value")
	j2 := mk()
	s.jobs.Submit(t.Context(), j2, 0, func(ctx context.Context, p *Progress) error {
		return &api.Error{Code: api.CodeRejected, Message: "refused for EAAsecret-token-value"}
	})
	got = waitState(t, s, j2.ID, api.JobFailed)
	if got.Error == nil || api.Code(got.Error.Code) != api.CodeRejected || bytes.Contains([]byte(got.Error.Message), []byte("EAAsecret")) {
		t.Errorf("failed job error = %+v", got.Error)
	}
	// time limit
	j3 := mk()
	s.jobs.Submit(t.Context(), j3, 20*time.Millisecond, func(ctx context.Context, p *Progress) error {
		<-ctx.Done()
		return ctx.Err()
	})
	got = waitState(t, s, j3.ID, api.JobFailed)
	if api.Code(got.Error.Code) != api.CodeCancelled || got.Stage != "timeout" {
		t.Errorf("timed-out job = %+v", got)
	}
	// user cancel, watched through subscribe
	j4 := mk()
	submitUntilCancelled(t, s, j4)
	ch, unsub := s.jobs.Subscribe(j4.ID)
	defer unsub()
	if !s.jobs.Cancel(j4.ID) {
		t.Fatal("Cancel returned false for a running job")
	}
	var final *api.Job
	for ev := range ch {
		if ev.Job != nil {
			final = ev.Job
		}
	}
	if final == nil || final.State != api.JobCancelled {
		t.Errorf("final event = %+v", final)
	}
}

func TestJobRunnerParksOnShutdown(t *testing.T) {
	s := newTestServer(t)
	j, _ := s.db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued}, false)
	submitUntilCancelled(t, s, j)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s.jobs.ParkAll(ctx)
	got, _ := s.db.Job(j.ID)
	if got.State != api.JobQueued {
		t.Errorf("parked job state %q, want queued (resumed at next start)", got.State)
	}
}

func TestJobRunnerBoundsConcurrency(t *testing.T) {
	s := newTestServer(t) // render.concurrency defaults to 1
	running := make(chan int, 10)
	release := make(chan struct{})
	var ids []uint64
	for range 3 {
		j, _ := s.db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued}, false)
		ids = append(ids, j.ID)
		s.jobs.Submit(t.Context(), j, 0, func(ctx context.Context, p *Progress) error {
			running <- 1
			<-release
			return nil
		})
	}
	<-running
	select {
	case <-running:
		t.Fatal("two render jobs ran at once with render.concurrency=1")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	for _, id := range ids {
		waitState(t, s, id, api.JobDone)
	}
}

// TestOutsideLeavesTheSlot: a job waiting Outside lets another job of its
// kind (one slot) run, and goes on once it has a slot again; one cancelled
// while it waits for the slot ends cancelled and leaves the slot as it was.
func TestOutsideLeavesTheSlot(t *testing.T) {
	s := newTestServer(t)
	mk := func() store.Job {
		j, err := s.db.CreateJob(store.Job{Kind: "slot-test", State: api.JobQueued}, false)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	otherDone := make(chan struct{})
	waiter, other := mk(), mk()
	s.jobs.Submit(t.Context(), waiter, 0, func(ctx context.Context, p *Progress) error {
		return p.Outside(ctx, func(ctx context.Context) error {
			s.jobs.Submit(t.Context(), other, 0, func(ctx context.Context, p *Progress) error { close(otherDone); return nil })
			select {
			case <-otherDone: // it ran while this one waited
				return nil
			case <-time.After(5 * time.Second):
				return &api.Error{Code: api.CodeInternal, Message: "the other job never ran"}
			}
		})
	})
	if got := waitState(t, s, waiter.ID, api.JobDone); got.Error != nil {
		t.Fatalf("waiter: %+v", got.Error)
	}

	// Cancelled while it waits for the slot back.
	holding, release := make(chan struct{}), make(chan struct{})
	stuck, holder := mk(), mk()
	s.jobs.Submit(t.Context(), stuck, 0, func(ctx context.Context, p *Progress) error {
		return p.Outside(ctx, func(ctx context.Context) error {
			s.jobs.Submit(t.Context(), holder, 0, func(ctx context.Context, p *Progress) error {
				close(holding)
				<-release
				return nil
			})
			<-holding
			return nil
		})
	})
	<-holding
	waitState(t, s, stuck.ID, api.JobRunning)
	if !s.jobs.Cancel(stuck.ID) {
		t.Fatal("cancel: not running")
	}
	waitState(t, s, stuck.ID, api.JobCancelled)
	close(release)
	after := mk()
	s.jobs.Submit(t.Context(), after, 0, func(ctx context.Context, p *Progress) error { return nil })
	waitState(t, s, after.ID, api.JobDone)
}

// TestCancelledJobNeverResumes: a cancel is stored before the job stops,
// so a job the daemon could not stop in time (work deaf to its context,
// then a shutdown or a crash) is cancelled at the next start instead of
// run again; and one parked while its cancel was under way ends cancelled.
// On b62770a the next daemon resumed it and the cancel was lost.
func TestCancelledJobNeverResumes(t *testing.T) {
	s := newTestServer(t)
	j, _ := s.db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued}, false)
	started, release := make(chan struct{}), make(chan struct{})
	s.jobs.Submit(t.Context(), j, 0, func(ctx context.Context, p *Progress) error {
		close(started)
		<-release // deaf to ctx: a step that does not look at it
		return nil
	})
	<-started
	if !s.jobs.Cancel(j.ID) {
		t.Fatal("Cancel: job not running")
	}
	// the daemon stops without waiting for the job (its bound ran out)
	short, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	s.jobs.ParkAll(short)
	if got, _ := s.db.Job(j.ID); got.State != api.JobRunning || !got.CancelRequested {
		t.Fatalf("after the stop: %+v, want running with the cancel stored", got)
	}
	// the next daemon resumes what it finds running
	next := New(Config{DB: s.db, Red: s.red, Log: s.jobs.log, Settings: s.jobs.settings})
	ran := make(chan struct{}, 1)
	got, _ := s.db.Job(j.ID)
	next.Submit(t.Context(), got, 0, func(ctx context.Context, p *Progress) error {
		ran <- struct{}{}
		return nil
	})
	final := waitState(t, s, j.ID, api.JobCancelled)
	if final.Error == nil || final.Error.Code != string(api.CodeCancelled) {
		t.Errorf("resumed job = %+v, want cancelled", final)
	}
	select {
	case <-ran:
		t.Error("a cancelled job ran again after the restart")
	default:
	}
	close(release)

	// parked while its cancel was under way: cancelled, not queued
	j2, _ := s.db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued}, false)
	started2 := make(chan struct{})
	s2 := New(Config{DB: s.db, Red: s.red, Log: s.jobs.log, Settings: s.jobs.settings})
	s2.Submit(t.Context(), j2, 0, func(ctx context.Context, p *Progress) error {
		close(started2)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started2
	// the cancel was stored, then the shutdown came before it took effect
	s.db.UpdateJob(j2.ID, func(j *store.Job) error { j.CancelRequested = true; return nil })
	s2.ParkAll(t.Context())
	if got, _ := s.db.Job(j2.ID); got.State != api.JobCancelled {
		t.Errorf("parked with a cancel stored: state %q, want cancelled", got.State)
	}
}
