package privacy

// The privacy feature's in-memory state: the purge lock, the worker's
// wake-up, progress subscribers, failures and the purges' secrets.

import (
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
)

// privacyState is the feature's state. Its zero value is ready.
type privacyState struct {
	// run lets one purge or sweep run at a time. Lock order: the
	// outermost lock of the daemon, taken with no other held; under it a
	// purge or sweep takes mu, the auth state lock (keys), the job
	// runner's lock (cancelling the jobs it covers), the log file's lock
	// (rewrites) and the store's, and a purge's revoke step calls Meta,
	// bounded by revokeTimeout.
	run sync.Mutex

	// mu guards the fields below. Lock order: taken under run or alone;
	// a leaf (crashHook releases it before calling the hook, and progress
	// sends under it never block).
	mu      sync.Mutex
	wake    chan struct{}
	subs    map[chan api.PurgeEvent]string // subscriber → code
	failed  map[string]error               // purges that stopped on an error
	secrets map[string]*purgeSecret
	// scanners are built once per purge: 100,000 identifiers take a
	// moment, and the log rewrite and the scan both need one.
	scanners map[string]*scanner

	// Test seams.
	hook       func(step string, saved bool) error // called around each step; an error stops the purge as a crash would
	sweepEvery time.Duration                       // default 1 h
}

func (p *privacyState) crashHook(step string, saved bool) error {
	p.mu.Lock()
	h := p.hook
	p.mu.Unlock()
	if h == nil {
		return nil
	}
	return h(step, saved)
}

func (p *privacyState) setSecret(code string, sec *purgeSecret) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.scanners, code)
	if sec == nil {
		delete(p.secrets, code)
		return
	}
	if p.secrets == nil {
		p.secrets = map[string]*purgeSecret{}
	}
	p.secrets[code] = sec
}

// scannerFor returns the purge's scanner, built on first use.
func (p *privacyState) scannerFor(code string, sec *purgeSecret) *scanner {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sc := p.scanners[code]; sc != nil {
		return sc
	}
	sc := newScanner(sec.IDs)
	if p.scanners == nil {
		p.scanners = map[string]*scanner{}
	}
	p.scanners[code] = sc
	return sc
}

func (p *privacyState) secret(code string) *purgeSecret {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.secrets[code]
}

func (p *privacyState) wakeChan() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	return p.wake
}

// kick tells the worker there is a purge to run.
func (p *privacyState) kick() {
	select {
	case p.wakeChan() <- struct{}{}:
	default:
	}
}

func (p *privacyState) subscribe(code string) (chan api.PurgeEvent, func()) {
	ch := make(chan api.PurgeEvent, 16)
	p.mu.Lock()
	if p.subs == nil {
		p.subs = map[chan api.PurgeEvent]string{}
	}
	p.subs[ch] = code
	p.mu.Unlock()
	return ch, func() {
		p.mu.Lock()
		delete(p.subs, ch)
		p.mu.Unlock()
	}
}

func (p *privacyState) publish(ev api.PurgeEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch, code := range p.subs {
		if code != ev.Code {
			continue
		}
		select {
		case ch <- ev:
		default: // a slow reader misses a step, never the end (it re-reads)
		}
	}
}

func (p *privacyState) setFailed(code string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = map[string]error{}
	}
	if err == nil {
		delete(p.failed, code)
	} else {
		p.failed[code] = err
	}
}

func (p *privacyState) failure(code string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed[code]
}
