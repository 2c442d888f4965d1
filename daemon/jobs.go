package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/store"
)

// errParked is the cancellation cause of jobs stopped by a daemon shutdown:
// they go back to "queued" so that the next start resumes them.
var errParked = errors.New("daemon shutting down; job parked")

// errCancelled is the cause of a user's cancel.
var errCancelled = errors.New("cancelled by the user")

// JobFunc does a job's work. It reports progress with p.Progress and saves
// kind-specific state with p.SaveDetail (persisted before it returns, so
// the step after it may talk to the outside world). Returning nil marks the
// job done; an *api.Error fails it with that code; a context error after
// cancel marks it cancelled.
type JobFunc func(ctx context.Context, p *JobProgress) error

// JobProgress is a running job's link back to the runner.
type JobProgress struct {
	r        *jobRunner
	id       uint64
	lastSave time.Time
}

// ID is the job's id.
func (p *JobProgress) ID() uint64 { return p.id }

// Progress broadcasts an event to watchers. Percent and stage are saved to
// the store at most once a second: each bbolt commit is an fsync.
func (p *JobProgress) Progress(ev api.JobEvent) {
	ev.JobID = strconv.FormatUint(p.id, 10)
	p.r.broadcast(p.id, ev)
	if time.Since(p.lastSave) >= time.Second {
		p.lastSave = time.Now()
		p.r.s.db.UpdateJob(p.id, func(j *store.Job) error {
			j.Stage, j.Percent = ev.Stage, ev.Percent
			return nil
		})
	}
}

