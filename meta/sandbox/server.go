package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Defaults applied by [New] to zero-valued [Options] fields.
const (
	DefaultAppID          = "990000000000001"
	DefaultAppSecret      = "sandbox_app_secret_6f2c1e9a0b7d4c3e"
	DefaultAppName        = "Impress Sandbox"
	DefaultVersion        = "v25.0"
	DefaultProcessingTime = 2 * time.Second
	DefaultPublishQuota   = 50
	DefaultPageSize       = 5
	DefaultMaxPageSize    = 10
	DefaultWebhookRetries = 4
	DefaultWebhookBackoff = time.Second
)

// DefaultRedirectURIs are registered for the sandbox app when
// [Options.RedirectURIs] is empty. They match impress's default
// meta.redirect_port (8788).
var defaultRedirectURIs = []string{"http://localhost:8788/callback", "http://127.0.0.1:8788/callback"}

// DefaultRedirectURIs returns the redirect URIs registered when
// [Options.RedirectURIs] is empty.
func DefaultRedirectURIs() []string { return append([]string(nil), defaultRedirectURIs...) }

// Options configures a [Server]. Zero values select the defaults noted on
// each field, so Options{} is a usable sandbox.
type Options struct {
	// Latency is added to every Meta call: Graph, token exchanges and
	// rupload (not to the authorize pages or the /_sandbox/ admin API).
	Latency time.Duration
	// FailRate is the probability (0..1) that a Meta call fails with a
	// transient error (code 1 → HTTP 500 or code 2 → HTTP 503,
	// is_transient true) before doing any work.
	FailRate float64
	// Seed drives every random choice (tokens, codes, shortcodes, trace ids,
	// injected failures). Sequential use with the same seed is reproducible.
	Seed int64
	// ProcessingTime is how long a container stays IN_PROGRESS after its
	// media is complete (URL fetched or upload finished). 0 selects
	// [DefaultProcessingTime]; a negative value means "finished at once".
	ProcessingTime time.Duration
	// AppID and AppSecret identify the one sandbox app. The same pair serves
	// as the Instagram app id/secret and the Meta app id/secret (the real
	// dashboard shows two different pairs). They sign webhooks and
	// signed_requests. Defaults: [DefaultAppID], [DefaultAppSecret].
	AppID, AppSecret string
	// AppName is shown by debug_token. Default [DefaultAppName].
	AppName string
	// RedirectURIs are the exact OAuth redirect URIs registered for the app
	// (strict matching, as Meta does). Default [DefaultRedirectURIs].
	RedirectURIs []string
	// WebhookURL receives signed webhook deliveries when comments or
	// messages are created. Empty disables deliveries.
	WebhookURL string
	// WebhookVerifyToken is sent by [Server.VerifyWebhook] as hub.verify_token.
	WebhookVerifyToken string
	// WebhookRetries bounds redelivery after a non-2xx answer or a transport
	// error (0 → [DefaultWebhookRetries], negative → no retry).
	WebhookRetries int
	// WebhookBackoff is the first retry delay, doubled each time
	// (0 → [DefaultWebhookBackoff]).
	WebhookBackoff time.Duration
	// WebhookFlat sends comment/mention webhooks in the flat
	// entry[].{field,value} form some IG-Login docs show, instead of
	// entry[].changes[] (docs/META.md §13, [UNVERIFIED]).
	WebhookFlat bool
	// RequireSubscription delivers webhooks for an account only after
	// POST /{ig-user-id}/subscribed_apps named the field, as Meta does.
	// Off by default so a fresh sandbox delivers everything.
	RequireSubscription bool
	// Clock returns the current time; the sandbox adds the offset set by
	// [Server.Advance]. Default time.Now.
	Clock func() time.Time
	// PublishQuota is content_publishing_limit's quota_total per rolling
	// 24 h. Default [DefaultPublishQuota] (50, per the media_publish
	// reference; the content publishing guide says 100, older docs 25).
	PublishQuota int
	// PageSize is the page length of list edges when the caller sends no
	// limit (default [DefaultPageSize]); MaxPageSize caps limit (default
	// [DefaultMaxPageSize]). Both are small so clients exercise pagination.
	PageSize, MaxPageSize int
	// IGResumable lets Instagram-Login tokens use upload_type=resumable.
	// Off by default: community reports say graph.instagram.com ignores it
	// and answers 100 "The parameter video_url is required" (docs/META.md §6).
	IGResumable bool
	// CheckVideo makes the sandbox inspect fetched/uploaded video bytes: an
	// MP4/MOV whose first box is not ftyp, or whose moov atom comes after
	// mdat (no fast start), ends in ERROR with subcode 2207026 in status.
	// The inspection result is always visible in [State] either way.
	CheckVideo bool
	// AppCallLimit is the number of calls per rolling hour that makes
	// X-App-Usage call_count reach 100 (default 10000). BUCCallLimit is the
	// per-account number per rolling 24 h for X-Business-Use-Case-Usage
	// (default 4800).
	AppCallLimit, BUCCallLimit int
	// HTTPClient sends webhooks, signed_requests and fetches loopback media
	// URLs. Default: a client with a 30 s timeout that does not follow
	// redirects (Meta's crawler does not either).
	HTTPClient *http.Client
}

