package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/testkit"
	"github.com/spf13/pflag"
)

func envMap(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestResolvePaths(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Paths
	}{
		{"home", map[string]string{"IMPRESS_HOME": "/h", "HOME": "/u"},
			Paths{Home: "/h", ConfigFile: "/h/config.yaml", DataDir: "/h/data", StateDir: "/h/state", Socket: "/h/run/impress.sock"}},
		{"xdg", map[string]string{"HOME": "/u", "XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d", "XDG_STATE_HOME": "/s", "XDG_RUNTIME_DIR": "/r"},
			Paths{ConfigFile: "/c/impress/config.yaml", DataDir: "/d/impress", StateDir: "/s/impress", Socket: "/r/impress/impress.sock"}},
		{"xdg defaults, no runtime dir", map[string]string{"HOME": "/u"},
			Paths{ConfigFile: "/u/.config/impress/config.yaml", DataDir: "/u/.local/share/impress", StateDir: "/u/.local/state/impress", Socket: "/u/.local/state/impress/run/impress.sock"}},
		{"specific overrides win over home", map[string]string{"IMPRESS_HOME": "/h", "IMPRESS_SOCKET": "/x.sock", "IMPRESS_DATA_DIR": "/dd", "IMPRESS_CONFIG": "/cfg.yaml", "IMPRESS_STATE_DIR": "/ss"},
			Paths{Home: "/h", ConfigFile: "/cfg.yaml", DataDir: "/dd", StateDir: "/ss", Socket: "/x.sock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolvePaths(envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ResolvePaths = %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := ResolvePaths(envMap(nil)); err == nil {
		t.Error("ResolvePaths without HOME or IMPRESS_HOME succeeded")
	}
}

func TestLongSocketPathFallsBackToShortOne(t *testing.T) {
	long := "/" + strings.Repeat("deep/", 30) + "impress.sock"
	got, err := ResolvePaths(envMap(map[string]string{"IMPRESS_SOCKET": long}))
	if err == nil && len(got.Socket) > MaxSocketPath {
		t.Fatalf("socket %q is %d bytes", got.Socket, len(got.Socket))
	}
	if got.Socket == long {
		t.Fatal("long path kept")
	}
	other := ShortSocket(long + "x")
	if other == got.Socket {
		t.Error("two long paths mapped to the same short socket")
	}
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := SetInFile(file, "render.concurrency", "3"); err != nil {
		t.Fatal(err)
	}
	if err := SetInFile(file, "meta.app_secret", "from-file-secret"); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.Int(FlagName("render.concurrency"), 0, "")
	fs.String(FlagName("meta.app_secret"), "", "") // must be ignored: secrets never from flags
	env := map[string]string{}
	load := func() *Settings {
		s, err := Load(LoadOptions{File: file, Flags: fs, Env: envMap(env)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := load(); s.Int(RenderConcurrency) != 3 || s.Source("render.concurrency") != "file" {
		t.Errorf("file: %d from %s", s.Int(RenderConcurrency), s.Source("render.concurrency"))
	}
	if s := load(); s.Int(PublishConcurrency) != 4 || s.Source("publish.concurrency") != "default" {
		t.Errorf("default: %d from %s", s.Int(PublishConcurrency), s.Source("publish.concurrency"))
	}
	env["IMPRESS_RENDER_CONCURRENCY"] = "5"
	if s := load(); s.Int(RenderConcurrency) != 5 || s.Source("render.concurrency") != "env" {
		t.Errorf("env: %d from %s", s.Int(RenderConcurrency), s.Source("render.concurrency"))
	}
	fs.Parse([]string{"--render-concurrency=7", "--meta-app-secret=from-flag"})
	s := load()
	if s.Int(RenderConcurrency) != 7 || s.Source("render.concurrency") != "flag" {
		t.Errorf("flag: %d from %s", s.Int(RenderConcurrency), s.Source("render.concurrency"))
	}
	if s.String(MetaAppSecret) != "from-file-secret" {
		t.Errorf("secret taken from a flag: %q", s.String(MetaAppSecret))
	}
	for _, e := range s.List() {
		if strings.Contains(e.Value, "from-file-secret") {
			t.Errorf("List leaks the secret: %+v", e)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(LoadOptions{File: filepath.Join(dir, "missing.yaml"), Explicit: true}); !errors.Is(err, ErrConfigMissing) {
		t.Errorf("explicit missing file: %v", err)
	}
	if _, err := Load(LoadOptions{File: filepath.Join(dir, "missing.yaml")}); err != nil {
		t.Errorf("implicit missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	testkit.WriteFile(t, bad, "render: [unclosed")
	if _, err := Load(LoadOptions{File: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad yaml: %v", err)
	}
	notNum := filepath.Join(dir, "n.yaml")
	testkit.WriteFile(t, notNum, "render:\n  concurrency: lots\n")
	if _, err := Load(LoadOptions{File: notNum}); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("non-numeric int key: %v", err)
	}
	if err := SetInFile(filepath.Join(dir, "c.yaml"), "nope.key", "1"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	unk := filepath.Join(dir, "u.yaml")
	testkit.WriteFile(t, unk, "render:\n  concurency: 2\n")
	s, err := Load(LoadOptions{File: unk})
	if err != nil || len(s.UnknownFileKeys()) != 1 || s.UnknownFileKeys()[0] != "render.concurency" {
		t.Errorf("UnknownFileKeys = %v, %v", s.UnknownFileKeys(), err)
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := EnsurePrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %o", fi.Mode().Perm())
	}
	// An existing directory is checked, never re-moded: readable by others
	// is tolerated (files inside are 0600), writable by others is refused.
	os.Chmod(dir, 0o755)
	if err := EnsurePrivateDir(dir); err != nil {
		t.Errorf("0755 dir of ours: %v", err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o755 {
		t.Errorf("existing dir re-moded to %o", fi.Mode().Perm())
	}
	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o1777)
	if err := EnsurePrivateDir(shared); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("world-writable dir: %v, want ErrUnsafeDir", err)
	}
	if fi, _ := os.Stat(shared); fi.Mode().Perm() != 0o777 {
		t.Errorf("shared dir re-moded to %o", fi.Mode().Perm())
	}
}

// TestStrings: a list key reads the same from a YAML list in the file and
// from a comma-separated string (environment, `config set`).
func TestStrings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	testkit.WriteFile(t, file, "daemon:\n  trusted_proxies:\n    - 127.0.0.1/32\n    - \" ::1/128 \"\n")
	env := map[string]string{}
	s, err := Load(LoadOptions{File: file, Env: envMap(env)})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Strings(DaemonTrustedProxies); strings.Join(got, "|") != "127.0.0.1/32|::1/128" {
		t.Errorf("from a YAML list: %q", got)
	}
	env["IMPRESS_DAEMON_TRUSTED_PROXIES"] = "10.0.0.0/8, ,192.168.1.2 "
	if s, err = Load(LoadOptions{File: file, Env: envMap(env)}); err != nil {
		t.Fatal(err)
	}
	if got := s.Strings(DaemonTrustedProxies); strings.Join(got, "|") != "10.0.0.0/8|192.168.1.2" {
		t.Errorf("from the environment: %q", got)
	}
	if s, err = Load(LoadOptions{File: filepath.Join(t.TempDir(), "none.yaml"), Env: envMap(map[string]string{})}); err != nil {
		t.Fatal(err)
	}
	if got := s.Strings(DaemonTrustedProxies); got == nil || len(got) != 0 {
		t.Errorf("unset key: %#v, want an empty list", got)
	}
}

// TestUnsetUnknownKeyInFile: a misspelt key that doctor warns about can be
// removed with `config unset`; one the file does not have is still refused.
func TestUnsetUnknownKeyInFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	testkit.WriteFile(t, file, "render:\n  concurency: 2\n  concurrency: 3\n")
	if err := UnsetInFile(file, "render.concurency"); err != nil {
		t.Fatalf("unset of a key the file has: %v", err)
	}
	s, err := Load(LoadOptions{File: file, Env: envMap(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if u := s.UnknownFileKeys(); len(u) != 0 {
		t.Errorf("unknown keys left: %v", u)
	}
	if s.Int(RenderConcurrency) != 3 {
		t.Errorf("the known key next to it was lost")
	}
	if err := UnsetInFile(file, "render.concurency"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unset of an unknown key the file lacks = %v, want ErrUnknownKey", err)
	}
}
