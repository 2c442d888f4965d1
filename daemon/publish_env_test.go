package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// Test environment of the publish feature: a Server with a real store and
// job runner on a unix socket, its public listener on loopback, and a
// sandbox behind a gateProxy that can hold chosen requests.

// fastPublish are the publish.* settings that make tests quick: the code
// paths are the real ones, only the waits are short.
var fastPublish = map[string]string{
	"IMPRESS_PUBLISH_POLL_INTERVAL": "10ms",
	"IMPRESS_PUBLISH_POLL_MAX":      "40ms",
	"IMPRESS_PUBLISH_POLL_TIMEOUT":  "20s",
	"IMPRESS_PUBLISH_RETRY_DELAY":   "5ms",
	"IMPRESS_PUBLISH_QUOTA_RECHECK": "20ms",
	"IMPRESS_PUBLISH_SLOWDOWN":      "20ms",
}

type pubEnv struct {
	t      *testing.T
	s      *Server
	c      *api.Client
	sb     *sandbox.Server
	proxy  *gateProxy
	metaHS *httptest.Server
	env    map[string]string
	log    *daemontest.SyncBuffer
	dir    string
}

type pubOpts struct {
	flavour     string // instagram (default) or facebook
	concurrency int
	processing  time.Duration // sandbox ProcessingTime (default: at once)
	latency     time.Duration
	noPublic    bool // no public endpoint
}

