package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

// waitFor polls s() until it contains want (10 s deadline).
func waitFor(t *testing.T, what string, s func() string, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if v := s(); strings.Contains(v, want) {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q:\n%s", what, want, s())
	return ""
}

// cliEnv is a real daemon (daemon.Run, in process) on a temp home, talking
// to a sandbox, and a way to run CLI commands against it.
type cliEnv struct {
	t   *testing.T
	env map[string]string
	sb  *sandbox.Server
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file") // the daemon reads it; never the real keyring
	port := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}()
	sb := sandbox.New(sandbox.Options{Seed: 3, RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/callback", port)}})
	hs := httptest.NewServer(sb)
	t.Cleanup(func() { hs.Close(); sb.Close() })
	sock, err := os.MkdirTemp("", "ic")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	e := &cliEnv{t: t, sb: sb, env: map[string]string{
		"IMPRESS_HOME":               t.TempDir(),
		"IMPRESS_SOCKET":             filepath.Join(sock, "d.sock"),
		"IMPRESS_NO_AUTOSTART":       "1",
		"IMPRESS_META_ENDPOINT":      hs.URL,
		"IMPRESS_META_APP_ID":        sb.AppID(),
		"IMPRESS_META_APP_SECRET":    sb.AppSecret(),
		"IMPRESS_META_REDIRECT_PORT": strconv.Itoa(port),
		"DISPLAY":                    ":0", // not a remote session: the browser flow
	}}
	runTestDaemon(t, func(k string) string { return e.env[k] })
	return e
}

type cliRun struct {
	in     io.Reader
	out    *testkit.SyncBuffer
	errOut *testkit.SyncBuffer
	tty    bool
	// browser replaces the real opener of `auth login`.
	browser func(string) error
}

// run executes one command line and returns its exit code.
func (e *cliEnv) run(r *cliRun, args ...string) int {
	e.t.Helper()
	if r.out == nil {
		r.out = &testkit.SyncBuffer{}
	}
	if r.errOut == nil {
		r.errOut = &testkit.SyncBuffer{}
	}
	if r.in == nil {
		r.in = strings.NewReader("")
	}
	ios := &IOStreams{In: r.in, Out: r.out, ErrOut: r.errOut, env: func(string) string { return "" }}
	ios.SetTTY(r.tty, false, r.tty)
	f := &Factory{IO: ios, Version: "test", Env: func(k string) string { return e.env[k] }}
	root := NewRootCmd(f)
	if r.browser != nil {
		for _, c := range root.Commands() {
			if c.Name() != "auth" {
				continue
			}
			for _, sub := range c.Commands() {
				if sub.Name() == "login" {
					c.RemoveCommand(sub)
				}
			}
			c.AddCommand(newAuthLoginCmd(f, func(ctx context.Context, o *authLoginOptions) error {
				o.OpenBrowser = r.browser
				return runAuthLogin(ctx, o)
			}))
		}
	}
	root.SetArgs(args)
	err := root.ExecuteContext(e.t.Context())
	if err != nil {
		fmt.Fprintln(r.errOut, "impress: "+err.Error())
	}
	return exitCode(err, false)
}

// asyncBrowser follows the authorize redirect to the loopback callback in
// the background, as a real browser does while the CLI waits.
func asyncBrowser(t *testing.T) func(string) error {
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	return func(u string) error {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(u)
			if err != nil {
				t.Errorf("browser: %v", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
		return nil
	}
}

func TestAuthLoginBrowser(t *testing.T) {
	e := newCLIEnv(t)
	r := &cliRun{browser: asyncBrowser(t)}
	if code := e.run(r, "auth", "login"); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.errOut)
	}
	if !strings.Contains(r.errOut.String(), "/oauth/authorize?") {
		t.Errorf("the address was not printed:\n%s", r.errOut)
	}
	if !strings.Contains(r.out.String(), "connection default is @"+sandbox.IGCreatorUsername) {
		t.Errorf("stdout:\n%s", r.out)
	}
	st := &cliRun{}
	if code := e.run(st, "auth", "status"); code != 0 {
		t.Fatalf("status exit %d\n%s", code, st.errOut)
	}
	for _, want := range []string{"Master key: key file ", "master.key", "default (default)", "instagram (Instagram Login)",
		sandbox.IGCreatorID + "  @" + sandbox.IGCreatorUsername, "instagram_business_basic", "days from now", "state    ok"} {
		if !strings.Contains(st.out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, st.out)
		}
	}
}

// waitLoggedIn waits for a login run in the background to exit 0.
func waitLoggedIn(t *testing.T, codeCh <-chan int, r *cliRun) {
	t.Helper()
	select {
	case code := <-codeCh:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, r.errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("login did not finish")
	}
}

func TestAuthLoginNoBrowserPaste(t *testing.T) {
	e := newCLIEnv(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	r := &cliRun{in: pr, errOut: &testkit.SyncBuffer{}, browser: func(string) error {
		t.Error("--no-browser opened a browser")
		return nil
	}}
	codeCh := make(chan int, 1)
	go func() { codeCh <- e.run(r, "auth", "login", "--no-browser", "--connection", "main", "--json") }()
	text := waitFor(t, "stderr", r.errOut.String, "paste it here")
	var authURL string
	for _, l := range strings.Split(text, "\n") {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "http") {
			authURL = s
		}
	}
	// The browser is elsewhere: it only shows where Meta sent it.
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	redirect := resp.Header.Get("Location")
	fmt.Fprintln(pw, "this is not it")
	waitFor(t, "stderr", r.errOut.String, "Paste it again")
	fmt.Fprintln(pw, redirect)
	waitLoggedIn(t, codeCh, r)
	if !strings.Contains(r.out.String(), `"connection": "main"`) {
		t.Errorf("json:\n%s", r.out)
	}
}

func TestAuthLoginFacebookAccounts(t *testing.T) {
	e := newCLIEnv(t)
	// No terminal, two accounts, no --account: exit 2 naming the flag.
	r := &cliRun{browser: asyncBrowser(t)}
	if code := e.run(r, "auth", "login", "--flavor", "facebook"); code != 2 || !strings.Contains(r.errOut.String(), "--account") {
		t.Fatalf("exit %d\n%s", code, r.errOut)
	}
	// On a terminal the CLI asks.
	pr, pw := io.Pipe()
	defer pw.Close()
	r = &cliRun{in: pr, tty: true, browser: asyncBrowser(t), out: &testkit.SyncBuffer{}, errOut: &testkit.SyncBuffer{}}
	codeCh := make(chan int, 1)
	go func() { codeCh <- e.run(r, "auth", "login", "--flavor", "facebook") }()
	waitFor(t, "stderr", r.errOut.String, "Which one?")
	if !strings.Contains(r.errOut.String(), "@"+sandbox.IGBrandUsername) {
		t.Errorf("choices:\n%s", r.errOut)
	}
	fmt.Fprintln(pw, "7")
	waitFor(t, "stderr", r.errOut.String, `"7" is not one of them`)
	fmt.Fprintln(pw, "2")
	waitLoggedIn(t, codeCh, r)
	if !strings.Contains(r.out.String(), "@"+sandbox.IGBrandUsername) || !strings.Contains(r.out.String(), "Facebook Login") {
		t.Errorf("stdout:\n%s", r.out)
	}
	// --account picks without asking.
	r = &cliRun{browser: asyncBrowser(t)}
	if code := e.run(r, "auth", "login", "--flavor", "facebook", "--account", sandbox.IGBrandID); code != 0 {
		t.Fatalf("--account: exit %d\n%s", code, r.errOut)
	}
}

func TestAuthStatusExitCodes(t *testing.T) {
	e := newCLIEnv(t)
	r := &cliRun{}
	if code := e.run(r, "auth", "status"); code != ExitLogin || !strings.Contains(r.errOut.String(), "impress auth login") {
		t.Errorf("no connection: exit %d\n%s", code, r.errOut)
	}
	tok, _ := e.sb.IssueToken(sandbox.TokenRequest{Age: sandbox.Duration(25 * time.Hour)})
	r = &cliRun{in: strings.NewReader(tok + "\n")}
	if code := e.run(r, "auth", "login", "--with-token"); code != 0 {
		t.Fatalf("with-token: exit %d\n%s", code, r.errOut)
	}
	// Meta invalidates the token (password change): the next call that
	// reaches Meta gets 190, exits 4 and names the command to run.
	e.sb.InvalidateTokens(460)
	r = &cliRun{}
	if code := e.run(r, "auth", "refresh"); code != ExitLogin || !strings.Contains(r.errOut.String(), "run `impress auth login --connection default`") {
		t.Errorf("refresh after 190: exit %d\n%s", code, r.errOut)
	}
	r = &cliRun{}
	code := e.run(r, "auth", "status", "--json")
	if !strings.Contains(r.out.String(), `"state": "login_needed"`) || code != ExitLogin {
		t.Errorf("after 190: exit %d\n%s", code, r.out)
	}
	for _, s := range []string{r.out.String(), r.errOut.String()} {
		if strings.Contains(s, tok) {
			t.Error("output leaks the token")
		}
	}
}

func TestRemoteSession(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want bool
	}{
		"ssh":        {map[string]string{"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0"}, true},
		"ssh tty":    {map[string]string{"SSH_TTY": "/dev/pts/1", "DISPLAY": ":0"}, true},
		"x11":        {map[string]string{"DISPLAY": ":0"}, false},
		"wayland":    {map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, false},
		"no display": {map[string]string{}, true},
	} {
		got := remoteSession(func(k string) string { return tc.env[k] })
		if name == "no display" && (runtime.GOOS == "darwin" || runtime.GOOS == "windows") {
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestOpenBrowserUsesBROWSER(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := testkit.Script(t, filepath.Join(dir, "fake-browser"), "printf '%s' \"$1\" > "+out+".tmp && mv "+out+".tmp "+out+"\n")
	url := "http://127.0.0.1:1/oauth/authorize?client_id=1&state=a b"
	env := map[string]string{"BROWSER": "/nonexistent/browser" + string(os.PathListSeparator) + script}
	if err := openBrowser(url, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, "the fake browser", func() string { b, _ := os.ReadFile(out); return string(b) }, "state=a b")
	if got != url {
		t.Errorf("browser got %q, want the URL as one argument", got)
	}
}

// TestFakeBrowserHelper is the browser of TestAuthLoginUsesBROWSER: run as
// a child process through a $BROWSER script, it records the address it was
// given and opens it, following the redirect to the daemon's loopback
// callback as a real browser does. Run directly, it does nothing.
func TestFakeBrowserHelper(t *testing.T) {
	record := os.Getenv("IMPRESS_TEST_FAKE_BROWSER")
	if record == "" {
		return
	}
	url := os.Args[len(os.Args)-1]
	if err := os.WriteFile(record+".tmp", []byte(url), 0o600); err != nil {
		os.Exit(3)
	}
	os.Rename(record+".tmp", record)
	resp, err := http.Get(url)
	if err != nil {
		os.Exit(4)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	os.Exit(0)
}

// TestAuthLoginUsesBROWSER: on Linux without a display an explicit
// $BROWSER is used (it was ignored for the paste flow): the fake browser
// script gets the login address and completes the login, while the paste
// prompt is offered too.
func TestAuthLoginUsesBROWSER(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("a display is always there")
	}
	e := newCLIEnv(t)
	delete(e.env, "DISPLAY")
	dir := t.TempDir()
	record := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "fake-browser")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("IMPRESS_TEST_FAKE_BROWSER=%s exec %s -test.run='^TestFakeBrowserHelper$' \"$1\"\n", record, exe)
	testkit.Script(t, script, body)
	e.env["BROWSER"] = script
	r := &cliRun{out: &testkit.SyncBuffer{}, errOut: &testkit.SyncBuffer{}}
	codeCh := make(chan int, 1)
	go func() { codeCh <- e.run(r, "auth", "login") }()
	waitLoggedIn(t, codeCh, r) // without $BROWSER it would wait for a paste
	opened := testkit.ReadFile(t, record)
	if !strings.Contains(string(opened), "/oauth/authorize?") || !strings.Contains(r.errOut.String(), string(opened)) {
		t.Errorf("$BROWSER got %q; the printed address:\n%s", opened, r.errOut)
	}
	if !strings.Contains(r.errOut.String(), "Opened with $BROWSER") || !strings.Contains(r.errOut.String(), "paste it here") {
		t.Errorf("want the browser opened and the paste prompt offered:\n%s", r.errOut)
	}
	if !strings.Contains(r.out.String(), "connection default is @"+sandbox.IGCreatorUsername) {
		t.Errorf("stdout:\n%s", r.out)
	}
}
