package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/auth"
	"github.com/impress-dev/impress/daemon/community"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/daemon/projects"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// privEnv is the privacy feature with the features whose data it purges
// (auth, projects, community), built as Run builds them (real store in
// <home>/data, real rotating log in <home>/state, master key file); the
// privacy feature starts with Start, and the local API is served on a unix
// socket, with a sandbox for Meta. stop and start again on the same home is a daemon
// restart.
type privEnv struct {
	t     testing.TB
	home  string
	paths config.Paths
	env   map[string]string
	clock *daemontest.FakeClock
	sb    *sandbox.Server
	s     *Service
	comm  *community.Service // the public endpoint
	c     *api.Client
	// handler is the local API of the features the tests use.
	handler http.Handler
	cancel  context.CancelFunc
	srv     *http.Server
	// sweepEvery is handed to the privacy state at each start.
	sweepEvery time.Duration
	hook       func(step string, saved bool) error
}

func newPrivEnv(t testing.TB) *privEnv {
	t.Helper()
	if os.Getenv("IMPRESS_KEYRING") != "file" {
		t.Setenv("IMPRESS_KEYRING", "file") // never the developer's keyring
	}
	clock := daemontest.NewClock(time.Now().UTC().Truncate(time.Second))
	sb := sandbox.New(sandbox.Options{Seed: 7, Clock: clock.Now, ProcessingTime: -1})
	hs := httptest.NewServer(sb)
	t.Cleanup(func() { hs.Close(); sb.Close() })
	home := daemontest.ShortDir(t, "ipv")
	e := &privEnv{t: t, home: home, clock: clock, sb: sb, paths: daemontest.HomePaths(home), env: map[string]string{
		"IMPRESS_META_ENDPOINT":     hs.URL,
		"IMPRESS_META_APP_ID":       sb.AppID(),
		"IMPRESS_META_APP_SECRET":   sb.AppSecret(),
		"IMPRESS_DAEMON_PUBLIC_URL": "https://impress.example",
	}}
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
	return e
}

