package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
)

// The toolchain check runs tools (ffmpeg and ffprobe several times over),
// so 500 concurrent GET /v1/health started ffmpeg children without bound
// and left them running after their clients had gone (issue 17). Now
// every request shares one toolchain check in flight, a finished one
// answers for healthTTL, and one nobody waits for any more is cancelled,
// which kills its tools (render.Check runs them under its context). The
// other features' checks only read state and run fresh on each request
// (a purge receipt verified a second ago must not be reported as not).

// healthTTL is how long a finished check answers later requests: doctor
// runs are seconds apart, a burst of requests is not.
const healthTTL = 5 * time.Second

// healthLimit bounds one check, whoever waits.
const healthLimit = 30 * time.Second

// healthShare is the shared check: at most one in flight, the last result.
type healthShare struct {
	// mu guards the fields. Lock order: a leaf (the check runs outside it).
	mu      sync.Mutex
	flight  *healthFlight
	last    []api.Check
	lastAt  time.Time
	version uint64 // bumped by invalidate: a check started before is not kept
}

type healthFlight struct {
	done    chan struct{}
	checks  []api.Check
	waiters int
	cancel  context.CancelFunc
}

// get returns run's checks: the cached ones when fresh, else
// those of the check in flight (started if none). When ctx ends first it
// returns ctx's error, and the check is cancelled if nobody else waits.
func (h *healthShare) get(ctx context.Context, run func(context.Context) []api.Check) ([]api.Check, error) {
	h.mu.Lock()
	if h.last != nil && time.Since(h.lastAt) < healthTTL {
		out := h.last
		h.mu.Unlock()
		return out, nil
	}
	f := h.flight
	if f == nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthLimit)
		f = &healthFlight{done: make(chan struct{}), cancel: cancel}
		h.flight = f
		version := h.version
		go func() {
			checks := run(fctx)
			ok := fctx.Err() == nil // a cancelled check is partial: not kept
			cancel()
			h.mu.Lock()
			f.checks = checks
			if h.flight == f {
				h.flight = nil
			}
			if ok && h.version == version {
				h.last, h.lastAt = checks, time.Now()
			}
			h.mu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	h.mu.Unlock()
	select {
	case <-f.done:
		return f.checks, nil
	case <-ctx.Done():
		h.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel() // nobody waits: stop the tools
			if h.flight == f {
				h.flight = nil // the next request starts afresh
			}
		}
		h.mu.Unlock()
		return nil, ctx.Err()
	}
}

// invalidate drops the cached result (the config changed: tool paths).
func (h *healthShare) invalidate() {
	h.mu.Lock()
	h.last, h.version = nil, h.version+1
	h.mu.Unlock()
}