// Server is the emulator. It is an [http.Handler] serving every Meta host's
// paths under one base URL plus the /_sandbox/ admin API. All state is in
// memory and guarded by one mutex; methods are safe for concurrent use.
type Server struct {
	opts   Options
	client *http.Client

	mu    sync.Mutex
	st    *state
	knobs knobs
	rng   *rand.Rand // tokens, codes, shortcodes
	fault *rand.Rand // injected failures, kept apart so knobs don't shift ids
	trace *rand.Rand // fbtrace_ids, kept apart so polling doesn't shift tokens
	skew  time.Duration

	bgMu     sync.Mutex     // orders bg.Add against Close's bg.Wait
	bg       sync.WaitGroup // webhook deliveries and media fetches
	bgClosed bool
	done     chan struct{}
	closed   sync.Once

	lnMu sync.Mutex
	hs   *http.Server
}

// knobs are the run-time fault and behaviour settings (see admin.go).
type knobs struct {
	Latency        time.Duration
	FailRate       float64
	ProcessingTime time.Duration
	PublishQuota   int
	UsagePct       int // forced usage percentage in headers, -1 = computed

	RateLimitCalls  int
	RateLimitCode   int
	RateLimitPct    int
	RateLimitRegain int

	FailContainers int
	FailStatus     string
	FailCode       int
	FailSubcode    int

	DropPublish     int
	DropUploadAfter int64 // <0: off

	DenyLogins int
	LoginIG    string // IG account id the authorize page logs in as
	LoginFB    string // FB user id the dialog logs in as

	IGResumable         bool
	CheckVideo          bool
	WebhookURL          string
	WebhookFlat         bool
	RequireSubscription bool
}

// New returns a sandbox seeded deterministically from opts.Seed.
func New(opts Options) *Server {
	orDefault(&opts.AppID, DefaultAppID)
	orDefault(&opts.AppSecret, DefaultAppSecret)
	orDefault(&opts.AppName, DefaultAppName)
	if len(opts.RedirectURIs) == 0 {
		opts.RedirectURIs = DefaultRedirectURIs()
	}
	defaultOrOff(&opts.ProcessingTime, DefaultProcessingTime)
	positiveOr(&opts.PublishQuota, DefaultPublishQuota)
	positiveOr(&opts.PageSize, DefaultPageSize)
	positiveOr(&opts.MaxPageSize, DefaultMaxPageSize)
	opts.PageSize = min(opts.PageSize, opts.MaxPageSize)
	defaultOrOff(&opts.WebhookRetries, DefaultWebhookRetries)
	positiveOr(&opts.WebhookBackoff, DefaultWebhookBackoff)
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	positiveOr(&opts.AppCallLimit, 10000)
	positiveOr(&opts.BUCCallLimit, 4800)
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{
			Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	s := &Server{opts: opts, client: client, done: make(chan struct{})}
	s.rng, s.fault, s.trace = newRNGs(opts.Seed)
	s.knobs = s.defaultKnobs()
	s.st = s.seed(s.opts.Clock())
	return s
}

// orDefault sets an unset (zero) option to its default.
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// positiveOr sets an option that is not above zero to its default.
func positiveOr[T ~int | ~int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// defaultOrOff reads an option where zero is the default and below zero
// turns the thing off (zero).
func defaultOrOff[T ~int | ~int64](v *T, def T) {
	switch {
	case *v == 0:
		*v = def
	case *v < 0:
		*v = 0
	}
}

// newRNGs returns the token stream, the fault stream and the trace-id
// stream for a seed. They are separate so that fault knobs and the number
// of (timing-dependent) polls do not change tokens or shortcodes.
func newRNGs(seed int64) (tokens, faults, traces *rand.Rand) {
	return rand.New(rand.NewPCG(uint64(seed), 0x5eed1d5)), rand.New(rand.NewPCG(uint64(seed), 0xfa17)),
		rand.New(rand.NewPCG(uint64(seed), 0x7ace))
}

func (s *Server) defaultKnobs() knobs {
	return knobs{
		Latency:             s.opts.Latency,
		FailRate:            s.opts.FailRate,
		ProcessingTime:      s.opts.ProcessingTime,
		PublishQuota:        s.opts.PublishQuota,
		UsagePct:            -1,
		DropUploadAfter:     -1,
		LoginIG:             IGCreatorID,
		LoginFB:             FBOwnerID,
		IGResumable:         s.opts.IGResumable,
		CheckVideo:          s.opts.CheckVideo,
		WebhookURL:          s.opts.WebhookURL,
		WebhookFlat:         s.opts.WebhookFlat,
		RequireSubscription: s.opts.RequireSubscription,
	}
}

// now is the sandbox clock: Options.Clock plus the [Server.Advance] offset.
// Callers hold s.mu or accept a racy read of skew (never: all callers lock).
func (s *Server) now() time.Time { return s.opts.Clock().Add(s.skew) }

// Now returns the sandbox's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// Advance moves the sandbox clock forward by d (tokens age, containers
// expire, DM windows close) without touching Options.Clock.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew += d
}

// AppID returns the sandbox app's id.
func (s *Server) AppID() string { return s.opts.AppID }

// AppSecret returns the sandbox app's secret (it signs webhooks and
// signed_requests).
func (s *Server) AppSecret() string { return s.opts.AppSecret }

// ListenAndServe listens on addr and serves until ctx is done, then shuts
// the listener down and calls [Server.Close]. It prints nothing; a nil
// error means ctx ended the server.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done (see [Server.ListenAndServe]). Use it
// to learn the bound address (ln.Addr) before serving.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("sandbox: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		s.Close()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("sandbox: shutdown: %w", err)
		}
		return nil
	}
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background
// until [Server.Close]. It returns the base URL, e.g. http://127.0.0.1:41234.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox: listen %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.lnMu.Lock()
	s.hs = hs
	s.lnMu.Unlock()
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops a server started by [Server.Start], cancels media fetches and
// pending webhook retries, and waits for them. It is safe to call twice.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.bgMu.Lock()
		s.bgClosed = true
		s.bgMu.Unlock()
		close(s.done)
	})
	s.lnMu.Lock()
	hs := s.hs
	s.hs = nil
	s.lnMu.Unlock()
	if hs != nil {
		_ = hs.Close()
	}
	s.bg.Wait()
}

