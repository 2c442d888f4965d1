package community

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/shell"
)

// The public endpoint: the daemon's optional second listener
// (daemon.public_listen), reached by Meta through the user's HTTPS tunnel
// or reverse proxy at daemon.public_url. It is a separate http.Server with
// its own mux holding ONLY the routes below; the local API is never mounted
// on it. Hardening (docs/SECURITY.md §3): header/read/write/idle timeouts,
// a body cap per route, a per-IP token bucket, exact content types, no
// directory listing (nothing here serves a directory), and defensive
// headers on every answer.
//
// Routes served by other features are registered with
// [Service.HandlePublic] using the routes of package public; until a
// feature registers its handler the route answers 404 (GET pages) or 503
// (Meta's data-deletion POST, so Meta retries later instead of seeing
// "gone"). Registration may happen before or after the listener starts:
// handlers are looked up per request.

// Routes of this file's feature.
const (
	publicWebhookGet   = "GET /webhooks/meta"
	publicWebhookPost  = "POST /webhooks/meta"
	publicDeauthorize  = "POST /meta/deauthorize"
	maxWebhookBody     = 1 << 20 // Meta batches ≤ 1000 small updates
	maxSmallBody       = 16 << 10
	publicMediaWrite   = 15 * time.Minute // a 300 MB reel over a slow tunnel
	publicRate         = 10.0             // tokens per second per client IP
	publicBurst        = 40.0
	publicLimiterSlots = 4096
)

// HandlePublic registers another feature's handler for one of the routes
// of package public. It panics on any other pattern: the set of public
// routes is fixed (docs/SECURITY.md §3), and a new one must be added here
// deliberately.
func (s *Service) HandlePublic(route string, h http.Handler) {
	switch route {
	case public.DataDeletion, public.DeletionStatus, public.Media:
	default:
		panic("daemon: " + route + " is not a public route")
	}
	c := &s.comm
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.publicHandlers == nil {
		c.publicHandlers = map[string]http.Handler{}
	}
	c.publicHandlers[route] = h
}

func (s *Service) publicHandler(route string) http.Handler {
	c := &s.comm
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.publicHandlers[route]
}

// PublicHandler is the public endpoint's whole handler (exported for
// tests and for anyone embedding the daemon behind their own listener).
func (s *Service) PublicHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(publicWebhookGet, s.capBody(0, http.HandlerFunc(s.webhookVerify)))
	mux.Handle(publicWebhookPost, s.capBody(maxWebhookBody, http.HandlerFunc(s.webhookReceive)))
	mux.Handle(publicDeauthorize, s.capBody(maxSmallBody, http.HandlerFunc(s.deauthorize)))
	mux.Handle(public.DataDeletion, s.capBody(maxSmallBody, s.delegated(public.DataDeletion, http.StatusServiceUnavailable)))
	mux.Handle(public.DeletionStatus, s.capBody(0, s.delegated(public.DeletionStatus, http.StatusNotFound)))
	mux.Handle(public.Media, s.capBody(0, s.mediaDeadline(s.delegated(public.Media, http.StatusNotFound))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		public.Error(w, http.StatusNotFound, "not found")
	})
	limiter := newIPLimiter(publicRate, publicBurst, publicLimiterSlots, time.Now)
	return s.publicHarden(limiter, mux)
}

func (s *Service) delegated(route string, missing int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := s.publicHandler(route)
		if h == nil {
			public.Error(w, missing, http.StatusText(missing))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// mediaDeadline lifts the server's write timeout for media downloads only.
func (s *Service) mediaDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(publicMediaWrite))
		next.ServeHTTP(w, r)
	})
}

// capBody limits a route's body; max 0 means the route takes none.
func (s *Service) capBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			public.Error(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// publicHarden wraps every public answer: defensive headers, per-IP rate
// limit, panic recovery, and a log line without query strings (a
// verification GET carries the verify token in its query).
func (s *Service) publicHarden(limiter *ipLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		ip := clientIP(r, s.trustedProxies())
		if !limiter.allow(ip) {
			h.Set("Retry-After", "1")
			public.Error(w, http.StatusTooManyRequests, "slow down")
			s.Log.Warn("public endpoint rate limit", "path", r.URL.Path)
			return
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("public handler panic", "path", r.URL.Path, "panic", v)
				public.Error(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address the rate limit counts: the peer's, unless the
// peer is one of the configured proxies (daemon.trusted_proxies: the
// tunnel or reverse proxy in front of the listener). Then it is the first
// X-Forwarded-For hop from the right that is not itself a trusted proxy
// (each proxy appends the address it saw; hops to the left of it come from
// the client and can be forged), or, without that header,
// CF-Connecting-IP (cloudflared). With no proxies configured, headers are
// never believed: anyone could send them.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(peer, trusted) {
		return host
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				return host // a hop we cannot read: believe nothing left of it
			}
			if !isTrusted(a, trusted) {
				return a.Unmap().String()
			}
		}
		return host
	}
	if v := strings.TrimSpace(r.Header.Get("CF-Connecting-IP")); v != "" {
		if a, err := netip.ParseAddr(v); err == nil {
			return a.Unmap().String()
		}
	}
	return host
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseProxies reads daemon.trusted_proxies: CIDRs, or single addresses
// (a /32 or /128). Entries that are neither are returned apart, for
// doctor and the log; the rest still apply.
func parseProxies(list []string) (out []netip.Prefix, bad []string) {
	for _, v := range list {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			bad = append(bad, v)
		}
	}
	return out, bad
}

