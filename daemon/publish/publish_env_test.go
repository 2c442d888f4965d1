package publish

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/auth"
	"github.com/impress-dev/impress/daemon/community"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/projects"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// Test environment of the publish feature: a Service with a real store and
// job runner on a unix socket, its public listener on loopback, and a
// sandbox behind a gateProxy that can hold chosen requests.

type pubEnv struct {
	t      *testing.T
	s      *Service
	c      *api.Client
	sb     *sandbox.Server
	proxy  *daemontest.GateProxy
	metaHS *httptest.Server
	env    map[string]string
	comm   *community.Service // the public endpoint
	log    *daemontest.SyncBuffer
	dir    string
	st     *daemontest.Settings
}

type pubOpts struct {
	flavour     string // instagram (default) or facebook
	concurrency int
	processing  time.Duration // sandbox ProcessingTime (default: at once)
	latency     time.Duration
	noPublic    bool // no public endpoint
	noLogin     bool // no connection at all
	// sameAccount runs this env as another runner of that env's account:
	// its own home (store, daemon, public endpoint), the same sandbox.
	sameAccount *pubEnv
}

func newPubEnv(t *testing.T, o pubOpts) *pubEnv {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file")
	var sb *sandbox.Server
	var proxy *daemontest.GateProxy
	var metaHS *httptest.Server
	if a := o.sameAccount; a != nil {
		sb, proxy, metaHS = a.sb, a.proxy, a.metaHS
	} else {
		proc := o.processing
		if proc == 0 {
			proc = -1
		}
		sb = sandbox.New(sandbox.Options{Seed: 11, ProcessingTime: proc, Latency: o.latency})
		proxy = &daemontest.GateProxy{H: sb}
		metaHS = httptest.NewServer(proxy)
		t.Cleanup(func() { metaHS.Close(); sb.Close() })
	}

	e := &pubEnv{t: t, sb: sb, proxy: proxy, metaHS: metaHS, log: &daemontest.SyncBuffer{}, dir: t.TempDir()}
	e.env = map[string]string{
		"IMPRESS_META_ENDPOINT":   metaHS.URL,
		"IMPRESS_META_APP_ID":     sb.AppID(),
		"IMPRESS_META_APP_SECRET": sb.AppSecret(),
	}
	for k, v := range daemontest.FastPublish {
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
	var ln net.Listener
	if !o.noPublic {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		e.env["IMPRESS_DAEMON_PUBLIC_LISTEN"] = ln.Addr().String()
		e.env["IMPRESS_DAEMON_PUBLIC_URL"] = "http://" + ln.Addr().String()
	}
	st := daemontest.NewSettings(t, filepath.Join(e.dir, "none.yaml"), e.env)
	e.st = st
	d := daemontest.Deps(e.dir, db, red, e.log, st, nil)
	acc := auth.New(d, auth.Options{})
	prj := projects.New(d)
	e.comm = community.New(d, acc)
	if ln != nil {
		pub := &http.Server{Handler: e.comm.PublicHandler()}
		go pub.Serve(ln)
		t.Cleanup(func() { pub.Close() })
	}
	s := New(d, acc, prj, e.comm)
	e.s = s
	handler := daemontest.Handler(&d, acc.Routes, prj.Routes, s.Routes)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
		defer c2()
		s.Jobs.ParkAll(sctx)
	})

	e.c = daemontest.ServeUnix(t, handler)

	switch {
	case o.noLogin:
	case o.flavour == "facebook":
		e.login(sandbox.TokenRequest{Flavour: "facebook"}, "main", sandbox.IGCreatorID)
	default:
		e.login(sandbox.TokenRequest{Flavour: "instagram"}, "main", "")
	}
	return e
}

func (e *pubEnv) login(req sandbox.TokenRequest, conn, account string) {
	e.t.Helper()
	daemontest.Login(e.t, e.sb, e.c, req, api.TokenLogin{Connection: conn, Account: account, Flavor: req.Flavour})
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
	return daemontest.WaitJobEnd(e.t, e.c, id, 60*time.Second)
}

// published counts the sandbox's media_publish results: the witness of
// exactly-once.
func (e *pubEnv) published() []sandbox.Media { return e.sb.Published() }

// reelClip makes the 3 s reel most tests publish, in a folder of the
// test's own.
func (e *pubEnv) reelClip() string {
	e.t.Helper()
	return daemontest.ReelClip(e.t, e.t.TempDir(), "reel.mp4", 3*time.Second)
}

// publishClip publishes clip with caption and nothing else set.
func (e *pubEnv) publishClip(clip, caption string) *api.PublishResult {
	e.t.Helper()
	return e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp(caption)})
}

// publishInAnHour publishes a fresh reel with caption at an hour from
// now: a job that waits, for the tests of what can be done to one. The
// request is returned to be asked again.
func (e *pubEnv) publishInAnHour(caption string) (api.PublishRequest, *api.PublishResult) {
	e.t.Helper()
	later := time.Now().Add(time.Hour)
	req := api.PublishRequest{Targets: []string{e.reelClip()}, Caption: daemontest.Strp(caption), At: &later}
	return req, e.publish(req)
}

// publishAll submits n publishes (request i from req) before it waits for
// any, so that they run side by side, then follows each to its end.
func (e *pubEnv) publishAll(n int, req func(i int) api.PublishRequest) []*api.Job {
	e.t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = e.publish(req(i)).Job.ID
	}
	jobs := make([]*api.Job, n)
	for i, id := range ids {
		jobs[i] = e.wait(id)
	}
	return jobs
}

// publishHeld publishes clip with caption while the proxy holds the first
// POST to Meta that match selects (before the sandbox sees it), and
// returns once the publish is there: the test does what happens
// meanwhile, then releases the gate.
func (e *pubEnv) publishHeld(clip, caption string, match func(*http.Request) bool) (*api.PublishResult, *daemontest.Gate) {
	e.t.Helper()
	g := e.proxy.Hold("POST", false, match)
	res := e.publishClip(clip, caption)
	g.WaitHit(e.t)
	return res, g
}