// Compiled on first use rather than at package init, which every impress
// command would pay for.
var versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^v[0-9]+\.[0-9]+$`) })

// ServeHTTP routes a request. Every Meta host collapses into this one base
// URL with its own paths; collisions are resolved by the version prefix:
// unversioned POST /oauth/access_token is api.instagram.com's code
// exchange, /vNN.N/oauth/access_token is graph.facebook.com's.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/_sandbox/") || p == "/_sandbox":
		s.serveAdmin(w, r)
		return
	case p == "/" || p == "":
		s.serveIndex(w, r)
		return
	case p == "/oauth/authorize" || p == "/oauth/authorize/":
		s.igAuthorize(w, r)
		return
	case strings.HasPrefix(p, "/ig-api-upload/"):
		s.rupload(w, r)
		return
	}
	segs := splitPath(p)
	version := ""
	if len(segs) > 0 && versionRE().MatchString(segs[0]) {
		version, segs = segs[0], segs[1:]
	}
	if len(segs) == 2 && segs[0] == "dialog" && segs[1] == "oauth" {
		s.fbDialog(w, r)
		return
	}
	if !s.sleep(r) {
		return
	}
	if version == "" && len(segs) == 2 && segs[0] == "oauth" && segs[1] == "access_token" {
		s.igCodeExchange(w, r)
		return
	}
	c := s.newCall(w, r, version, segs)
	s.serveGraph(c)
}

// sleep applies the latency knob; false when the client went away.
func (s *Server) sleep(r *http.Request) bool {
	s.mu.Lock()
	d := s.knobs.Latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "impress Meta sandbox (offline Graph API emulator)\napp_id=%s version=%s\nstate: GET /_sandbox/state\n",
		s.opts.AppID, DefaultVersion)
}

// goBackground runs fn on a goroutine tracked by Close and reports
// whether it started (false once the server is closed). The context ends
// when the server is closed; it is the server's lifetime, not a request's,
// because deliveries and fetches outlive the request that caused them.
func (s *Server) goBackground(fn func(ctx context.Context)) bool {
	s.bgMu.Lock()
	if s.bgClosed {
		s.bgMu.Unlock()
		return false
	}
	s.bg.Add(1)
	s.bgMu.Unlock()
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-stop:
			}
		}()
		fn(ctx)
	}()
	return true
}
