package publish

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta"
)

// pubTimings are the publish waits, from the settings (publish.*), so that
// tests run the real code with short waits.
type pubTimings struct {
	PollInitial, PollMax, PollTimeout time.Duration
	RetryDelay                        time.Duration
	QuotaRecheck                      time.Duration
	Slowdown                          time.Duration
}

func (s *Service) pubTimings() pubTimings {
	st := s.Settings()
	return pubTimings{
		PollInitial:  st.Duration(config.PublishPollInterval),
		PollMax:      st.Duration(config.PublishPollMax),
		PollTimeout:  st.Duration(config.PublishPollTimeout),
		RetryDelay:   st.Duration(config.PublishRetryDelay),
		QuotaRecheck: st.Duration(config.PublishQuotaRecheck),
		Slowdown:     st.Duration(config.PublishSlowdown),
	}
}

// backoff is the wait before attempt n+1 (n from 0): doubling from
// RetryDelay, capped at PollMax.
func (t pubTimings) backoff(n int) time.Duration {
	d := t.RetryDelay
	for i := 0; i < n && d < t.PollMax; i++ {
		d *= 2
	}
	return min(d, max(t.PollMax, t.RetryDelay))
}

// quotaGate keeps concurrent publishes of one account from all passing a
// quota check that has room for only some of them: between its check and
// its media_publish a job holds a reservation.
type quotaGate struct {
	mu       sync.Mutex // guards reserved; a leaf
	reserved map[string]int
}

func newQuotaGate() *quotaGate { return &quotaGate{reserved: map[string]int{}} }

// reserve takes one post of the account's rolling quota, or reports that
// none is left (counting the other reservations).
func (g *quotaGate) reserve(conn string, lim meta.PublishingLimit) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if lim.QuotaTotal > 0 && lim.QuotaUsage+g.reserved[conn] >= lim.QuotaTotal {
		return false
	}
	g.reserved[conn]++
	return true
}

func (g *quotaGate) release(conn string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reserved[conn] > 0 {
		g.reserved[conn]--
	}
}

// pacer spaces the Meta calls of an account while its usage headers say
// 80 % or more of an allowance is used (docs/META.md §9):
// every call of that account waits until the pause has passed.
type pacer struct {
	mu    sync.Mutex // guards until; a leaf
	until map[string]time.Time
}

func newPacer() *pacer { return &pacer{until: map[string]time.Time{}} }

// delay is how long the account must wait before its next call.
func (p *pacer) delay(conn string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.until[conn].Sub(now), 0)
}

// wait blocks until the account may call again.
func (p *pacer) wait(ctx context.Context, conn string, now func() time.Time) error {
	if d := p.delay(conn, now()); d > 0 {
		return sleepCtx(ctx, d)
	}
	return nil
}

// observe records the usage seen after a call. Above 80 % calls are spaced
// by base, above 95 % by four times base; Meta's own estimate of when
// access comes back wins when it is longer.
func (p *pacer) observe(conn string, u meta.Usage, base time.Duration, now time.Time) (time.Duration, bool) {
	if u.IsZero() || !u.High() {
		return 0, false
	}
	d := base
	if u.Max() >= 95 {
		d = 4 * base
	}
	d = max(d, u.RegainAccess())
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := now.Add(d); t.After(p.until[conn]) {
		p.until[conn] = t
	}
	return d, true
}

// observeUsage feeds the usage headers of a connection's last answer to
// the pacer.
func (p *publisher) observeUsage(conn string, cl *meta.Client, base time.Duration) {
	if d, slow := p.pace.observe(conn, cl.LastUsage(), base, p.s.Now()); slow {
		p.s.Log.Info("Meta usage high; pacing calls", "connection", conn, "usage", cl.LastUsage().Max(), "pause", d)
	}
}

// paced wraps the calls of a connection made outside a publish job (the
// reconciliation listing, one call per page) in the same pacing as a job's
// calls: each waits while the account is paced, and its answer's usage
// headers pace the calls after it.
func (p *publisher) paced(conn string, cl *meta.Client) func(context.Context, func(context.Context) error) error {
	base := p.s.pubTimings().Slowdown
	return func(ctx context.Context, call func(context.Context) error) error {
		if d := p.pace.delay(conn, p.s.Now()); d > longestRateWait {
			return &api.Error{Code: api.CodeTransient,
				Message: fmt.Sprintf("Meta asked impress to leave this account alone for %s (rate limit)", d.Round(time.Minute)),
				Hint:    "run it again once that time has passed"}
		} else if d > 0 {
			if err := sleepCtx(ctx, d); err != nil {
				return err
			}
		}
		err := call(ctx)
		p.observeUsage(conn, cl, base)
		return err
	}
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
