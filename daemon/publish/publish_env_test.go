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