func (e *privEnv) settings() *config.Settings {
	st, err := config.Load(config.LoadOptions{File: e.paths.ConfigFile, Env: func(k string) string { return e.env[k] }})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// build makes the Service (store, log) without starting anything.
func (e *privEnv) build() error {
	for _, d := range []string{e.paths.DataDir, e.paths.StateDir, filepath.Dir(e.paths.Socket)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	db, err := store.Open(e.paths.DBFile(), store.Options{Now: e.clock.Now})
	if err != nil {
		return err
	}
	logFile, err := logx.OpenRotating(e.paths.LogFile(), 10<<20, 5)
	if err != nil {
		db.Close()
		return err
	}
	st := e.settings()
	red := &redact.Redactor{}
	red.Add(st.String(config.MetaAppSecret))
	d := feature.Deps{Paths: e.paths, DB: db, Red: red, Log: logx.NewLogger(logFile, red, slog.LevelInfo), LogFile: logFile,
		SettingsFn: func() *config.Settings { return st }, Clock: e.clock.Now}
	d.Jobs = d.NewJobs()
	acc := auth.New(d, auth.Options{Retry: daemontest.FastRetry})
	prj := projects.New(d)
	e.comm = community.New(d, acc)
	e.s = New(d, acc, prj, e.comm, Options{Hook: e.hook, SweepEvery: e.sweepEvery})
	e.handler = daemontest.Handler(&d, acc.Routes, prj.Routes, e.comm.Routes, e.s.Routes)
	return nil
}

// start is a daemon start: startPrivacy (which finishes interrupted
// purges) before the local API answers.
func (e *privEnv) start() error {
	if err := e.build(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	if err := e.s.Start(ctx); err != nil {
		return err
	}
	os.Remove(e.paths.Socket)
	ln, err := net.Listen("unix", e.paths.Socket)
	if err != nil {
		return err
	}
	e.srv = &http.Server{Handler: e.handler, BaseContext: func(net.Listener) context.Context { return ctx }}
	go e.srv.Serve(ln)
	e.c = api.NewClient(e.paths.Socket)
	return nil
}

func (e *privEnv) stop() {
	if e.s == nil {
		return
	}
	if e.cancel != nil {
		e.cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.s.Stop(ctx)
	if e.srv != nil {
		e.srv.Close()
	}
	e.s.DB.Close()
	e.s.LogFile.Close()
	e.s, e.srv, e.cancel = nil, nil, nil
}

func (e *privEnv) restart() {
	e.t.Helper()
	e.stop()
	if err := e.start(); err != nil {
		e.t.Fatalf("restart: %v", err)
	}
}

// login stores a sandbox token for conn and returns it with the account.
func (e *privEnv) login(req sandbox.TokenRequest, conn string) (string, *api.AuthConnection) {
	e.t.Helper()
	return daemontest.Login(e.t, e.sb, e.c, req, api.TokenLogin{Connection: conn})
}

// bulkJobs is how many publish records plant writes per connection.
const bulkJobs = 40

// planted is what plant wrote for one connection: every string the purge
// of that connection must make disappear.
type planted struct {
	conn                                    string
	token, username, accountID, appUserID   string
	comment, commenter, message, dmFriend   string
	eventText, eventUser, caption, fileName string
	logText                                 string
}

func (p planted) strings() map[string]string {
	return map[string]string{"token": p.token, "username": p.username, "account id": p.accountID,
		"comment": p.comment, "commenter": p.commenter, "message": p.message, "dm friend": p.dmFriend,
		"event text": p.eventText, "event user": p.eventUser, "caption": p.caption, "file name": p.fileName,
		"log text": p.logText}
}

// plant logs conn in and writes distinctive strings through the same
// store and secrets calls the community and publish features use: a
// cached comment, a DM thread, a webhook event, a publish record with a
// file name, and log lines.
func (e *privEnv) plant(req sandbox.TokenRequest, conn, tag string) planted {
	e.t.Helper()
	tok, ac := e.login(req, conn)
	p := planted{conn: conn, token: tok, username: ac.Username, accountID: ac.AccountID, appUserID: ac.AppUserID,
		comment: "comment canary " + tag + " ✓ \"quoted\"", commenter: "commenter_" + tag,
		message: "message canary " + tag + " <b>", dmFriend: "dm_friend_" + tag,
		eventText: "event canary " + tag, eventUser: "event_user_" + tag,
		caption: "caption canary " + tag, fileName: "clipfile_" + tag + ".mp4"}
	p.logText = "a log line quoting " + p.comment
	ctx := e.t.Context()
	s := e.s
	dk, err := s.accounts.ConnKey(ctx, conn)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	c := records.Comment{ID: "1790000" + tag, MediaID: "1800000" + tag, Text: p.comment, Username: p.commenter, FromID: "1785555" + tag}
	sealed, err := records.Seal(dk, records.FieldComment, c)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.DB.PutComments(conn, []store.CommentEntry{{MediaID: c.MediaID, CommentID: c.ID, Blob: store.Blob{At: now, Data: sealed}}}); err != nil {
		e.t.Fatal(err)
	}
	th := records.Thread{ID: "thread" + tag, Participant: p.dmFriend, ParticipantID: "1786666" + tag, LastMessage: p.message,
		Messages: []records.Message{{ID: "mid" + tag, From: p.dmFriend, Text: p.message}}}
	if sealed, err = records.Seal(dk, records.FieldThread, th); err != nil {
		e.t.Fatal(err)
	}
	if err := s.DB.PutThread(conn, store.ThreadEntry{ThreadID: th.ID, Blob: store.Blob{At: now, Data: sealed}}); err != nil {
		e.t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"from": map[string]string{"id": "1787777" + tag, "username": p.eventUser}, "text": p.eventText})
	ev := records.Event{Type: api.EventComments, Object: "instagram", Account: ac.AccountID, CommentID: "1791111" + tag, MediaID: c.MediaID,
		FromID: "1787777" + tag, FromUsername: p.eventUser, Text: p.eventText, Raw: raw}
	if sealed, err = records.Seal(dk, records.FieldEvent, ev); err != nil {
		e.t.Fatal(err)
	}
	if _, err := s.DB.AppendEvents([]store.NewEvent{{Conn: conn, Dedupe: "delivery-" + tag, Data: sealed}}); err != nil {
		e.t.Fatal(err)
	}
	detail, _ := json.Marshal(api.PublishDetail{State: api.PubPublished, Connection: conn, Type: "reel", Key: "key-" + tag,
		Caption: p.caption, Items: []api.PublishItem{{Target: "/home/u/" + p.fileName, Source: "/home/u/" + p.fileName, SourceKind: "file"}},
		MediaID: "1812222" + tag})
	if _, err := s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobDone, Conn: conn, Key: "key-" + tag,
		Title: "publish", Detail: detail}, false); err != nil {
		e.t.Fatal(err)
	}
	// Bulk, so that the deleted records fill pages bbolt does not reuse at
	// once: without compaction their bytes stay in the file.
	for i := range bulkJobs - 1 {
		d, _ := json.Marshal(api.PublishDetail{State: api.PubPublished, Connection: conn, Type: "reel", Caption: p.caption,
			Items: []api.PublishItem{{Target: "/home/u/" + p.fileName, Source: "/home/u/" + p.fileName, SourceKind: "file"}},
			Notes: slices.Repeat([]string{p.caption}, 100)})
		if _, err := s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobFailed, Conn: conn,
			Key: fmt.Sprintf("bulk-%s-%d", tag, i), Title: "publish", Detail: d}, false); err != nil {
			e.t.Fatal(err)
		}
	}
	s.Log.Info("comment cached", "connection", conn, "media", c.MediaID)
	s.Log.Info("test line quoting a text", "text", p.logText)
	return p
}