// SaveDetail persists the job's kind-specific state (and stage) now.
func (p *JobProgress) SaveDetail(stage string, detail any) error {
	data, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = p.r.s.db.UpdateJob(p.id, func(j *store.Job) error {
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

// jobRunner runs jobs with per-kind bounded concurrency and lets clients
// watch and cancel them.
type jobRunner struct {
	s  *Server
	mu sync.Mutex
	// running holds queued and running jobs of this process.
	running map[uint64]*runningJob
	sems    map[string]chan struct{}
	wg      sync.WaitGroup
}

func newJobRunner(s *Server) *jobRunner {
	return &jobRunner{s: s, running: map[uint64]*runningJob{}, sems: map[string]chan struct{}{}}
}

func (r *jobRunner) sem(kind string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.sems[kind]; ok {
		return c
	}
	n := r.s.Settings().Int(kind + ".concurrency")
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
// submitted from a request) is parked by parkAll at shutdown, never failed
// because its submitter went away.
func (r *jobRunner) Submit(base context.Context, job store.Job, limit time.Duration, fn JobFunc) {
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

func (r *jobRunner) run(ctx context.Context, job store.Job, limit time.Duration, fn JobFunc) {
	sem := r.sem(job.Kind)
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		r.finish(job.ID, ctx, ctx.Err())
		return
	}
	if _, err := r.s.db.UpdateJob(job.ID, func(j *store.Job) error { j.State = api.JobRunning; return nil }); err != nil {
		r.s.log.Error("job state", "job", job.ID, "err", err)
	}
	r.broadcast(job.ID, api.JobEvent{JobID: strconv.FormatUint(job.ID, 10), Stage: "start"})
	runCtx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	err := fn(runCtx, &JobProgress{r: r, id: job.ID})
	if err == nil && runCtx.Err() == context.DeadlineExceeded {
		err = runCtx.Err()
	}
	r.finish(job.ID, ctx, err)
}

func (r *jobRunner) finish(id uint64, ctx context.Context, err error) {
	cause := context.Cause(ctx)
	final, uerr := r.s.db.UpdateJob(id, func(j *store.Job) error {
		switch {
		case err == nil:
			j.State, j.Stage, j.Percent, j.Error = api.JobDone, "done", 100, nil
		case errors.Is(cause, errParked):
			j.State = api.JobQueued // resumed at next start
		case errors.Is(cause, errCancelled):
			j.State, j.Stage = api.JobCancelled, "cancelled"
			j.Error = &store.JobError{Code: api.CodeCancelled, Message: "cancelled by the user"}
		case errors.Is(err, context.DeadlineExceeded):
			j.State, j.Stage = api.JobFailed, "timeout"
			j.Error = &store.JobError{Code: api.CodeCancelled, Message: "the job ran past its time limit and was stopped"}
		default:
			j.State = api.JobFailed
			j.Error = toJobError(err, r.s)
		}
		return nil
	})
	if uerr != nil {
		r.s.log.Error("job finish", "job", id, "err", uerr)
	}
	if err != nil && !errors.Is(cause, errParked) {
		r.s.log.Info("job ended", "job", id, "state", final.State, "err", err)
	}
	j := jobToAPI(final)
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

func toJobError(err error, s *Server) *store.JobError {
	if e, ok := api.AsError(err); ok {
		return &store.JobError{Code: e.Code, Message: s.red.String(e.Message), Hint: e.Hint}
	}
	return &store.JobError{Code: api.CodeInternal, Message: s.red.String(err.Error())}
}

func (r *jobRunner) broadcast(id uint64, ev api.JobEvent) {
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

// subscribe returns a channel of the job's events, closed after the final
// one, or nil when the job is not running in this process.
func (r *jobRunner) subscribe(id uint64) (chan api.JobEvent, func()) {
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

// unsubscribe drops a watcher's channel taken by subscribe.
func (r *jobRunner) unsubscribe(id uint64, ch chan api.JobEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rj := r.running[id]; rj != nil {
		delete(rj.subs, ch)
	}
}

// Cancel stops a running job; false if it is not running here.
func (r *jobRunner) Cancel(id uint64) bool {
	r.mu.Lock()
	rj := r.running[id]
	r.mu.Unlock()
	if rj == nil {
		return false
	}
	rj.cancel(errCancelled)
	return true
}

// parkAll cancels every job with errParked and waits (bounded by ctx).
func (r *jobRunner) parkAll(ctx context.Context) {
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

func jobToAPI(j store.Job) api.Job {
	out := api.Job{
		ID: strconv.FormatUint(j.ID, 10), Kind: j.Kind, State: j.State, Stage: j.Stage,
		Percent: j.Percent, Title: j.Title, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Detail: j.Detail,
	}
	if j.Error != nil {
		out.Error = &api.Error{Code: j.Error.Code, Message: j.Error.Message, Hint: j.Error.Hint}
	}
	return out
}

func parseJobID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, api.Errorf(api.CodeInvalid, "job id %q is not a number; `impress jobs list` shows the ids", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// jobOf reads the job the path names, or answers why there is none
// (not a number, not found) and returns false.
func (s *Server) jobOf(w http.ResponseWriter, r *http.Request) (store.Job, bool) {
	id, ok := parseJobID(w, r)
	if !ok {
		return store.Job{}, false
	}
	j, err := s.db.Job(id)
	if err != nil {
		if store.IsNotFound(err) {
			err = api.Errorf(api.CodeNotFound, "job %d not found; `impress jobs list` shows the jobs", id)
		}
		s.fail(w, err)
		return store.Job{}, false
	}
	return j, true
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.db.Jobs(r.URL.Query().Get("kind"))
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]api.Job, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobToAPI(j))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.jobOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, jobToAPI(j))
}

func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := parseJobID(w, r)
	if !ok {
		return
	}
	ch, unsub := s.jobs.subscribe(id)
	defer unsub()
	j, err := s.db.Job(id)
	if err != nil {
		if store.IsNotFound(err) {
			err = api.Errorf(api.CodeNotFound, "job %d not found", id)
		}
		s.fail(w, err)
		return
	}
	out := newNDJSON(w)
	if (api.Job{State: j.State}).Terminal() {
		aj := jobToAPI(j)
		out.Send(api.JobEvent{JobID: aj.ID, Stage: j.Stage, Percent: j.Percent, Job: &aj})
		return
	}
	if ch == nil {
		// Queued but not in the runner yet (a scheduled publish waits for
		// its time outside it): follow the store until the job starts here
		// or ends.
		if ch = s.awaitRunnable(r.Context(), out, id); ch == nil {
			return
		}
		defer s.jobs.unsubscribe(id, ch)
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if err := out.Send(ev); err != nil {
				return
			}
			if ev.Job != nil {
				return
			}
		}
	}
}

// awaitRunnable polls a queued job that is not running in this process:
// it returns the job's event channel once the runner has it, or nil after
// sending the final event (the job ended) or when the client left.
func (s *Server) awaitRunnable(ctx context.Context, out *ndjson, id uint64) chan api.JobEvent {
	sent := false
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		j, err := s.db.Job(id)
		if err != nil {
			return nil
		}
		aj := jobToAPI(j)
		if aj.Terminal() {
			out.Send(api.JobEvent{JobID: aj.ID, Stage: j.Stage, Percent: j.Percent, Job: &aj})
			return nil
		}
		if ch, _ := s.jobs.subscribe(id); ch != nil {
			return ch
		}
		if !sent {
			sent = true
			if out.Send(api.JobEvent{JobID: aj.ID, Stage: j.Stage, Percent: j.Percent}) != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, ok := parseJobID(w, r)
	if !ok {
		return
	}
	if !s.jobs.Cancel(id) {
		j, err := s.db.Job(id)
		if err != nil {
			s.fail(w, api.Errorf(api.CodeNotFound, "job %d not found", id))
			return
		}
		if !(api.Job{State: j.State}).Terminal() {
			j, err = s.db.UpdateJob(id, func(j *store.Job) error {
				j.State, j.Stage = api.JobCancelled, "cancelled"
				return nil
			})
			if err != nil {
				s.fail(w, err)
				return
			}
		}
		writeJSON(w, http.StatusOK, jobToAPI(j))
		return
	}
	// Wait briefly for the job to reach its final state so the answer is
	// the truth rather than "cancelling".
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		j, err := s.db.Job(id)
		if err == nil && (api.Job{State: j.State}).Terminal() {
			writeJSON(w, http.StatusOK, jobToAPI(j))
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	j, _ := s.db.Job(id)
	writeJSON(w, http.StatusOK, jobToAPI(j))
}