// trustedProxies is daemon.trusted_proxies, parsed once per value (the
// settings may change on reload).
func (s *Service) trustedProxies() []netip.Prefix {
	raw := s.Settings().Strings(config.DaemonTrustedProxies)
	key := strings.Join(raw, ",")
	c := &s.comm
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proxiesKey != key || c.proxies == nil {
		var bad []string
		c.proxies, bad = parseProxies(raw)
		if c.proxies == nil {
			c.proxies = []netip.Prefix{}
		}
		c.proxiesKey = key
		if len(bad) > 0 {
			s.Log.Warn("daemon.trusted_proxies: entries that are not addresses or CIDRs are ignored", "entries", strings.Join(bad, ","))
		}
	}
	return c.proxies
}

// ipLimiter is a token bucket per client IP. The table is bounded: when it
// is full, buckets that have refilled completely (idle clients) are
// dropped, and if none has, the new client shares a catch-all bucket, so a
// flood of source addresses cannot grow memory.
type ipLimiter struct {
	mu      sync.Mutex // guards buckets; a leaf
	rate    float64
	burst   float64
	max     int
	now     func() time.Time
	buckets map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func newIPLimiter(rate, burst float64, max int, now func() time.Time) *ipLimiter {
	return &ipLimiter{rate: rate, burst: burst, max: max, now: now, buckets: map[string]*tokenBucket{}}
}

func (l *ipLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		if len(l.buckets) >= l.max {
			ip = "overflow"
			b = l.buckets[ip]
		}
		if b == nil {
			b = &tokenBucket{tokens: l.burst, last: now}
			l.buckets[ip] = b
		}
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *ipLimiter) evict(now time.Time) {
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, ip)
		}
	}
}

// publicListener is the running public endpoint.
type publicListener struct {
	addr string
	srv  *http.Server
	done chan struct{}
}

