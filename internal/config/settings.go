package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

// Key describes one configuration key of product.md's table.
type Key struct {
	Name    string // dotted, as in the file: "meta.app_id"
	Default string
	Secret  bool   // never from a flag, never printed
	Int     bool   // value must parse as an integer
	Help    string // one line for `config list` and docs
}

// Env is the environment variable for the key: a.b_c → IMPRESS_A_B_C.
func (k Key) Env() string {
	return "IMPRESS_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_"))
}

// Keys is the table of every key impress knows. Unknown keys in the file are
// kept but warned about; `config set` refuses them.
var Keys = []Key{
	{Name: "meta.app_id", Help: "your Meta app's id"},
	{Name: "meta.app_secret", Secret: true, Help: "your Meta app's secret (environment or file only)"},
	{Name: "meta.redirect_port", Default: "8788", Int: true, Help: "loopback OAuth redirect port, http://localhost:<port>/callback"},
	{Name: "meta.api_version", Default: "v25.0", Help: "Graph API version"},
	{Name: "meta.endpoint", Help: "one base URL for every Meta host (the sandbox)"},
	{Name: "meta.webhook_verify_token", Secret: true, Help: "token echoed in Meta's webhook subscription handshake"},
	{Name: "daemon.public_listen", Help: "address of the public endpoint listener, e.g. 127.0.0.1:8787"},
	{Name: "daemon.public_url", Help: "HTTPS address your tunnel or proxy gives the public listener"},
	{Name: "render.concurrency", Default: "1", Int: true, Help: "renders at once"},
	{Name: "publish.concurrency", Default: "4", Int: true, Help: "publishes at once"},
	{Name: "publish.poll_interval", Default: "5s", Help: "first wait between container status polls (doubles up to publish.poll_max)"},
	{Name: "publish.poll_max", Default: "30s", Help: "longest wait between container status polls"},
	{Name: "publish.poll_timeout", Default: "15m", Help: "how long a container may stay IN_PROGRESS before the publish fails"},
	{Name: "publish.retry_delay", Default: "2s", Help: "first backoff after a transient Meta failure (doubles per attempt)"},
	{Name: "publish.quota_recheck", Default: "10m", Help: "how often a publish waiting for the daily quota reads it again"},
	{Name: "publish.reconcile_window", Default: "30d", Help: "how far back a post live on the account counts as an item already published (e.g. 30d, 72h)"},
	{Name: "publish.slowdown", Default: "30s", Help: "pause between Meta calls while usage headers report 80 % or more"},
	{Name: "ffmpeg.path", Help: "ffmpeg binary (default: from PATH)"},
	{Name: "ffprobe.path", Help: "ffprobe binary (default: from PATH)"},
}