// jsonForm is v as it appears inside a JSON string.
func jsonForm(v string) []byte {
	esc, _ := json.Marshal(v)
	return esc[1 : len(esc)-1]
}

// homeFiles reads every file under the home.
func (e *privEnv) homeFiles() map[string][]byte {
	e.t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(e.home, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || !de.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			e.t.Fatalf("read %s: %v", path, err)
		}
		out[path] = data
		return nil
	})
	return out
}

// assertGone fails for any planted string found in any byte of any file
// under the home, or in a file name; it looks for the plain and the
// JSON-escaped form.
func (e *privEnv) assertGone(p planted) {
	e.t.Helper()
	files := e.homeFiles()
	for what, v := range p.strings() {
		forms := [][]byte{[]byte(v)}
		if esc, _ := json.Marshal(v); string(esc[1:len(esc)-1]) != v {
			forms = append(forms, esc[1:len(esc)-1])
		}
		for path, data := range files {
			for _, f := range forms {
				if bytes.Contains(data, f) {
					e.t.Errorf("%s of %s (%.12q) still in %s", what, p.conn, v, strings.TrimPrefix(path, e.home))
				}
			}
			if strings.Contains(path, v) {
				e.t.Errorf("%s of %s names a file: %s", what, p.conn, path)
			}
		}
	}
}

// assertIntact checks, through the local API, that the other connection
// still works and holds everything planted for it.
func (e *privEnv) assertIntact(p planted) {
	e.t.Helper()
	ctx := e.t.Context()
	st, err := e.c.AuthStatus(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	found := false
	for _, c := range st.Connections {
		if c.Connection == p.conn {
			found = true
			if c.Username != p.username || c.AccountID != p.accountID || c.State != api.ConnOK {
				e.t.Errorf("connection %s after the purge: %+v", p.conn, c)
			}
		}
	}
	if !found {
		e.t.Fatalf("connection %s is gone", p.conn)
	}
	cl, err := e.c.Comments(ctx, api.CommentsQuery{Connection: p.conn, Media: "1800000" + strings.TrimPrefix(p.commenter, "commenter_"), Offline: true})
	if err != nil || len(cl.Comments) != 1 || cl.Comments[0].Text != p.comment {
		e.t.Errorf("comments of %s: %+v, %v", p.conn, cl, err)
	}
	evs, err := e.c.Events(ctx, api.EventsQuery{})
	if err != nil {
		e.t.Fatal(err)
	}
	ok := false
	for _, ev := range evs {
		if ev.Text == p.eventText {
			ok = true
		}
	}
	if !ok {
		e.t.Errorf("event of %s not listed: %+v", p.conn, evs)
	}
	// Its token still opens and still works at Meta.
	if _, err := e.c.Threads(ctx, p.conn, true); err != nil {
		e.t.Errorf("threads of %s: %v", p.conn, err)
	}
	mc, _, err := e.s.accounts.MetaClient(ctx, p.conn)
	if err != nil {
		e.t.Fatalf("meta client of %s: %v", p.conn, err)
	}
	if _, err := mc.Me(ctx); err != nil {
		e.t.Errorf("a Meta call with %s's token: %v", p.conn, err)
	}
	jobs, err := e.s.DB.Jobs(api.JobPublish)
	ok = false
	for _, j := range jobs {
		ok = ok || j.Conn == p.conn
	}
	if err != nil || !ok {
		e.t.Errorf("%s's publish record is gone (%v)", p.conn, err)
	}
	if data, _ := os.ReadFile(e.paths.LogFile()); !bytes.Contains(data, jsonForm(p.logText)) {
		e.t.Errorf("the log lost %s's lines", p.conn)
	}
}

// waitReceipt polls the requests until code has a receipt.
func (e *privEnv) waitReceipt(code string) *api.Receipt {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		rc, err := e.c.PrivacyRequest(e.t.Context(), code)
		if err == nil && rc.Status == api.RequestDone {
			return rc
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("no receipt for %s within 20 s", code)
	return nil
}

// receiptClean fails when a receipt's JSON holds any planted string or a
// connection name.
func receiptClean(t *testing.T, rc any, ps ...planted) {
	t.Helper()
	raw, _ := json.Marshal(rc)
	for _, p := range ps {
		for what, v := range p.strings() {
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("receipt holds the %s of %s: %s", what, p.conn, raw)
			}
		}
		for _, v := range []string{p.appUserID, fmt.Sprintf("%q", p.conn)} {
			if v != "" && bytes.Contains(raw, []byte(v)) {
				t.Errorf("receipt holds %s: %s", v, raw)
			}
		}
	}
}

// servePublic serves the env's public endpoint (Meta's callbacks, the
// deletion status page) on loopback until the test ends; it returns the
// base URL.
func (e *privEnv) servePublic() string {
	pub := httptest.NewServer(e.comm.PublicHandler())
	e.t.Cleanup(pub.Close)
	return pub.URL
}
