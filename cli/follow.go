package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
)

// Following a job across daemon restarts. A daemon that stops (`impress
// daemon stop`, an upgrade, a crash) parks its running jobs and resumes
// them when it starts again; publish, render, validate and jobs wait keep
// following them: they bring the daemon back (auto-start, unless it is
// off) and watch the job on to its end, instead of failing a batch whose
// jobs were only parked.

// followRetries bounds the reconnections in a row that bring no news of
// the job; news (any event) starts the count again.
const followRetries = 8

// followBackoff is the first wait before a reconnection, doubled up to
// followBackoffMax: with 8 retries about 20 s in all, longer than a
// daemon takes to park its jobs and let go of its store. Variables so
// that a test of the give-up path need not wait that long.
var (
	followBackoff    = 200 * time.Millisecond
	followBackoffMax = 5 * time.Second
)

// followJob follows job id to its end, drawing progress on stderr, and
// returns the final job; a job that failed returns its error (with its
// exit code). A daemon that goes away meanwhile is brought back and the
// watch goes on; Ctrl-C cancels the job so nothing half-done is left.
func followJob(ctx context.Context, o *baseOptions, c *api.Client, id, progress string) (*api.Job, error) {
	bar := newProgressBar(o.IO, progress)
	defer bar.Done()
	failures, backoff := 0, followBackoff
	said := false
	for {
		var final *api.Job
		news := false
		err := c.WatchJob(ctx, id, func(ev api.JobEvent) error {
			news = true
			bar.Update(ev)
			if ev.Job != nil {
				final = ev.Job
			}
			return nil
		})
		if ctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c.CancelJob(cctx, id)
			cancel()
			return nil, ctx.Err()
		}
		if err == nil && final == nil {
			// The stream ended without the job's end: ask for it.
			final, err = c.Job(ctx, id)
		}
		switch {
		case err == nil && final.Terminal():
			if final.Error != nil {
				return final, final.Error
			}
			return final, nil
		case err != nil && !lostDaemon(err):
			return final, err // the job's own answer (not found, …)
		}
		// The daemon went away (err), or the stream ended on a job that is
		// not over: the daemon is stopping and parked it.
		if news {
			failures, backoff = 0, followBackoff
		}
		if failures++; failures > followRetries {
			if err == nil {
				err = errors.New("the daemon keeps ending the watch before the job ends")
			}
			return final, exitf(ExitTransient, "job %s: %w while following it (%v); it resumes when the daemon runs: `impress jobs wait %s` follows it again", id, errLostWatch, err, id)
		}
		if !said {
			bar.Done()
			fmt.Fprintf(o.IO.ErrOut, "the daemon stopped while job %s ran; it resumes the job when it is back: reconnecting…\n", id)
			said = true
		}
		select {
		case <-ctx.Done():
			continue // the top of the loop cancels the job
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, followBackoffMax)
		if o.Revive != nil {
			if rerr := o.Revive(ctx); rerr != nil && ctx.Err() == nil {
				// Not back yet (the old daemon may still hold the store):
				// the next round tries again.
				continue
			}
		}
	}
}

// errLostWatch marks followJob giving up on a daemon that did not come
// back: what the job did meanwhile is not known (publish makes that exit 7).
var errLostWatch = errors.New("lost the daemon")

// lostDaemon tells a broken watch (the daemon stopped, the connection
// dropped) from an answer of the daemon.
func lostDaemon(err error) bool {
	if errors.Is(err, api.ErrDaemonNotRunning) {
		return true
	}
	_, isAPI := api.AsError(err)
	return !isAPI && !errors.Is(err, context.Canceled)
}

// submitAgain sends a request that found no daemon once more, after
// bringing the daemon back: for a request that never reached it, or one
// the daemon answers the same way twice (a publish without --force is
// found again by its key). Other errors are returned as they are.
func submitAgain[R any](ctx context.Context, o *baseOptions, idempotent bool, send func() (R, error)) (R, error) {
	r, err := send()
	backoff := followBackoff
	for try := 0; err != nil && try < followRetries && ctx.Err() == nil; try++ {
		if !errors.Is(err, api.ErrDaemonNotRunning) && !(idempotent && lostDaemon(err)) {
			break
		}
		select {
		case <-ctx.Done():
			return r, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, followBackoffMax)
		if o.Revive != nil {
			if rerr := o.Revive(ctx); rerr != nil {
				continue
			}
		}
		r, err = send()
	}
	return r, err
}
