package publish

// The publish state machine driver: the run loop, saving and progress, pacing and retries, and how a job ends.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/meta"
)

// Bounds of the state machine's own retries (Meta's client retries
// idempotent reads on its own; these cover the steps it never retries).
const (
	// maxStepAttempts bounds attempts of a step on transient failures
	// (container creation, upload, quota read) before the job fails with
	// transient and `impress jobs retry` can take it from there.
	maxStepAttempts = 6
	// maxPublishAttempts bounds media_publish calls on one container.
	// Each call after the first is made only after the container and the
	// recent media showed that the previous one did not go live.
	maxPublishAttempts = 5
	// maxRecreate bounds new containers made after Meta failed one.
	maxRecreate = 2
	// publishCallTimeout bounds the media_publish call, which runs
	// detached from cancellation: cutting it short would only turn a
	// publish into an unconfirmed one.
	publishCallTimeout = 2 * time.Minute
	// afterTimeout bounds the best-effort work after publishing.
	afterTimeout = 2 * time.Minute
	// longestRateWait is the longest a step waits for Meta's rate-limit
	// estimate before giving up (transient).
	longestRateWait = time.Hour
)

// pubRun is one run of a publish job: the detail it advances and saves.
type pubRun struct {
	p     *publisher
	jp    *jobs.Progress
	id    uint64
	d     api.PublishDetail
	acct  *pubAccount
	t     pubTimings
	start string // the state the run started in
	// reserved is true while the run holds a quota reservation.
	reserved bool
	lastProg time.Time
}

// runJob is a publish job's JobFunc.
func (p *publisher) runJob(ctx context.Context, jp *jobs.Progress) error {
	j, err := p.s.DB.Job(jp.ID())
	if err != nil {
		return err
	}
	r := &pubRun{p: p, jp: jp, id: j.ID, t: p.s.pubTimings()}
	if err := json.Unmarshal(j.Detail, &r.d); err != nil {
		return api.Errorf(api.CodeInternal, "publish job %d: unreadable state: %v", j.ID, err)
	}
	r.start = r.d.State
	if r.d.WaitReason != "" {
		// It waited for its time (or was parked waiting); it runs now.
		noWait(&r.d)
		if err := r.save(); err != nil {
			return err
		}
	}
	defer r.unreserve()
	if err := r.run(ctx); err != nil {
		return r.failed(ctx, err)
	}
	return nil
}

func (r *pubRun) run(ctx context.Context) error {
	if r.d.State == api.PubFailed {
		resumeFrom(&r.d) // parked while it was failing
	}
	acct, err := r.p.account(ctx, r.d.Connection)
	if err != nil {
		if r.d.State == api.PubPublished {
			// The post is live; only the best-effort extras need the
			// account. A lost login must not turn it into a failure.
			r.note("permalink and first comment skipped: %s", shortErr(err))
			r.saveQuietly()
			return nil
		}
		return err
	}
	r.acct = acct
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row := states[r.d.State]
		if row.step == nil {
			return fmt.Errorf("publish job %d: unknown state %q", r.id, r.d.State)
		}
		if err := row.step(r, ctx); err != nil || row.last {
			return err
		}
	}
}

// save persists the detail (one fsynced bbolt commit). Every call to Meta
// happens after the save of the state it depends on.
func (r *pubRun) save() error {
	stage := r.d.State
	if r.d.WaitReason != "" {
		stage = "waiting"
	}
	if err := r.jp.SaveDetail(stage, r.d); err != nil {
		return fmt.Errorf("publish job %d: save state %s: %w", r.id, r.d.State, err)
	}
	return nil
}

func (r *pubRun) setState(st string) error {
	r.moveTo(st)
	noWait(&r.d)
	if err := r.save(); err != nil {
		return err
	}
	r.jp.Progress(api.JobEvent{Stage: st, Percent: percentOf(st)})
	return nil
}

func (r *pubRun) progress(ev api.JobEvent) {
	if ev.Job == nil && time.Since(r.lastProg) < 100*time.Millisecond && ev.Bytes != ev.Total {
		return
	}
	r.lastProg = time.Now()
	r.jp.Progress(ev)
}

func (r *pubRun) note(format string, args ...any) {
	r.d.Notes = append(r.d.Notes, r.p.s.RedactString(fmt.Sprintf(format, args...)))
}

func (r *pubRun) unreserve() {
	if r.reserved {
		r.p.quota.release(r.d.Connection)
		r.reserved = false
	}
}