// LookupKey finds a key by its dotted name.
func LookupKey(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// ErrUnknownKey is returned for a key not in [Keys].
var ErrUnknownKey = errors.New("unknown config key")

// ErrConfigMissing is returned when a config file named explicitly (by
// --config or IMPRESS_CONFIG) does not exist.
var ErrConfigMissing = errors.New("config file not found")

// Settings is the merged configuration. It wraps its own viper instance;
// there is no package-level viper state.
type Settings struct {
	v     *viper.Viper
	file  string
	flags *pflag.FlagSet
	env   Getenv
}

// LoadOptions says where settings come from.
type LoadOptions struct {
	File     string         // config file path (Paths.ConfigFile)
	Explicit bool           // the user named File; a missing file is then an error
	Flags    *pflag.FlagSet // flags bound by key name (may be nil)
	Env      Getenv         // defaults to os.Getenv
}

// Load reads the file (if any), the environment and the flags.
func Load(o LoadOptions) (*Settings, error) {
	if o.Env == nil {
		o.Env = os.Getenv
	}
	v := viper.New()
	for _, k := range Keys {
		if k.Default != "" {
			v.SetDefault(k.Name, k.Default)
		}
	}
	data, err := os.ReadFile(o.File)
	switch {
	case err == nil:
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("config %s: %w; fix the YAML or move the file aside", o.File, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if o.Explicit {
			return nil, fmt.Errorf("config %s: %w; create it with `impress config set KEY VALUE` or drop --config", o.File, ErrConfigMissing)
		}
	default:
		return nil, fmt.Errorf("config %s: %w", o.File, err)
	}
	s := &Settings{v: v, file: o.File, flags: o.Flags, env: o.Env}
	for _, k := range Keys {
		// Explicit env lookups (rather than viper.AutomaticEnv) so that
		// the env source is injectable and every key's name is documented.
		if val := o.Env(k.Env()); val != "" {
			v.Set(k.Name, val)
		}
	}
	if o.Flags != nil {
		for _, k := range Keys {
			if k.Secret {
				continue // flags show in ps; secrets never come from them
			}
			if f := o.Flags.Lookup(flagName(k.Name)); f != nil && f.Changed {
				v.Set(k.Name, f.Value.String())
			}
		}
	}
	for _, k := range Keys {
		if k.Int && v.IsSet(k.Name) {
			if _, err := strconv.Atoi(v.GetString(k.Name)); err != nil {
				return nil, fmt.Errorf("config: %s=%q is not a number (from %s)", k.Name, v.GetString(k.Name), s.Source(k.Name))
			}
		}
	}
	return s, nil
}

// flagName maps a key to the flag that may set it: "render.concurrency" →
// "render-concurrency".
func flagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}

// FlagName is exported for the CLI, which defines the flags.
func FlagName(key string) string { return flagName(key) }

// File is the config file these settings were read from.
func (s *Settings) File() string { return s.file }

// String returns a key's effective value.
func (s *Settings) String(key string) string { return s.v.GetString(key) }

// Int returns a key's effective value as an integer (0 when unset).
func (s *Settings) Int(key string) int { return s.v.GetInt(key) }

// Source says where a key's value came from: flag, env, file or default.
func (s *Settings) Source(key string) string {
	k, _ := LookupKey(key)
	if s.flags != nil && !k.Secret {
		if f := s.flags.Lookup(flagName(key)); f != nil && f.Changed {
			return "flag"
		}
	}
	if s.env(k.Env()) != "" {
		return "env"
	}
	if s.fileHas(key) {
		return "file"
	}
	if k.Default != "" {
		return "default"
	}
	return "unset"
}

func (s *Settings) fileHas(key string) bool {
	m, err := readFileMap(s.file)
	if err != nil {
		return false
	}
	_, ok := lookupNested(m, key)
	return ok
}

// Entry is one line of `config list`.
type Entry struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
	Secret bool   `json:"secret,omitempty"`
}

// Masked is what a secret's value is shown as.
const Masked = "********"

// List returns every known key with its effective value; secrets are masked.
func (s *Settings) List() []Entry {
	out := make([]Entry, 0, len(Keys))
	for _, k := range Keys {
		e := Entry{Key: k.Name, Value: s.String(k.Name), Source: s.Source(k.Name), Secret: k.Secret}
		if k.Secret && e.Value != "" {
			e.Value = Masked
		}
		out = append(out, e)
	}
	return out
}

// UnknownFileKeys lists keys present in the file that impress does not know,
// so `doctor` can point at typos.
func (s *Settings) UnknownFileKeys() []string {
	m, err := readFileMap(s.file)
	if err != nil {
		return nil
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			if sub, ok := v.(map[string]any); ok {
				walk(name, sub)
				continue
			}
			if _, ok := LookupKey(name); !ok {
				out = append(out, name)
			}
		}
	}
	walk("", m)
	sort.Strings(out)
	return out
}

// SetInFile writes key=value into the config file, creating it 0600 and
// replacing it atomically so a crash never leaves half a file.
func SetInFile(file, key, value string) error {
	k, ok := LookupKey(key)
	if !ok {
		return fmt.Errorf("config set %s: %w; `impress config list` shows the keys", key, ErrUnknownKey)
	}
	if k.Int {
		if _, err := strconv.Atoi(value); err != nil {
			return fmt.Errorf("config set %s: %q is not a number", key, value)
		}
	}
	m, err := readFileMap(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config set %s: %w", key, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	setNested(m, key, value, k.Int)
	return writeFileMap(file, m)
}

// UnsetInFile removes key from the file.
func UnsetInFile(file, key string) error {
	if _, ok := LookupKey(key); !ok {
		return fmt.Errorf("config unset %s: %w", key, ErrUnknownKey)
	}
	m, err := readFileMap(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	parts := strings.Split(key, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	delete(cur, parts[len(parts)-1])
	return writeFileMap(file, m)
}

func readFileMap(file string) (map[string]any, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	return m, nil
}

func lookupNested(m map[string]any, key string) (any, bool) {
	parts := strings.Split(key, ".")
	var cur any = m
	for _, p := range parts {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = mm[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func setNested(m map[string]any, key, value string, isInt bool) {
	parts := strings.Split(key, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	if isInt {
		n, _ := strconv.Atoi(value)
		cur[parts[len(parts)-1]] = n
		return
	}
	cur[parts[len(parts)-1]] = value
}

func writeFileMap(file string, m map[string]any) error {
	data, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create config dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
