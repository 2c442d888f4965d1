package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/rogpeppe/go-internal/testscript"
)

// The auth scripts (testdata/script/auth_*.txtar) run against a sandbox
// started for each script, and keep the master key in a file: a test must
// never write to the developer's OS keyring.

// startSandbox serves a fresh sandbox on loopback and exports what points
// impress at it, unless another setup already did.
func startSandbox(e *testscript.Env) error {
	e.Setenv("IMPRESS_KEYRING", "file")
	if e.Getenv("IMPRESS_META_ENDPOINT") != "" {
		return nil
	}
	// A browser login waits for its redirect on a loopback port: a free
	// one, registered with the sandbox's app, not the fixed default.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	sb := sandbox.New(sandbox.Options{Seed: 1, RedirectURIs: []string{"http://localhost:" + port + "/callback", "http://127.0.0.1:" + port + "/callback"}})
	hs := httptest.NewServer(sb)
	e.Defer(func() { hs.Close(); sb.Close() })
	e.Setenv("IMPRESS_META_REDIRECT_PORT", port)
	e.Setenv("IMPRESS_META_ENDPOINT", hs.URL)
	e.Setenv("IMPRESS_META_APP_ID", sb.AppID())
	e.Setenv("IMPRESS_META_APP_SECRET", sb.AppSecret())
	return nil
}

// adminPost calls the sandbox's admin API.
func adminPost(ts *testscript.TestScript, path string, body []byte) []byte {
	out, err := sandboxPost(ts.Getenv("IMPRESS_META_ENDPOINT"), path, body)
	ts.Check(err)
	return out
}

// sandboxPost posts body to the admin API of the sandbox at base; an
// answer other than 2xx is an error with the answer in it.
func sandboxPost(base, path string, body []byte) ([]byte, error) {
	resp, err := http.Post(strings.TrimRight(base, "/")+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("POST %s: %s: %s", path, resp.Status, out)
	}
	return out, nil
}

// metaToken mints a token as the App Dashboard would and writes it to a
// file: metatoken FILE [instagram|facebook] [account=ID] [user=ID] [age=25h]
func metaToken(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: metatoken FILE [instagram|facebook] [account=ID] [user=ID] [age=DURATION]")
	}
	req := map[string]string{}
	for _, a := range args[1:] {
		switch k, v, ok := strings.Cut(a, "="); {
		case !ok:
			req["flavour"] = a
		case k == "account" || k == "user" || k == "age" || k == "page":
			req[k] = v
		default:
			ts.Fatalf("metatoken: unknown argument %q", a)
		}
	}
	body, _ := json.Marshal(req)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	ts.Check(json.Unmarshal(adminPost(ts, "/_sandbox/tokens", body), &out))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(out.AccessToken+"\n"), 0o600))
}

// sandboxAdmin posts to the sandbox's admin API: sandboxadmin PATH [JSON]
func sandboxAdmin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: sandboxadmin /_sandbox/PATH [JSON]")
	}
	body := "{}"
	if len(args) == 2 {
		body = args[1]
	}
	adminPost(ts, args[0], []byte(body))
}

// notLeaked fails when the token in TOKENFILE appears in the last
// command's stdout or stderr, or in any of the named files (daemon log,
// store file): notleaked TOKENFILE [FILE...]
func notLeaked(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: notleaked TOKENFILE [FILE...]")
	}
	tok := strings.TrimSpace(ts.ReadFile(args[0]))
	if len(tok) < 10 {
		ts.Fatalf("notleaked: %s holds no token", args[0])
	}
	for _, name := range append([]string{"stdout", "stderr"}, args[1:]...) {
		var text string
		if name == "stdout" || name == "stderr" {
			text = ts.ReadFile(name)
		} else {
			data, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			text = string(data)
		}
		if strings.Contains(text, tok) {
			ts.Fatalf("the token from %s appears in %s", args[0], name)
		}
	}
}
