// Package jobs is the daemon's job runner: long work (renders, publishes)
// runs as jobs stored in the store, at most <kind>.concurrency of a kind at
// once, watched through /v1/jobs/{id}/events and cancelled through
// /v1/jobs/{id}/cancel. A daemon shutdown parks running jobs (back to
// queued) so that the next start resumes them; see [Runner.ParkAll].
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/store"
)

// errParked is the cancellation cause of jobs stopped by a daemon shutdown:
// they go back to "queued" so that the next start resumes them.
var errParked = errors.New("daemon shutting down; job parked")

// errCancelled is the cause of a user's cancel.
var errCancelled = errors.New("cancelled by the user")

// Func does a job's work. It reports progress with p.Progress and saves
// kind-specific state with p.SaveDetail (persisted before it returns, so
// the step after it may talk to the outside world). Returning nil marks the
// job done; an *api.Error fails it with that code; a context error after
// cancel marks it cancelled.
type Func func(ctx context.Context, p *Progress) error

// Progress is a running job's link back to the runner.
type Progress struct {
	r        *Runner
	id       uint64
	lastSave time.Time
	// final is the detail SaveFinal gave, written with the job's end.
	final []byte
	// slot is the concurrency slot of the job's kind it runs in (nil: it
	// runs outside the runner); held is false while Outside gave it up.
	// Only the job's own goroutine touches them.
	slot chan struct{}
	held bool
}

// Outside runs wait without the job's concurrency slot, so that other jobs
// of its kind run meanwhile (a publish waiting hours for its account's
// quota must not hold up another account's), then takes a slot again,
// waiting for one as a queued job does. A job cancelled or parked while it
// waits for the slot returns ctx's error.
func (p *Progress) Outside(ctx context.Context, wait func(context.Context) error) error {
	if !p.held {
		return wait(ctx)
	}
	<-p.slot
	p.held = false
	err := wait(ctx)
	select {
	case p.slot <- struct{}{}:
		p.held = true
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ProgressOf is the link of job id for work driven outside Submit (a
// benchmark timing one step of a job's work).
func (r *Runner) ProgressOf(id uint64) *Progress { return &Progress{r: r, id: id} }

// ID is the job's id.
func (p *Progress) ID() uint64 { return p.id }

// Progress broadcasts an event to watchers. Percent and stage are saved to
// the store at most once a second: each bbolt commit is an fsync.
func (p *Progress) Progress(ev api.JobEvent) {
	ev.JobID = strconv.FormatUint(p.id, 10)
	p.r.broadcast(p.id, ev)
	if time.Since(p.lastSave) >= time.Second {
		p.lastSave = time.Now()
		p.r.db.UpdateJob(p.id, func(j *store.Job) error {
			j.Stage, j.Percent = ev.Stage, ev.Percent
			return nil
		})
	}
}

// SaveFinal sets the job's kind-specific state as it ends: written in the
// same commit as its final state when fn returns nil, instead of a commit
// of its own (each is an fsync, and a short render made six). A job that
// fails after SaveFinal keeps its earlier detail.
func (p *Progress) SaveFinal(detail any) error {
	data, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	p.final = data
	return nil
}

// SaveDetail persists the job's kind-specific state (and stage) now.
func (p *Progress) SaveDetail(stage string, detail any) error {
	data, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = p.r.db.UpdateJob(p.id, func(j *store.Job) error {
		j.Detail = data
		if stage != "" {
			j.Stage = stage
		}
		return nil
	})
	if err == nil && stage != "" {
		// The stage is on disk: the progress event that usually follows
		// need not cost another commit (each is an fsync).
		p.lastSave = time.Now()
	}
	return err
}

type runningJob struct {
	cancel context.CancelCauseFunc
	subs   map[chan api.JobEvent]struct{}
	last   *api.JobEvent
}

// Runner runs jobs with per-kind bounded concurrency and lets clients
// watch and cancel them.
type Runner struct {
	db       *store.DB
	log      *slog.Logger
	red      *redact.Redactor
	settings func() *config.Settings
	fail     func(http.ResponseWriter, error)

	// mu guards running and sems. Lock order: it may be taken under
	// privacy's purge lock (a purge cancels the jobs it covers); under it
	// only the settings lock (a kind's concurrency, in sem) is taken, and
	// sends to watchers never block.
	mu sync.Mutex
	// running holds queued and running jobs of this process.
	running map[uint64]*runningJob
	sems    map[string]chan struct{}
	wg      sync.WaitGroup
}

// Config is what a Runner needs of the daemon.
type Config struct {
	DB  *store.DB
	Log *slog.Logger
	Red *redact.Redactor
	// Settings returns the current settings (<kind>.concurrency).
	Settings func() *config.Settings
	// Fail answers an error on the /v1/jobs routes.
	Fail func(http.ResponseWriter, error)
}

// New makes a runner; it runs nothing until Submit.
func New(c Config) *Runner {
	return &Runner{db: c.DB, log: c.Log, red: c.Red, settings: c.Settings, fail: c.Fail,
		running: map[uint64]*runningJob{}, sems: map[string]chan struct{}{}}
}

func (r *Runner) sem(kind string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.sems[kind]; ok {
		return c
	}
	n := 0
	if k, ok := config.Concurrency(kind); ok {
		n = r.settings().Int(k)
	}
	if n <= 0 {
		n = 1
	}
	c := make(chan struct{}, n)
	r.sems[kind] = c
	return c
}

// Submit runs fn for a job already stored as queued. limit bounds its wall
// time (0: none). It returns at once; watch with the events endpoint.
//
// The job belongs to the runner from here on: base gives it its values but
// not its cancellation, so a job resumed with the daemon's run context (or
// submitted from a request) is parked by ParkAll at shutdown, never failed
// because its submitter went away.
func (r *Runner) Submit(base context.Context, job store.Job, limit time.Duration, fn Func) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(base))
	rj := &runningJob{cancel: cancel, subs: map[chan api.JobEvent]struct{}{}}
	r.mu.Lock()
	r.running[job.ID] = rj
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel(nil)
		r.run(ctx, job, limit, fn)
	}()
}

