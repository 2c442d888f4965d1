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
	if got.Error == nil || got.Error.Code != api.CodeRejected || bytes.Contains([]byte(got.Error.Message), []byte("EAAsecret")) {
		t.Errorf("failed job error = %+v", got.Error)
	}
	// time limit
	j3 := mk()
	s.jobs.Submit(t.Context(), j3, 20*time.Millisecond, func(ctx context.Context, p *Progress) error {
		<-ctx.Done()
		return ctx.Err()
	})
	got = waitState(t, s, j3.ID, api.JobFailed)
	if got.Error.Code != api.CodeCancelled || got.Stage != "timeout" {
		t.Errorf("timed-out job = %+v", got)
	}
	// user cancel, watched through subscribe
	j4 := mk()
	started := make(chan struct{})
	s.jobs.Submit(t.Context(), j4, 0, func(ctx context.Context, p *Progress) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
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
	started := make(chan struct{})
	s.jobs.Submit(t.Context(), j, 0, func(ctx context.Context, p *Progress) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
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
