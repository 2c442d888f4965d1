package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/impress-dev/impress/cli"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/spf13/cobra"
)

// jsonArgs are the arguments each --json command runs with on an empty
// home: enough to get past its usage checks, so that it reaches the
// daemon. A --json command missing here fails the test: each one is run.
// Commands that change what the others see (logout, stop) come last. (A
// function: a map built at package init would count against the init
// budget of init_test.go, which this test binary shares.)
func jsonArgs() map[string][]string {
	return map[string][]string{
		"account set":             {"--email", "me@example.com"},
		"account show":            nil,
		"asset add":               {"noproject", "missing.mp4"},
		"auth refresh":            nil,
		"auth status":             nil,
		"comments delete":         {"17850000000000001"},
		"comments hide":           {"17850000000000001"},
		"comments list":           {"18000000000000001", "--offline"},
		"comments mentions":       {"--offline"},
		"comments reply":          {"17850000000000001", "thanks"},
		"comments reply-mention":  {"18000000000000002", "hi"},
		"comments unhide":         {"17850000000000001"},
		"config get":              {"render.concurrency"},
		"config list":             nil,
		"config set":              {"render.concurrency", "2"},
		"daemon start":            nil,
		"daemon status":           nil,
		"doctor":                  nil,
		"events list":             nil,
		"jobs cancel":             {"1"},
		"jobs list":               nil,
		"jobs retry":              {"1"},
		"jobs show":               {"1"},
		"jobs wait":               {"1"},
		"media list":              nil,
		"media show":              {"latest"},
		"messages list":           {"--offline"},
		"messages private-reply":  {"17850000000000001", "hi"},
		"messages send":           {"nothread", "hi"},
		"messages show":           {"nothread", "--offline"},
		"privacy purge":           {"--project", "none", "--dry-run"},
		"privacy requests ack":    {"nocode", "--reason", "not personal data"},
		"privacy requests list":   nil,
		"privacy requests rescan": {"nocode"},
		"privacy requests show":   {"nocode"},
		"privacy retention set":   {"events", "default"},
		"privacy retention show":  nil,
		"project apply":           {"missing.yaml"},
		"project export":          {"none"},
		"project list":            nil,
		"project new":             {"p1"},
		"project show":            {"p1"},
		"publish":                 {"missing.mp4"},
		"render":                  {"missing.mp4"},
		"validate":                {"missing.mp4"},
		"version":                 nil,
		"sandbox comment":         {"--media", "18000000000000001", "hello from the test"},
		"sandbox dm":              {"hi there"},
		"sandbox mention":         {"hello @sandbox_creator"},
		"sandbox post":            {"--caption", "posted elsewhere"},
		"sandbox deliver":         nil,
		"sandbox live":            nil,
		"auth login":              {"--with-token"},
		"auth logout":             nil,
		"daemon stop":             nil,
	}
}

// jsonLast are run after every other command, in this order.
var jsonLast = []string{"auth logout", "daemon stop"}

// TestEveryJSONCommandPrintsJSON runs every command that declares --json
// on an empty home, first without a connection, then with one: whatever
// the outcome, stdout is empty (a failure explained on stderr) or exactly
// one JSON document, and a list is [] rather than null.
func TestEveryJSONCommandPrintsJSON(t *testing.T) {
	bin, err := exec.LookPath("impress")
	if err != nil {
		t.Fatalf("impress is not on PATH (testscript puts the test binary there): %v", err)
	}
	var paths []string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("json") != nil {
			paths = append(paths, strings.TrimPrefix(c.CommandPath(), "impress "))
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(cli.NewRootCmd(cli.NewFactory()))
	args := jsonArgs()
	for _, p := range paths {
		if _, ok := args[p]; !ok {
			t.Errorf("impress %s has --json but no entry in jsonArgs: add the arguments it runs with", p)
		}
	}
	for p := range args {
		if !slices.Contains(paths, p) {
			t.Errorf("jsonArgs names %q, which has no --json (or does not exist)", p)
		}
	}
	if t.Failed() {
		return
	}
	slices.Sort(paths)
	paths = slices.DeleteFunc(paths, func(p string) bool { return slices.Contains(jsonLast, p) || p == "auth login" })

	sb := sandbox.New(sandbox.Options{Seed: 1})
	hs := httptest.NewServer(sb)
	defer func() { hs.Close(); sb.Close() }()
	work := t.TempDir()
	sock, err := os.MkdirTemp("", "impj")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sock)
	env := append(os.Environ(), "IMPRESS_HOME="+filepath.Join(work, "home"), "IMPRESS_SOCKET="+filepath.Join(sock, "d.sock"),
		"HOME="+filepath.Join(work, "userhome"), "XDG_RUNTIME_DIR=", "XDG_CONFIG_HOME=", "IMPRESS_CONFIG=", "CI=1", "NO_COLOR=1",
		"IMPRESS_KEYRING=file", "IMPRESS_META_ENDPOINT="+hs.URL, "IMPRESS_META_APP_ID="+sb.AppID(),
		"IMPRESS_META_APP_SECRET="+sb.AppSecret())
	defer stopDaemon(filepath.Join(sock, "d.sock"))

	run := func(stdin string, args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = work, env
		cmd.Stdin = strings.NewReader(stdin)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return o.String(), e.String(), code
	}
	check := func(phase, p string, stdin string) {
		argv := append(strings.Fields(p), args[p]...)
		argv = append(argv, "--json")
		out, errOut, code := run(stdin, argv...)
		if strings.TrimSpace(out) == "" {
			if code == 0 {
				t.Errorf("%s: impress %s --json exited 0 and printed nothing on stdout; stderr:\n%s", phase, p, errOut)
			}
			return
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s: impress %s --json: stdout is not JSON (%v):\n%s", phase, p, err, out)
			return
		}
		if dec.More() {
			t.Errorf("%s: impress %s --json: more than one JSON document:\n%s", phase, p, out)
		}
		if v == nil {
			t.Errorf("%s: impress %s --json printed null (an empty list is [])", phase, p)
		}
	}
	for _, p := range paths {
		check("no connection", p, "")
	}
	out, err := sandboxPost(hs.URL, "/_sandbox/tokens", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	tok := string(out)
	var minted struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(tok), &minted); err != nil || minted.AccessToken == "" {
		t.Fatalf("mint a token: %s (%v)", tok, err)
	}
	check("login", "auth login", minted.AccessToken+"\n")
	for _, p := range paths {
		check("connected", p, "")
	}
	for _, p := range jsonLast {
		check("connected", p, "")
	}
}