func (r *Runner) run(ctx context.Context, job store.Job, limit time.Duration, fn Func) {
	// A job resumed after a crash or a shutdown whose cancel the user had
	// asked for ends here: a cancelled job never runs again.
	if j, err := r.db.Job(job.ID); err == nil && j.CancelRequested {
		r.cancelOf(job.ID)(errCancelled)
		r.finish(job.ID, ctx, context.Canceled)
		return
	}
	sem := r.sem(job.Kind)
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		r.finish(job.ID, ctx, ctx.Err())
		return
	}
	// The first second's progress is not saved: the job's start was, and
	// watchers get every event from memory.
	jp := &Progress{r: r, id: job.ID, slot: sem, held: true, lastSave: time.Now()}
	defer func() {
		if jp.held {
			<-sem
		}
	}()
	if _, err := r.db.UpdateJob(job.ID, func(j *store.Job) error { j.State = api.JobRunning; return nil }); err != nil {
		r.log.Error("job state", "job", job.ID, "err", err)
	}
	r.broadcast(job.ID, api.JobEvent{JobID: strconv.FormatUint(job.ID, 10), Stage: "start"})
	runCtx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	err := fn(runCtx, jp)
	if err == nil && runCtx.Err() == context.DeadlineExceeded {
		err = runCtx.Err()
	}
	r.finishWith(job.ID, ctx, err, jp.final)
}

func (r *Runner) finish(id uint64, ctx context.Context, err error) { r.finishWith(id, ctx, err, nil) }

