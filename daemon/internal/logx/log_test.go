package logx

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/internal/testkit"
)

func TestLogRedactsEverySecretShape(t *testing.T) {
	dir := t.TempDir()
	rf, err := OpenRotating(filepath.Join(dir, "daemon.log"), 1<<20, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	red := &redact.Redactor{}
	known := "plain-known-token-0001"
	red.Add(known)
	log := NewLogger(rf, red, 0)
	urlErr := &url.Error{Op: "Get", URL: "https://graph.instagram.com/v25.0/me?access_token=IGQVJsecret123456789012345", Err: errors.New("dial tcp: refused")}
	log.Info("refresh failed "+known, "err", urlErr, "token", known, "nested", fmt.Errorf("wrap: %w", urlErr))
	log.With("tok", known).Warn("with attrs")
	data := testkit.ReadFile(t, filepath.Join(dir, "daemon.log"))
	for _, leak := range []string{known, "IGQVJsecret123456789012345"} {
		if strings.Contains(string(data), leak) {
			t.Errorf("log contains %q:\n%s", leak, data)
		}
	}
	if strings.Count(string(data), redact.Mask) < 4 {
		t.Errorf("expected masks in log:\n%s", data)
	}
}

func TestLogRotationAndRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.log")
	rf, err := OpenRotating(path, 200, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	for i := range 30 {
		fmt.Fprintf(rf, "line %02d user=%s\n", i, map[bool]string{true: "alice", false: "bob"}[i%2 == 0])
	}
	files := rf.Files()
	if len(files) != 3 {
		t.Fatalf("files = %v, want current + 2 rotated", files)
	}
	removed, err := rf.Rewrite(func(l string) bool { return !strings.Contains(l, "alice") })
	if err != nil || removed == 0 {
		t.Fatalf("Rewrite = %d, %v", removed, err)
	}
	for _, f := range rf.Files() {
		data := testkit.ReadFile(t, f)
		if strings.Contains(string(data), "alice") {
			t.Errorf("%s still mentions alice", f)
		}
	}
	fmt.Fprintln(rf, "after rewrite")
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "after rewrite") {
		t.Error("log not writable after Rewrite")
	}
	old := time.Now().Add(-30 * 24 * time.Hour)
	for _, f := range rf.Files()[1:] {
		os.Chtimes(f, old, old)
	}
	if n := rf.PruneOlderThan(time.Now().Add(-14 * 24 * time.Hour)); n != 2 {
		t.Errorf("PruneOlderThan removed %d, want 2", n)
	}
}