func newPubEnv(t *testing.T, o pubOpts) *pubEnv {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file")
	proc := o.processing
	if proc == 0 {
		proc = -1
	}
	sb := sandbox.New(sandbox.Options{Seed: 11, ProcessingTime: proc, Latency: o.latency})
	proxy := &gateProxy{h: sb}
	metaHS := httptest.NewServer(proxy)
	t.Cleanup(func() { metaHS.Close(); sb.Close() })

	e := &pubEnv{t: t, sb: sb, proxy: proxy, metaHS: metaHS, log: &daemontest.SyncBuffer{}, dir: t.TempDir()}
	e.env = map[string]string{
		"IMPRESS_META_ENDPOINT":   metaHS.URL,
		"IMPRESS_META_APP_ID":     sb.AppID(),
		"IMPRESS_META_APP_SECRET": sb.AppSecret(),
	}
	for k, v := range fastPublish {
		e.env[k] = v
	}
	if o.concurrency > 0 {
		e.env["IMPRESS_PUBLISH_CONCURRENCY"] = strconv.Itoa(o.concurrency)
	}
	db, err := store.Open(filepath.Join(e.dir, "data", "impress.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	red := &redact.Redactor{}
	s := newServer(Config{Paths: config.Paths{DataDir: filepath.Join(e.dir, "data"), StateDir: filepath.Join(e.dir, "state")}, Now: time.Now, Version: "test"},
		nil, feature.Deps{DB: db, Red: red, Log: logx.NewLogger(e.log, red, -4)}, serverOptions{})
	e.s = s
	if !o.noPublic {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.env["IMPRESS_DAEMON_PUBLIC_LISTEN"] = ln.Addr().String()
		e.env["IMPRESS_DAEMON_PUBLIC_URL"] = "http://" + ln.Addr().String()
		pub := &http.Server{Handler: s.community.PublicHandler()}
		go pub.Serve(ln)
		t.Cleanup(func() { pub.Close() })
	}
	s.settings = e.settings()
	handler := s.Handler()
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.startPublish(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
		defer c2()
		s.Jobs.ParkAll(sctx)
	})

	e.c = daemontest.ServeUnix(t, handler)

	switch o.flavour {
	case "facebook":
		e.login(sandbox.TokenRequest{Flavour: "facebook"}, "main", sandbox.IGCreatorID)
	default:
		e.login(sandbox.TokenRequest{Flavour: "instagram"}, "main", "")
	}
	return e
}

func (e *pubEnv) settings() *config.Settings {
	st, err := config.Load(config.LoadOptions{File: filepath.Join(e.dir, "none.yaml"),
		Env: func(k string) string { return e.env[k] }})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *pubEnv) login(req sandbox.TokenRequest, conn, account string) {
	e.t.Helper()
	tok, err := e.sb.IssueToken(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.c.LoginWithToken(e.t.Context(), api.TokenLogin{Connection: conn, Token: tok, Account: account, Flavor: req.Flavour}); err != nil {
		e.t.Fatalf("login: %v", err)
	}
}

// publish submits a request and fails the test on a refusal.
func (e *pubEnv) publish(req api.PublishRequest) *api.PublishResult {
	e.t.Helper()
	res, err := e.c.Publish(e.t.Context(), req)
	if err != nil {
		e.t.Fatalf("publish: %v", err)
	}
	return res
}

// wait follows a job to its end.
func (e *pubEnv) wait(id string) *api.Job {
	e.t.Helper()
	return waitJobEnd(e.t, e.c, id, 60*time.Second)
}

func waitJobEnd(t *testing.T, c *api.Client, id string, limit time.Duration) *api.Job {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j, err := c.Job(t.Context(), id)
		if err == nil && j.Terminal() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end within %s: %+v (err %v)", id, limit, j, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func detailOf(t *testing.T, j *api.Job) *api.PublishDetail {
	t.Helper()
	d := api.PublishDetailOf(j)
	if d == nil {
		t.Fatalf("job %s has no publish detail: %s", j.ID, j.Detail)
	}
	return d
}

// published counts the sandbox's media_publish results: the witness of
// exactly-once.
func (e *pubEnv) published() []sandbox.Media { return e.sb.Published() }

// reelClip makes a file that meets the reel rules as it is: H.264
// yuv420p, AAC 48 kHz 128 kb/s, moov first, no edit list, 3 s.
func reelClip(t *testing.T, dir, name string, dur time.Duration) string {
	t.Helper()
	ffmpegtest.Require(t)
	path := filepath.Join(dir, name)
	secs := fmt.Sprintf("%.3f", dur.Seconds())
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration="+secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs,
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-g", "60", "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
		"-movflags", "+faststart", "-use_editlist", "0", "-shortest", "file:"+path)
	return path
}

// gateProxy sits between the daemon and the sandbox. A gate holds the
// first request that matches it — before the sandbox sees it, or after
// the sandbox acted with the answer held back — until the test releases
// it or the client goes away (a killed daemon).
type gateProxy struct {
	h     http.Handler
	mu    sync.Mutex
	gates []*gate
	// failGET, when set, answers matching GETs with a transport-level
	// failure (the connection is cut).
	failGET func(r *http.Request) bool
}

type gate struct {
	method string
	match  func(r *http.Request) bool
	after  bool // forward first, hold the answer
	hit    chan struct{}
	open   chan struct{}
	once   sync.Once
	used   bool
}

// hold adds a gate for the first request of method that satisfies match.
func (p *gateProxy) hold(method string, after bool, match func(*http.Request) bool) *gate {
	g := &gate{method: method, match: match, after: after, hit: make(chan struct{}), open: make(chan struct{})}
	p.mu.Lock()
	p.gates = append(p.gates, g)
	p.mu.Unlock()
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// waitHit waits until a request reached the gate.
func (g *gate) waitHit(t *testing.T) {
	t.Helper()
	select {
	case <-g.hit:
	case <-time.After(60 * time.Second):
		t.Fatal("no request reached the gate within 60 s")
	}
}

func (p *gateProxy) take(r *http.Request) *gate {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.gates {
		if !g.used && g.method == r.Method && g.match(r) {
			g.used = true
			return g
		}
	}
	return nil
}

func (p *gateProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	fail := p.failGET
	p.mu.Unlock()
	if fail != nil && r.Method == http.MethodGet && fail(r) {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	g := p.take(r)
	if g == nil {
		p.h.ServeHTTP(w, r)
		return
	}
	// Read the whole body first: only then does net/http watch the
	// connection, so that a killed client cancels r.Context().
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !g.after {
		close(g.hit)
		select {
		case <-g.open:
			p.h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
		return
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
	close(g.hit)
	select {
	case <-g.open:
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	case <-r.Context().Done():
	}
}

func hasSuffix(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, s) }
}

func hasPart(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.Contains(r.URL.Path, s) }
}

// statusRead matches a container status poll.
func statusRead(r *http.Request) bool {
	return strings.Contains(r.URL.Query().Get("fields"), "status_code")
}

// permalinkRead matches the permalink read after a publish.
func permalinkRead(r *http.Request) bool {
	return strings.Contains(r.URL.Query().Get("fields"), "permalink") && !strings.HasSuffix(r.URL.Path, "/media")
}
