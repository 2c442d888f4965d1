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
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

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
		if k.Kind == KindInt && v.IsSet(k.Name) {
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

// String returns a string key's effective value.
func (s *Settings) String(k StringKey) string { return s.v.GetString(k.name) }

// Int returns an integer key's effective value (0 when unset).
func (s *Settings) Int(k IntKey) int { return s.v.GetInt(k.name) }

// Duration returns a duration key's effective value. A value that is not
// a positive duration reads as the key's default, as it always has: a
// typo in the file must not make a poll spin.
func (s *Settings) Duration(k DurationKey) time.Duration {
	if d, err := time.ParseDuration(s.v.GetString(k.name)); err == nil && d > 0 {
		return d
	}
	def, _ := LookupKey(k.name)
	d, _ := time.ParseDuration(def.Default)
	return d
}

// Strings returns a list key's effective value: a YAML list in the file,
// or a comma-separated string (environment, flag, `config set`), each
// element trimmed, empty ones dropped.
func (s *Settings) Strings(k ListKey) []string {
	var parts []string
	switch v := s.v.Get(k.name).(type) {
	case []any:
		for _, e := range v {
			parts = append(parts, fmt.Sprint(e))
		}
	case []string:
		parts = v
	default:
		parts = strings.Split(s.v.GetString(k.name), ",")
	}
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Value returns the effective value of k, a key of [Keys] (or found by
// [LookupKey]), as text: for code that walks every key (`config list`,
// `config get`, the redactor's secrets). It panics on a key that was not
// declared, which only a programming error can make.
func (s *Settings) Value(k Key) string {
	if _, ok := LookupKey(k.Name); !ok {
		panic("config: undeclared key " + k.Name)
	}
	return s.v.GetString(k.Name)
}

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
		e := Entry{Key: k.Name, Value: s.Value(k), Source: s.Source(k.Name), Secret: k.Secret}
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
	if k.Kind == KindInt {
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
	setNested(m, key, value, k.Kind == KindInt)
	return writeFileMap(file, m)
}

// UnsetInFile removes key from the file. A key impress does not know may
// be removed too when the file has it: that is how a misspelt key that
// doctor warns about goes away.
func UnsetInFile(file, key string) error {
	m, err := readFileMap(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, ok := LookupKey(key); !ok {
		if _, in := lookupNested(m, key); !in {
			return fmt.Errorf("config unset %s: %w", key, ErrUnknownKey)
		}
	}
	if m == nil {
		return nil
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
