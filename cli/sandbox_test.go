package cli

import (
	"context"
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
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != "IMPRESS_META_ENDPOINT="+url ||
		!strings.HasPrefix(lines[1], "IMPRESS_META_APP_ID=") || !strings.HasPrefix(lines[2], "IMPRESS_META_APP_SECRET=") {
		t.Errorf("stdout must be the three settings only:\n%s", out)
	}
	if !strings.Contains(errOut.String(), "http://localhost:8788/callback") || !strings.Contains(errOut.String(), "latency 1ms") {
		t.Errorf("stderr:\n%s", errOut)
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
