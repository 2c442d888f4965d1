package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/impress-dev/impress/api"
)

// handlerTransport serves requests with a handler in process: a fake
// daemon for the purge command's own logic (the real one is tested in
// package daemon and the testscripts).
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// fakePrivacyDaemon answers plan and purge, and records the purges asked.
type fakePrivacyDaemon struct {
	mu       sync.Mutex
	purges   []api.PurgeRequest
	verified bool
	effects  []api.PurgeEffect
}

func (d *fakePrivacyDaemon) client() *api.Client {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/privacy/purge/plan", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(api.PurgePlan{Scope: "connection", Counts: map[string]int{"comments": 3}, Identifiers: 9, Effects: d.effects})
	})
	mux.HandleFunc("POST /v1/privacy/purge", func(w http.ResponseWriter, r *http.Request) {
		var req api.PurgeRequest
		json.NewDecoder(r.Body).Decode(&req)
		d.mu.Lock()
		d.purges = append(d.purges, req)
		d.mu.Unlock()
		rc := api.Receipt{Code: "abcdefghijklmnopqrstuvwxyz", Scope: req.Scope, Source: "cli", Status: api.RequestDone,
			Counts: map[string]int{"comments": 3}, Verified: d.verified, Scan: &api.ScanResult{Files: 4, Identifiers: 9}, Effects: d.effects}
		if !d.verified {
			rc.Scan.Findings = []api.ScanFinding{{File: "data/x", Kind: "text"}}
		}
		json.NewEncoder(w).Encode(api.PurgeEvent{Code: rc.Code, Step: api.PurgeDone, Receipt: &rc})
	})
	return &api.Client{Socket: "unused", Transport: handlerTransport{mux}}
}

func (d *fakePrivacyDaemon) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.purges)
}

func runPurgeCmd(t *testing.T, d *fakePrivacyDaemon, tty bool, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := TestIO()
	ios.SetTTY(tty, tty, tty)
	in.WriteString(stdin)
	f := &Factory{IO: ios, Env: func(string) string { return "" }}
	cmd := newPurgeCmd(f, func(ctx context.Context, o *purgeOptions) error {
		o.Client = func(context.Context) (*api.Client, error) { return d.client(), nil }
		return runPurge(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	return out.String(), errOut.String(), err
}

func TestPurgeCommandConfirmation(t *testing.T) {
	d := &fakePrivacyDaemon{verified: true}

	// No terminal, no --yes: refused with exit 2, naming --yes; nothing sent.
	_, _, err := runPurgeCmd(t, d, false, "", "--connection", "main")
	if exitCode(err, false) != ExitUsage || !strings.Contains(err.Error(), "--yes") || d.count() != 0 {
		t.Fatalf("without a terminal: %v (exit %d), %d purges", err, exitCode(err, false), d.count())
	}
	// A terminal: asked; "no" cancels (exit 3), "yes" purges.
	_, stderr, err := runPurgeCmd(t, d, true, "no\n", "--connection", "main")
	if exitCode(err, false) != ExitCancelled || d.count() != 0 || !strings.Contains(stderr, "comments 3") {
		t.Fatalf("answered no: %v, %q, %d purges", err, stderr, d.count())
	}
	out, _, err := runPurgeCmd(t, d, true, "yes\n", "--connection", "main")
	if err != nil || d.count() != 1 || !strings.Contains(out, "Purged connection main.") || !strings.Contains(out, "done, verified") {
		t.Fatalf("answered yes: %v, %q, %d purges", err, out, d.count())
	}
	// --yes needs no terminal; --dry-run sends no purge.
	if _, _, err := runPurgeCmd(t, d, false, "", "--meta", "--yes"); err != nil || d.count() != 2 || d.purges[1].Scope != api.ScopeMeta {
		t.Fatalf("--meta --yes: %v, %+v", err, d.purges)
	}
	out, _, err = runPurgeCmd(t, d, false, "", "--project", "p", "--dry-run")
	if err != nil || d.count() != 2 || !strings.Contains(out, "comments  3") || !strings.Contains(out, "Nothing was changed") {
		t.Fatalf("dry run: %v, %q", err, out)
	}
}

func TestPurgeCommandScopesAndExitCodes(t *testing.T) {
	d := &fakePrivacyDaemon{verified: true}
	for _, args := range [][]string{{}, {"--connection", "a", "--all"}, {"--meta", "--account"}, {"--connection", ""}, {"extra"}} {
		_, _, err := runPurgeCmd(t, d, false, "", append(args, "--yes")...)
		var fe *FlagError
		if !errors.As(err, &fe) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if d.count() != 0 {
		t.Fatal("a usage error sent a purge")
	}
	// A purge whose scan found something exits 1 after printing the receipt.
	d.verified = false
	out, _, err := runPurgeCmd(t, d, false, "", "--all", "--yes", "--json")
	if exitCode(err, false) != ExitFailure || !strings.Contains(err.Error(), "not verified") {
		t.Fatalf("unverified: %v", err)
	}
	var rc api.Receipt
	if json.Unmarshal([]byte(out), &rc) != nil || rc.Verified || len(rc.Scan.Findings) != 1 {
		t.Errorf("--json output: %q", out)
	}
}

// TestPurgeCommandSaysWhatItCancels: scheduled posts a purge cancels are
// named before the question, in the dry run, with --yes (on stderr, the
// JSON stays one document) and in the receipt.
func TestPurgeCommandSaysWhatItCancels(t *testing.T) {
	const note = "2 scheduled post(s) are cancelled and will not be published (the next was due 2026-03-01 14:00 UTC)"
	d := &fakePrivacyDaemon{verified: true, effects: []api.PurgeEffect{
		{Kind: api.EffectScheduledPosts, Action: api.EffectCancelled, Count: 2, Note: note},
		{Kind: api.EffectPublishedPosts, Action: api.EffectKept, Count: 1, Note: "1 published post(s) stay on Instagram"},
	}}
	_, stderr, err := runPurgeCmd(t, d, true, "no\n", "--connection", "main")
	if exitCode(err, false) != ExitCancelled || !strings.Contains(stderr, "Cancels: "+note) ||
		strings.Index(stderr, note) > strings.Index(stderr, "Type yes") {
		t.Errorf("the question does not say what it cancels first: %q", stderr)
	}
	out, _, err := runPurgeCmd(t, d, false, "", "--connection", "main", "--dry-run")
	if err != nil || !strings.Contains(out, "Cancels: "+note) || !strings.Contains(out, "Keeps: 1 published post(s) stay on Instagram") {
		t.Errorf("dry run: %v, %q", err, out)
	}
	out, stderr, err = runPurgeCmd(t, d, false, "", "--connection", "main", "--yes", "--json")
	var rc api.Receipt
	if err != nil || !strings.Contains(stderr, note) || json.Unmarshal([]byte(out), &rc) != nil || len(rc.Effects) != 2 {
		t.Errorf("--yes --json: %v, stdout %q, stderr %q", err, out, stderr)
	}
	out, _, err = runPurgeCmd(t, d, false, "", "--connection", "main", "--yes")
	if err != nil || !strings.Contains(out, "Cancelled") || !strings.Contains(out, note) {
		t.Errorf("receipt: %v, %q", err, out)
	}
}