// wait shows why the job is not moving and until when, then sleeps
// without its concurrency slot: other publishes (another account's, while
// this one's quota is used up) run meanwhile.
func (r *pubRun) wait(ctx context.Context, reason string, d time.Duration) error {
	until := r.p.s.Now().Add(d).UTC()
	r.d.WaitReason, r.d.WaitUntil = r.p.s.RedactString(reason), &until
	if err := r.save(); err != nil {
		return err
	}
	r.jp.Progress(api.JobEvent{Stage: "waiting", Percent: percentOf(r.d.State), Message: r.d.WaitReason, Until: &until})
	err := r.jp.Outside(ctx, func(ctx context.Context) error { return sleepCtx(ctx, d) })
	noWait(&r.d)
	return err
}

// noWait clears why (and until when) a job waited.
func noWait(d *api.PublishDetail) { d.WaitReason, d.WaitUntil = "", nil }

// call runs one Meta call of the account: it waits while the account is
// being paced, and paces the next calls when the answer's usage headers
// say 80 % or more.
func (r *pubRun) call(ctx context.Context, fn func(context.Context) error) error {
	if d := r.p.pace.delay(r.d.Connection, r.p.s.Now()); d > 0 {
		switch {
		case d > longestRateWait:
			return &api.Error{Code: api.CodeTransient,
				Message: fmt.Sprintf("Meta asked impress to leave this account alone for %s (rate limit)", d.Round(time.Minute)),
				Hint:    fmt.Sprintf("`impress jobs retry %d` resumes it from where it stopped once that time has passed", r.id)}
		case d >= time.Second:
			if err := r.wait(ctx, usageReason(d), d); err != nil {
				return err
			}
		default:
			if err := sleepCtx(ctx, d); err != nil {
				return err
			}
		}
	}
	err := fn(ctx)
	r.p.observeUsage(r.d.Connection, r.acct.Client, r.t.Slowdown)
	return err
}

// usageReason is why a job waits while its account is paced.
func usageReason(d time.Duration) string {
	return fmt.Sprintf("Meta's usage limit: the account is near an allowance, so its calls pause %s", d.Round(time.Second))
}

// retrying runs a call that Meta may fail for a while (transient errors,
// rate limits) with backoff; other errors return at once.
func (r *pubRun) retrying(ctx context.Context, what string, fn func(context.Context) error) error {
	for n := 0; ; n++ {
		err := r.call(ctx, fn)
		if err == nil {
			return nil
		}
		if c := meta.ClassOf(err); ctx.Err() != nil || !c.RetryLater() || c.MayHaveActed() || n+1 >= maxStepAttempts {
			return err
		}
		d := r.t.backoff(n)
		var me *meta.Error
		if errors.As(err, &me) && me.RetryAfter > d {
			if me.RetryAfter > longestRateWait {
				return err
			}
			d = me.RetryAfter
		}
		// A retry a moment later keeps the job's concurrency slot, as a
		// short pacing pause does: handing it over for a few milliseconds
		// would let a queued publish overtake this one (a batch published
		// one at a time would lose its order). A wait worth saying gives
		// the slot up.
		if d < time.Second {
			if werr := sleepCtx(ctx, d); werr != nil {
				return werr
			}
			continue
		}
		if werr := r.wait(ctx, fmt.Sprintf("%s: %s; trying again in %s", what, shortErr(err), d.Round(time.Millisecond)), d); werr != nil {
			return werr
		}
	}
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "meta: ")
}

// failed records how the job ended and returns the wire error. A job
// stopped by a cancel or a shutdown keeps its state as it is: the runner
// marks it cancelled or parks it, and a later run resumes from it.
func (r *pubRun) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	ae := r.apiError(err)
	if ae.Code == api.CodeUnconfirmed {
		r.moveTo(api.PubUnconfirmed)
	} else if r.d.State != api.PubFailed {
		r.d.Step = r.d.State
		r.moveTo(api.PubFailed)
	}
	noWait(&r.d)
	r.saveQuietly()
	return ae
}

func (r *pubRun) apiError(err error) *api.Error {
	var ae *api.Error
	if e, ok := api.AsError(err); ok {
		ae = &api.Error{Code: e.Code, Message: e.Message, Hint: e.Hint}
	} else if me := (*meta.Error)(nil); errors.As(err, &me) || errors.Is(err, meta.ErrInvalid) {
		e := r.p.s.accounts.MetaFail(r.d.Connection, err)
		ae = &api.Error{Code: e.Code, Message: e.Message, Hint: e.Hint}
	} else {
		ae = &api.Error{Code: api.CodeInternal, Message: r.p.s.RedactString(err.Error())}
	}
	retry := "`impress jobs retry " + strconv.FormatUint(r.id, 10) + "` resumes it"
	switch ae.Code {
	case api.CodeTransient:
		if ae.Hint == "" {
			ae.Hint = retry + " from where it stopped"
		}
	case api.CodeLoginNeeded:
		ae.Hint = strings.TrimSuffix(ae.Hint, ".") + ", then " + retry
	}
	return ae
}
