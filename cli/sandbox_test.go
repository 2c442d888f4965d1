package cli

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSandboxCommand(t *testing.T) {
	ios, _, out, errOut := TestIO()
	f := &Factory{IO: ios, Version: "test", Env: func(k string) string {
		if k == "IMPRESS_HOME" {
			return t.TempDir()
		}
		return ""
	}}
	ready := make(chan string, 1)
	cmd := newSandboxCmd(f, func(ctx context.Context, o *sandboxOptions) error {
		o.ready = func(u string) { ready <- u }
		return runSandbox(ctx, o)
	})
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--latency", "1ms", "--seed", "9"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("sandbox exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not start")
	}
	resp, err := http.Get(url + "/_sandbox/routes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("routes: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// --addr …:0: free ports for everything, and every line that follows
	// from them, NAME=value only (the file is sourced).
	env := map[string]string{}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || !strings.HasPrefix(k, "IMPRESS_") {
			t.Fatalf("stdout must be NAME=value lines only:\n%s", out)
		}
		env[k] = v
		names = append(names, k)
	}
	want := []string{"IMPRESS_META_ENDPOINT", "IMPRESS_META_APP_ID", "IMPRESS_META_APP_SECRET", "IMPRESS_META_REDIRECT_PORT",
		"IMPRESS_DAEMON_PUBLIC_LISTEN", "IMPRESS_DAEMON_PUBLIC_URL"}
	if strings.Join(names, " ") != strings.Join(want, " ") || env["IMPRESS_META_ENDPOINT"] != url ||
		env["IMPRESS_DAEMON_PUBLIC_URL"] != "http://"+env["IMPRESS_DAEMON_PUBLIC_LISTEN"] {
		t.Errorf("stdout:\n%s", out)
	}
	for _, k := range []string{"IMPRESS_META_REDIRECT_PORT", "IMPRESS_DAEMON_PUBLIC_LISTEN"} {
		if strings.HasSuffix(env[k], ":0") || env[k] == "0" || strings.Contains(env[k], ":8787") || env[k] == "8788" {
			t.Errorf("%s = %q: want a free port", k, env[k])
		}
	}
	if !strings.Contains(errOut.String(), "http://localhost:"+env["IMPRESS_META_REDIRECT_PORT"]+"/callback") ||
		!strings.Contains(errOut.String(), "Webhooks go to "+env["IMPRESS_DAEMON_PUBLIC_URL"]+"/webhooks/meta") ||
		!strings.Contains(errOut.String(), "latency 1ms") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// TestSandboxPorts: a fixed --addr keeps the configured redirect port and
// prints no more than the three lines; the flags choose each port.
func TestSandboxPorts(t *testing.T) {
	o := &sandboxOptions{Addr: "127.0.0.1:8789", RedirectPort: -1}
	p, err := o.ports(nil)
	if err != nil || p.redirect != 8788 || p.redirectSet || p.public != "" || p.publicURL != "" {
		t.Errorf("fixed: %+v, %v", p, err)
	}
	o = &sandboxOptions{Addr: "127.0.0.1:8789", RedirectPort: 9100, PublicAddr: "127.0.0.1:0"}
	p, err = o.ports(nil)
	if err != nil || p.redirect != 9100 || !p.redirectSet || !strings.HasPrefix(p.public, "127.0.0.1:") ||
		strings.HasSuffix(p.public, ":0") || p.publicURL != "http://"+p.public {
		t.Errorf("flags: %+v, %v", p, err)
	}
}

// TestSandboxBusyAddress: a taken address is one clear sentence, not the
// same words three times over.
func TestSandboxBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ios, _, _, _ := TestIO()
	f := &Factory{IO: ios, Version: "test", Env: func(k string) string {
		if k == "IMPRESS_HOME" {
			return t.TempDir()
		}
		return ""
	}}
	cmd := newSandboxCmd(f, nil)
	cmd.SetArgs([]string{"--addr", ln.Addr().String()})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.ExecuteContext(t.Context())
	msg := errorLine(err)
	if exitCode(err, false) != ExitFailure || strings.Count(msg, "listen") != 1 ||
		!strings.Contains(msg, "cannot listen on "+ln.Addr().String()+": address already in use") || !strings.Contains(msg, "127.0.0.1:0") {
		t.Errorf("%q", msg)
	}
}

func TestSandboxCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--fail-rate", "2"}, {"--latency", "-1s"}, {"--addr", "nonsense"}} {
		ios, _, _, _ := TestIO()
		cmd := newSandboxCmd(&Factory{IO: ios, Env: func(string) string { return "" }}, nil)
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.ExecuteContext(t.Context()); exitCode(err, false) != ExitUsage {
			t.Errorf("%v: %v", args, err)
		}
	}
}
