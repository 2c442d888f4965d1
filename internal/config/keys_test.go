package config

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

// TestKeysDeclaredOnce: the table holds each declared key once, with a
// kind whose default reads, and the typed handles read what the file says.
func TestKeysDeclaredOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys {
		if seen[k.Name] {
			t.Errorf("%s declared twice", k.Name)
		}
		seen[k.Name] = true
		if k.Help == "" {
			t.Errorf("%s has no help line", k.Name)
		}
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	testkit.WriteFile(t, file, "publish:\n  poll_max: 45s\n  poll_timeout: soon\n  slowdown: -1s\nmeta:\n  redirect_port: 9000\n")
	s, err := Load(LoadOptions{File: file, Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		k    DurationKey
		want time.Duration
	}{
		{PublishPollMax, 45 * time.Second},     // from the file
		{PublishPollInterval, 5 * time.Second}, // the default
		{PublishPollTimeout, 15 * time.Minute}, // not a duration: the default
		{PublishSlowdown, 30 * time.Second},    // not positive: the default
	} {
		if got := s.Duration(tc.k); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.k.Name(), got, tc.want)
		}
	}
	if s.Int(MetaRedirectPort) != 9000 || s.String(MetaAPIVersion) != "v25.0" {
		t.Errorf("redirect port %d, api version %q", s.Int(MetaRedirectPort), s.String(MetaAPIVersion))
	}
	if k, ok := Concurrency("render"); !ok || k != RenderConcurrency || s.Int(k) != 1 {
		t.Errorf("Concurrency(render) = %v, %v", k, ok)
	}
	if _, ok := Concurrency("purge"); ok {
		t.Error("purge jobs have no concurrency key")
	}
	defer func() {
		if recover() == nil {
			t.Error("Value of an undeclared key did not panic")
		}
	}()
	s.Value(Key{Name: "publish.poll_intervall"})
}