// finishWith records a job's end; detail (from SaveFinal) is written with
// it when the job is done.
func (r *Runner) finishWith(id uint64, ctx context.Context, err error, detail []byte) {
	cause := context.Cause(ctx)
	final, uerr := r.db.UpdateJob(id, func(j *store.Job) error {
		switch {
		case err == nil:
			j.State, j.Stage, j.Percent, j.Error = api.JobDone, "done", 100, nil
			if detail != nil {
				j.Detail = detail
			}
		case errors.Is(cause, errParked) && j.CancelRequested:
			// parked by a shutdown while its cancel was under way
			j.State, j.Stage = api.JobCancelled, "cancelled"
			j.Error = &store.JobError{Code: string(api.CodeCancelled), Message: "cancelled by the user"}
		case errors.Is(cause, errParked):
			j.State = api.JobQueued // resumed at next start
		case errors.Is(cause, errCancelled):
			j.State, j.Stage = api.JobCancelled, "cancelled"
			j.Error = &store.JobError{Code: string(api.CodeCancelled), Message: "cancelled by the user"}
		case errors.Is(err, context.DeadlineExceeded):
			j.State, j.Stage = api.JobFailed, "timeout"
			j.Error = &store.JobError{Code: string(api.CodeCancelled), Message: "the job ran past its time limit and was stopped"}
		default:
			j.State = api.JobFailed
			j.Error = r.jobError(err)
		}
		return nil
	})
	if uerr != nil {
		r.log.Error("job finish", "job", id, "err", uerr)
	}
	if err != nil && !errors.Is(cause, errParked) {
		r.log.Info("job ended", "job", id, "state", final.State, "err", err)
	}
	j := ToAPI(final)
	// Take the watchers out under the lock: an unsubscribe may run at the
	// same time, and after this the job is gone from running so nobody new
	// subscribes.
	r.mu.Lock()
	var subs []chan api.JobEvent
	if rj := r.running[id]; rj != nil {
		for ch := range rj.subs {
			subs = append(subs, ch)
		}
		rj.subs = nil
	}
	delete(r.running, id)
	r.mu.Unlock()
	ev := api.JobEvent{JobID: j.ID, Stage: final.Stage, Percent: final.Percent, Job: &j}
	for _, ch := range subs {
		select {
		case ch <- ev:
		default:
			// A slow watcher's buffer is full: drop its oldest progress
			// event so that the final one, which carries the job, arrives.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- ev:
			default:
			}
		}
		close(ch)
	}
}

func (r *Runner) jobError(err error) *store.JobError {
	if e, ok := api.AsError(err); ok {
		return &store.JobError{Code: string(e.Code), Message: r.red.String(e.Message), Hint: e.Hint}
	}
	return &store.JobError{Code: string(api.CodeInternal), Message: r.red.String(err.Error())}
}

func (r *Runner) broadcast(id uint64, ev api.JobEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rj := r.running[id]
	if rj == nil {
		return
	}
	rj.last = &ev
	for ch := range rj.subs {
		select {
		case ch <- ev:
		default: // a slow watcher misses intermediate progress, never the end
		}
	}
}

// Subscribe returns a channel of the job's events, closed after the final
// one, or nil when the job is not running in this process.
func (r *Runner) Subscribe(id uint64) (chan api.JobEvent, func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rj := r.running[id]
	if rj == nil {
		return nil, func() {}
	}
	ch := make(chan api.JobEvent, 64)
	rj.subs[ch] = struct{}{}
	if rj.last != nil {
		ch <- *rj.last
	}
	return ch, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := rj.subs[ch]; ok {
			delete(rj.subs, ch)
		}
	}
}

// Unsubscribe drops a watcher's channel taken by Subscribe.
func (r *Runner) Unsubscribe(id uint64, ch chan api.JobEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rj := r.running[id]; rj != nil {
		delete(rj.subs, ch)
	}
}

// Cancel stops a running job; false if it is not running here. The
// request is stored first: should the daemon stop or crash before the job
// has ended, the next start cancels it instead of resuming it.
func (r *Runner) Cancel(id uint64) bool {
	cancel := r.cancelOf(id)
	if cancel == nil {
		return false
	}
	if _, err := r.db.UpdateJob(id, func(j *store.Job) error {
		if !(api.Job{State: j.State}).Terminal() {
			j.CancelRequested = true
		}
		return nil
	}); err != nil {
		r.log.Error("job cancel", "job", id, "err", err)
	}
	cancel(errCancelled)
	return true
}

// cancelOf is the cancel function of a job running here, or nil.
func (r *Runner) cancelOf(id uint64) context.CancelCauseFunc {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rj := r.running[id]; rj != nil {
		return rj.cancel
	}
	return nil
}

// ParkAll cancels every job with errParked and waits (bounded by ctx).
func (r *Runner) ParkAll(ctx context.Context) {
	r.mu.Lock()
	for _, rj := range r.running {
		rj.cancel(errParked)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// ToAPI maps a stored job to the wire.
func ToAPI(j store.Job) api.Job {
	out := api.Job{
		ID: strconv.FormatUint(j.ID, 10), Kind: j.Kind, State: j.State, Stage: j.Stage,
		Percent: j.Percent, Title: j.Title, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Detail: j.Detail,
	}
	if j.Error != nil {
		out.Error = &api.Error{Code: api.Code(j.Error.Code), Message: j.Error.Message, Hint: j.Error.Hint}
	}
	return out
}
