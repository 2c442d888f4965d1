package cli

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// parseWith builds a command (or a tree holding it, see withConn) with a
// runF that keeps its options, runs it on args and returns what the
// command parsed (nil when it refused).
func parseWith[O any](t *testing.T, build func(*Factory, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := TestIO()
	f := &Factory{IO: ios, Version: "test", Env: func(string) string { return "" }}
	var got *O
	cmd := build(f, func(_ context.Context, o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	if err != nil && got != nil {
		t.Errorf("%v: runF ran although the command failed: %v", args, err)
	}
	return got, err
}

// wantUsage fails unless err is a usage mistake (exit 2).
func wantUsage(t *testing.T, what string, err error) {
	t.Helper()
	if exitCode(err, false) != ExitUsage {
		t.Errorf("%s: err = %v (exit %d), want a usage error (exit 2)", what, err, exitCode(err, false))
	}
}

// withConn builds the parent a community command hangs under, with its
// persistent --connection, as newCommentsCmd and newMessagesCmd do.
func withConn[O any](child func(*Factory, *string, func(context.Context, *O) error) *cobra.Command) func(*Factory, func(context.Context, *O) error) *cobra.Command {
	return func(f *Factory, runF func(context.Context, *O) error) *cobra.Command {
		var conn string
		parent := &cobra.Command{Use: "parent"}
		addConnFlag(parent, &conn)
		parent.AddCommand(child(f, &conn, runF))
		return parent
	}
}

// The flag and argument parsing of every noun, through runF: what the run
// function would get, and the usage mistakes refused before it runs.

func TestParseDaemonConfigVersionDoctor(t *testing.T) {
	if o, err := parseWith(t, newDaemonStatusCmd, "--json"); err != nil || !o.JSON || o.Version != "test" {
		t.Errorf("daemon status --json: %+v, %v", o, err)
	}
	_, err := parseWith(t, newDaemonStopCmd, "extra")
	wantUsage(t, "daemon stop extra", err)
	if o, err := parseWith(t, newConfigSetCmd, "render.concurrency", "2"); err != nil || o.Key != "render.concurrency" || o.Value != "2" {
		t.Errorf("config set: %+v, %v", o, err)
	}
	_, err = parseWith(t, newConfigGetCmd)
	wantUsage(t, "config get without KEY", err)
	if o, err := parseWith(t, newVersionCmd, "--json"); err != nil || !o.JSON || o.Version != "test" {
		t.Errorf("version --json: %+v, %v", o, err)
	}
	if o, err := parseWith(t, newDoctorCmd); err != nil || o.JSON || o.Paths == nil || o.Settings == nil || o.Client == nil {
		t.Errorf("doctor: %+v, %v", o, err)
	}
}

func TestParseAccount(t *testing.T) {
	o, err := parseWith(t, newAccountSetCmd, "--company", "", "--email", "me@example.com")
	if err != nil || o.Update.Company == nil || *o.Update.Company != "" || *o.Update.Email != "me@example.com" ||
		o.Update.Store != nil || o.Update.Contact != nil {
		t.Fatalf("account set: %+v, %v", o, err)
	}
	_, err = parseWith(t, newAccountSetCmd, "--json")
	wantUsage(t, "account set with nothing to set", err)
	if o, err := parseWith(t, newAccountShowCmd, "--json"); err != nil || !o.JSON {
		t.Errorf("account show --json: %+v, %v", o, err)
	}
}

func TestParseJobs(t *testing.T) {
	o, err := parseWith(t, newJobsWaitCmd, "j1", "--progress", "json", "--json")
	if err != nil || o.ID != "j1" || o.Progress != "json" || !o.JSON {
		t.Errorf("jobs wait: %+v, %v", o, err)
	}
	if o, err := parseWith(t, newJobsListCmd, "--kind", "publish"); err != nil || o.Kind != "publish" || o.JSON {
		t.Errorf("jobs list: %+v, %v", o, err)
	}
	if o, err := parseWith(t, newJobsRetryCmd, "j2", "--json"); err != nil || o.ID != "j2" || !o.JSON {
		t.Errorf("jobs retry: %+v, %v", o, err)
	}
	_, err = parseWith(t, newJobsCancelCmd)
	wantUsage(t, "jobs cancel without ID", err)
}

func TestParseProjectAssetRenderValidate(t *testing.T) {
	o, err := parseWith(t, newProjectNewCmd, "summer", "--preset", "story", "--clip", "a.mp4", "--clip", "b.jpg")
	if err != nil || o.Name != "summer" || o.Preset != "story" || !slices.Equal(o.Clips, []string{"a.mp4", "b.jpg"}) {
		t.Errorf("project new: %+v, %v", o, err)
	}
	if o, err := parseWith(t, newProjectExportCmd, "summer", "-o", "s.yaml", "--json"); err != nil || o.Name != "summer" || o.Out != "s.yaml" || !o.JSON {
		t.Errorf("project export: %+v, %v", o, err)
	}
	if o, err := parseWith(t, newProjectShowCmd, "summer", "--spec"); err != nil || !o.Spec || o.Name != "summer" {
		t.Errorf("project show --spec: %+v, %v", o, err)
	}
	a, err := parseWith(t, newAssetAddCmd, "summer", "a.mp4", "b.srt", "--append")
	if err != nil || a.Project != "summer" || !slices.Equal(a.Files, []string{"a.mp4", "b.srt"}) || !a.Append {
		t.Errorf("asset add: %+v, %v", a, err)
	}
	_, err = parseWith(t, newAssetAddCmd, "summer")
	wantUsage(t, "asset add without FILE", err)
	r, err := parseWith(t, newRenderCmd, "summer", "--preview", "--no-cache", "-o", "out.mp4")
	if err != nil || r.Target != "summer" || !r.Preview || !r.NoCache || r.Out != "out.mp4" || r.Progress != "auto" {
		t.Errorf("render: %+v, %v", r, err)
	}
	_, err = parseWith(t, newRenderCmd, "summer", "--progress", "bars")
	wantUsage(t, "render --progress bars", err)
	if v, err := parseWith(t, newValidateCmd, "clip.mp4", "--type", "story"); err != nil || v.Target != "clip.mp4" || v.Type != "story" {
		t.Errorf("validate: %+v, %v", v, err)
	}
}

func TestParseAuth(t *testing.T) {
	o, err := parseWith(t, newAuthLoginCmd, "--flavor", "facebook", "--account", "@brand", "--no-browser", "--connection", "b")
	if err != nil || o.Flavor != "facebook" || o.Account != "@brand" || !o.NoBrowser || o.Connection != "b" || o.Env == nil {
		t.Errorf("auth login: %+v, %v", o, err)
	}
	_, err = parseWith(t, newAuthLoginCmd, "--flavor", "tiktok")
	wantUsage(t, "auth login --flavor tiktok", err)
	_, err = parseWith(t, newAuthLoginCmd, "--with-token", "--no-browser")
	wantUsage(t, "auth login --with-token --no-browser", err)
	if l, err := parseWith(t, newAuthLogoutCmd, "--connection", "b", "--revoke"); err != nil || l.Request.Connection != "b" || !l.Request.Revoke {
		t.Errorf("auth logout: %+v, %v", l, err)
	}
	if r, err := parseWith(t, newAuthRefreshCmd, "--connection", "b", "--json"); err != nil || r.Request.Connection != "b" || !r.JSON {
		t.Errorf("auth refresh: %+v, %v", r, err)
	}
}

func TestParsePublishMediaDemo(t *testing.T) {
	o, err := parseWith(t, newPublishCmd, "a.mp4", "b.jpg", "--caption", "", "--share-to-feed=false", "--collaborator", "x")
	if err != nil || !slices.Equal(o.Targets, []string{"a.mp4", "b.jpg"}) || !o.captionSet || o.Caption != "" ||
		!o.shareSet || o.ShareToFeed || o.thumbSet || !slices.Equal(o.Collaborators, []string{"x"}) {
		t.Errorf("publish: %+v, %v", o, err)
	}
	for _, args := range [][]string{
		{"a.mp4", "--manifest", "m.yaml"},
		{"--manifest", "m.yaml", "--caption", "x"},
		{"a.mp4", "--shard", "1/2"},
		{"a.mp4", "--cover", "c.jpg", "--thumb-offset", "10"},
		{"a.mp4", "--type", "tweet"},
		{},
	} {
		_, err := parseWith(t, newPublishCmd, args...)
		wantUsage(t, "publish "+strings.Join(args, " "), err)
	}
	if m, err := parseWith(t, newPublishCmd, "--manifest", "m.csv", "--shard", "2/3", "--concurrency", "2"); err != nil ||
		m.Manifest != "m.csv" || m.Shard != "2/3" || m.Concurrency != 2 || len(m.Targets) != 0 {
		t.Errorf("publish --manifest: %+v, %v", m, err)
	}
	if l, err := parseWith(t, newMediaListCmd, "--connection", "b"); err != nil || l.Connection != "b" {
		t.Errorf("media list: %+v, %v", l, err)
	}
	if s, err := parseWith(t, newMediaShowCmd, "latest", "--json"); err != nil || s.Media != "latest" || !s.JSON {
		t.Errorf("media show: %+v, %v", s, err)
	}
	if d, err := parseWith(t, newDemoCmd, "--home", "h", "--keep"); err != nil || d.Home != "h" || !d.Keep || d.Version != "test" {
		t.Errorf("demo: %+v, %v", d, err)
	}
}

func TestParseCommunity(t *testing.T) {
	// --connection belongs to the parent and reaches every child, before
	// or after the child's name.
	l, err := parseWith(t, withConn(newCommentsListCmd), "--connection", "b", "list", "m1", "--all", "--offline")
	if err != nil || l.Connection != "b" || l.Media != "m1" || !l.All || !l.Offline {
		t.Errorf("comments list: %+v, %v", l, err)
	}
	h, err := parseWith(t, withConn(newCommentsHideCmd), "hide", "c1", "--connection", "b")
	if err != nil || h.ID != "c1" || h.Connection != "b" {
		t.Errorf("comments hide: %+v, %v", h, err)
	}
	r, err := parseWith(t, withConn(newCommentsReplyMentionCmd), "reply-mention", "m1", "-", "--comment", "c9")
	if err != nil || r.ID != "m1" || r.Text != "-" || r.Comment != "c9" {
		t.Errorf("comments reply-mention: %+v, %v (TEXT - is read when it runs, not parsed)", r, err)
	}
	_, err = parseWith(t, withConn(newCommentsReplyCmd), "reply", "c1")
	wantUsage(t, "comments reply without TEXT", err)
	m, err := parseWith(t, withConn(newCommentsMentionsCmd), "mentions", "--offline", "--json")
	if err != nil || !m.Offline || !m.JSON {
		t.Errorf("comments mentions: %+v, %v", m, err)
	}
	s, err := parseWith(t, withConn(newMessagesShowCmd), "--connection", "b", "show", "t1", "--keep", "--offline")
	if err != nil || s.Connection != "b" || s.Thread != "t1" || !s.Keep || !s.Offline {
		t.Errorf("messages show: %+v, %v", s, err)
	}
	p, err := parseWith(t, withConn(newPrivateReplyCmd), "private-reply", "c1", "thanks")
	if err != nil || p.ID != "c1" || p.Text != "thanks" || p.Connection != "" {
		t.Errorf("messages private-reply: %+v, %v", p, err)
	}
	e, err := parseWith(t, newEventsListCmd, "--since", "5", "--type", "comments", "--limit", "2", "--follow", "--json")
	if err != nil || e.Query.Since != 5 || e.Query.Type != "comments" || e.Query.Limit != 2 || !e.Follow || !e.JSON {
		t.Errorf("events list: %+v, %v", e, err)
	}
	_, err = parseWith(t, newEventsListCmd, "--limit", "-1")
	wantUsage(t, "events list --limit -1", err)
}

func TestParsePrivacySandbox(t *testing.T) {
	r, err := parseWith(t, newRetentionSetCmd, "events", "7d", "--json")
	if err != nil || r.Kind != "events" || r.Duration != "7d" || !r.JSON {
		t.Errorf("retention set: %+v, %v", r, err)
	}
	if q, err := parseWith(t, newRequestsShowCmd, "abc"); err != nil || q.Code != "abc" {
		t.Errorf("requests show: %+v, %v", q, err)
	}
	x, err := parseWith(t, newExportCmd, "--connection", "b", "--no-media", "--out", "b.zip")
	if err != nil || x.Request.Connection != "b" || !x.Request.NoMedia || x.Out != "b.zip" {
		t.Errorf("privacy export: %+v, %v", x, err)
	}
	// A zip on a terminal is refused before anything is asked.
	tty := func(f *Factory, runF func(context.Context, *exportOptions) error) *cobra.Command {
		f.IO.SetTTY(false, true, false)
		return newExportCmd(f, runF)
	}
	_, err = parseWith(t, tty, "--out", "-")
	wantUsage(t, "privacy export --out - on a terminal", err)
	s, err := parseWith(t, newSandboxCmd, "--addr", "127.0.0.1:0", "--latency", "5ms", "--fail-rate", "0.5", "--seed", "9")
	if err != nil || s.Addr != "127.0.0.1:0" || s.Latency != 5*time.Millisecond || s.FailRate != 0.5 || s.Seed != 9 {
		t.Errorf("sandbox: %+v, %v", s, err)
	}
}

// TestRunFSeesTheUsageErrorFirst: a flag mistake is a *FlagError and
// never reaches the run function.
func TestRunFSeesTheUsageErrorFirst(t *testing.T) {
	_, err := parseWith(t, newPurgeCmd, "--meta", "--all")
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Errorf("purge --meta --all: %v, want a *FlagError", err)
	}
}

// TestHelpHasExamples: the commands people reach first show examples in
// --help, each a command line of impress.
func TestHelpHasExamples(t *testing.T) {
	ios, _, _, _ := TestIO()
	root := NewRootCmd(&Factory{IO: ios, Version: "test", Env: func(string) string { return "" }})
	for _, path := range []string{"publish", "render", "project", "comments", "messages", "events", "events list", "edit", "sandbox"} {
		cmd, _, err := root.Find(strings.Fields(path))
		if err != nil || cmd.CommandPath() != "impress "+path {
			t.Fatalf("%s: %v", path, err)
		}
		if cmd.Example == "" {
			t.Errorf("impress %s --help has no example", path)
		}
		for _, line := range strings.Split(cmd.Example, "\n") {
			if l := strings.TrimSpace(line); !strings.HasPrefix(l, "impress "+strings.Fields(path)[0]) && !strings.Contains(l, " impress "+strings.Fields(path)[0]) {
				t.Errorf("impress %s: example %q is not an impress %s command line", path, l, path)
			}
		}
	}
}
