package daemon

import (
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
)

// freePort is a loopback port nobody listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// answers reports whether the public endpoint answers at addr (any HTTP
// answer counts; a refused connection does not).
func answers(addr string) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/webhooks/meta")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// TestReloadMovesPublicListener: `config set daemon.public_listen` takes
// effect in the running daemon (the listener moves), and a key read only
// at start is named in the reload's answer and kept in health's settings
// until a restart.
func TestReloadMovesPublicListener(t *testing.T) {
	p := testPaths(t)
	first, second := freePort(t), freePort(t)
	if err := config.SetInFile(p.ConfigFile, "daemon.public_listen", first); err != nil {
		t.Fatal(err)
	}
	c, _, _ := startDaemon(t, p)
	ctx := t.Context()
	if !answers(first) {
		t.Fatalf("the public endpoint does not answer on %s at start", first)
	}

	for _, kv := range [][2]string{{"daemon.public_listen", second}, {"render.concurrency", "3"}} {
		if err := config.SetInFile(p.ConfigFile, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.RestartNeeded, []string{"render.concurrency"}) {
		t.Errorf("restart_needed = %q, want render.concurrency alone (the listener moves by itself)", res.RestartNeeded)
	}
	if !answers(second) {
		t.Errorf("after the reload the public endpoint does not answer on the new address %s", second)
	}
	if answers(first) {
		t.Errorf("after the reload the old address %s still answers", first)
	}
	h, err := c.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range h.Settings {
		got[s.Key] = s.Value
	}
	if got["daemon.public_listen"] != second || got["render.concurrency"] != "1" {
		t.Errorf("health settings: public_listen %q, render.concurrency %q; want %s (applied) and 1 (until a restart)",
			got["daemon.public_listen"], got["render.concurrency"], second)
	}
	if _, ok := got["meta.app_secret"]; ok {
		t.Error("health lists a secret key")
	}
	for _, ch := range h.Checks {
		if ch.Name == "public endpoint" && ch.Status != "OK" {
			t.Errorf("public endpoint check after the move: %+v", ch)
		}
	}

	// Unset: the listener stops.
	if err := config.UnsetInFile(p.ConfigFile, "daemon.public_listen"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if answers(second) {
		t.Errorf("with daemon.public_listen unset the endpoint still answers on %s", second)
	}

	// A port that is taken: FAIL; once freed, the next reload listens.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	taken := held.Addr().String()
	if err := config.SetInFile(p.ConfigFile, "daemon.public_listen", taken); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st := publicStatus(t, c); st != "FAIL" {
		t.Errorf("public endpoint on a taken port: %s, want FAIL", st)
	}
	held.Close()
	if _, err := c.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st := publicStatus(t, c); st != "OK" || !answers(taken) {
		t.Errorf("after the port was freed and a reload: %s, answers %v", st, answers(taken))
	}
}

func publicStatus(t *testing.T, c *api.Client) string {
	t.Helper()
	h, err := c.Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range h.Checks {
		if ch.Name == "public endpoint" {
			return ch.Status
		}
	}
	return "none"
}

// TestStoppedDaemonSparesTheNextOnesSocket: a daemon that has stopped
// answering may still be finishing its shutdown; a daemon started at the
// same path meanwhile (`daemon stop && daemon start`) must stay reachable
// when the old one's Run returns.
func TestStoppedDaemonSparesTheNextOnesSocket(t *testing.T) {
	p := testPaths(t)
	c, _, done := startDaemon(t, p)
	// Half a request keeps the old daemon's shutdown waiting (for up to
	// 3 s), as a slow exit does.
	slow, err := net.Dial("unix", p.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("GET /v1/ping HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, err := c.Ping(t.Context()); err == nil; _, err = c.Ping(t.Context()) {
		if time.Now().After(deadline) {
			t.Fatal("the daemon still answers 10 s after its shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	next, err := net.Listen("unix", p.Socket) // the next daemon
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the old daemon did not end within 15 s")
	}
	if _, err := os.Stat(p.Socket); err != nil {
		t.Fatalf("the old daemon removed the next one's socket: %v", err)
	}
}