// startPublic opens daemon.public_listen when it is set; lifeMu is held.
// A failure to listen is logged and reported by doctor, not fatal: the
// local API and everything else keep working without webhooks.
func (s *Service) startPublic(ctx context.Context) {
	addr := strings.TrimSpace(s.Settings().String(config.DaemonPublicListen))
	s.comm.publicWant = addr
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	c := &s.comm
	if err != nil {
		c.mu.Lock()
		c.publicErr = fmt.Errorf("listen on %s: %w", addr, err)
		c.mu.Unlock()
		s.Log.Error("public endpoint not started", "addr", addr, "err", err)
		return
	}
	srv := &http.Server{
		Handler:           s.PublicHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	pl := &publicListener{addr: ln.Addr().String(), srv: srv, done: make(chan struct{})}
	c.mu.Lock()
	c.public, c.publicErr = pl, nil
	c.mu.Unlock()
	go func() {
		defer close(pl.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("public endpoint stopped", "err", err)
		}
	}()
	s.Log.Info("public endpoint listening", "addr", pl.addr, "url", s.Settings().String(config.DaemonPublicURL))
}

// stop shuts the listener down and waits for it.
func (pl *publicListener) stop(ctx context.Context) {
	if err := pl.srv.Shutdown(ctx); err != nil {
		pl.srv.Close()
	}
	<-pl.done
}

// PublicAddr is the public listener's bound address ("" when it is off).
func (s *Service) PublicAddr() string {
	c := &s.comm
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.public == nil {
		return ""
	}
	return c.public.addr
}

// publicHealth is doctor's view of the public endpoint. Its fixes are
// commands that work as printed (a test runs them): a port suggested is
// free now, and `config set` moves the listener without a restart.
func (s *Service) publicHealth() []api.Check {
	st := s.Settings()
	listen := strings.TrimSpace(st.String(config.DaemonPublicListen))
	if listen == "" {
		return []api.Check{{Name: "public endpoint", Status: "OK", Detail: "off (daemon.public_listen is not set): no webhooks, comments and DMs are read by polling",
			Fix: "to receive webhooks: `impress config set daemon.public_listen " + freeLoopback(defaultPublicPort) + "`, then give daemon.public_url " +
				"the HTTPS address your tunnel or proxy forwards to it (README \"Public endpoint\")"}}
	}
	c := &s.comm
	c.mu.Lock()
	addr, lerr := "", c.publicErr
	if c.public != nil {
		addr = c.public.addr
	}
	c.mu.Unlock()
	var out []api.Check
	if lerr != nil {
		out = append(out, api.Check{Name: "public endpoint", Status: "FAIL", Detail: lerr.Error(),
			Fix: "free the port and run `impress config set daemon.public_listen " + shell.Quote(listen) + "` again, " +
				"or take a free one: `impress config set daemon.public_listen " + freeLoopback(defaultPublicPort) + "` (and point your tunnel at it)"})
	} else {
		out = append(out, api.Check{Name: "public endpoint", Status: "OK", Detail: "listening on " + addr})
		if ap, err := netip.ParseAddrPort(addr); err == nil && !ap.Addr().IsLoopback() {
			out = append(out, api.Check{Name: "public endpoint", Status: "WARN", Detail: "plain HTTP on " + addr + " (not loopback)",
				Fix: "`impress config set daemon.public_listen 127.0.0.1:" + strconv.Itoa(int(ap.Port())) + "` and let cloudflared or caddy terminate HTTPS in front of it"})
		}
	}
	if _, bad := parseProxies(st.Strings(config.DaemonTrustedProxies)); len(bad) > 0 {
		out = append(out, api.Check{Name: "trusted proxies", Status: "FAIL",
			Detail: fmt.Sprintf("daemon.trusted_proxies has entries that are not addresses or CIDRs: %s (ignored)", strings.Join(bad, ", ")),
			Fix:    "`impress config set daemon.trusted_proxies 127.0.0.1/32,::1/128` (the address of your tunnel or proxy)"})
	} else if ap, err := netip.ParseAddrPort(addr); err == nil && ap.Addr().IsLoopback() && len(st.Strings(config.DaemonTrustedProxies)) == 0 {
		out = append(out, api.Check{Name: "trusted proxies", Status: "OK",
			Detail: "daemon.trusted_proxies is not set: the rate limit counts everyone behind a local tunnel or proxy as one client",
			Fix:    "if cloudflared or caddy runs on this machine: `impress config set daemon.trusted_proxies 127.0.0.1/32,::1/128`"})
	}
	pub := st.String(config.DaemonPublicURL)
	if u, err := url.Parse(pub); pub == "" || err != nil || u.Scheme != "https" || u.Host == "" {
		// No command: only the user knows their tunnel's address.
		out = append(out, api.Check{Name: "public url", Status: "WARN", Detail: fmt.Sprintf("daemon.public_url %q is not an https:// URL", pub),
			Fix: "give daemon.public_url (impress config set) the HTTPS address of your tunnel or proxy; Meta refuses plain HTTP and self-signed certificates"})
	}
	if st.String(config.MetaAppSecret) == "" {
		out = append(out, api.Check{Name: "webhooks", Status: "FAIL", Detail: "meta.app_secret is not set: deliveries cannot be verified and are refused (503)",
			Fix: "`printf '%s' \"$APP_SECRET\" | impress config set meta.app_secret -` with APP_SECRET your app's secret (App settings, Basic), or set IMPRESS_META_APP_SECRET"})
	}
	if st.String(config.MetaWebhookVerify) == "" {
		out = append(out, api.Check{Name: "webhooks", Status: "WARN", Detail: "meta.webhook_verify_token is not set: Meta's subscription handshake is refused",
			Fix: "`impress config set meta.webhook_verify_token --generate`, then enter the token it prints as the Verify Token in your app's webhook settings"})
	}
	return out
}

// defaultPublicPort is the public endpoint port the README uses.
const defaultPublicPort = 8787

// freeLoopback is a loopback address to suggest for the public endpoint:
// the usual port when it is free, else one the system hands out now.
func freeLoopback(port int) string {
	for _, a := range []string{"127.0.0.1:" + strconv.Itoa(port), "127.0.0.1:0"} {
		if ln, err := net.Listen("tcp", a); err == nil {
			addr := ln.Addr().String()
			ln.Close()
			return addr
		}
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}
