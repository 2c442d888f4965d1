// Package config resolves impress's paths and settings: the config file,
// IMPRESS_* environment variables and flags, with the precedence
// flag > environment > file > default that README "Configuration" promises.
//
// It is shared by the CLI (which reads and writes the file and hands its
// environment to an auto-started daemon) and the daemon (which reads its
// settings at start and again on reload). It never stores secrets anywhere
// but the file the user chose, and never prints them: see [Masked].
//
// Every key is declared once, in keys.go, with its default, kind and
// whether the daemon reads it only at start; code reads a key through its
// typed handle (settings.String(config.MetaAppID)), never by name.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// MaxSocketPath is the longest unix socket path that works on every
// platform impress supports: sun_path is 108 bytes on Linux but 104 on
// macOS, including the terminating NUL.
const MaxSocketPath = 103

// Paths are the directories and files impress uses. Every field is absolute.
type Paths struct {
	Home       string // IMPRESS_HOME when set, else ""
	ConfigFile string
	DataDir    string // bbolt file, media store, renders
	StateDir   string // daemon log
	Socket     string
}

// DBFile is the bbolt store inside the data directory.
func (p Paths) DBFile() string { return filepath.Join(p.DataDir, "impress.db") }

// LogFile is the daemon's structured log.
func (p Paths) LogFile() string { return filepath.Join(p.StateDir, "daemon.log") }

// Getenv looks up an environment variable; tests pass a map-backed one.
type Getenv func(string) string

// ResolvePaths applies README's rules ("The daemon", where things live):
// IMPRESS_HOME puts everything under one root; IMPRESS_CONFIG, IMPRESS_DATA_DIR, IMPRESS_STATE_DIR and
// IMPRESS_SOCKET override single paths (and win over IMPRESS_HOME, since they
// are more specific); otherwise the XDG base directories are used. A socket
// path too long for the platform is replaced by a short one under /tmp in a
// per-user 0700 directory, named by a hash of the long path so that two homes
// never share a socket.
func ResolvePaths(env Getenv) (Paths, error) {
	if env == nil {
		env = os.Getenv
	}
	var p Paths
	userHome := env("HOME")
	xdg := func(key, fallback string) (string, error) {
		if v := env(key); v != "" && filepath.IsAbs(v) {
			return v, nil
		}
		if userHome == "" {
			return "", fmt.Errorf("paths: neither %s nor HOME is set; set IMPRESS_HOME to a directory impress may use", key)
		}
		return filepath.Join(userHome, fallback), nil
	}
	if h := env("IMPRESS_HOME"); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return p, fmt.Errorf("paths: IMPRESS_HOME: %w", err)
		}
		p.Home = abs
		p.ConfigFile = filepath.Join(abs, "config.yaml")
		p.DataDir = filepath.Join(abs, "data")
		p.StateDir = filepath.Join(abs, "state")
		p.Socket = filepath.Join(abs, "run", "impress.sock")
	} else {
		cfg, err := xdg("XDG_CONFIG_HOME", ".config")
		if err != nil {
			return p, err
		}
		data, err := xdg("XDG_DATA_HOME", filepath.Join(".local", "share"))
		if err != nil {
			return p, err
		}
		state, err := xdg("XDG_STATE_HOME", filepath.Join(".local", "state"))
		if err != nil {
			return p, err
		}
		p.ConfigFile = filepath.Join(cfg, "impress", "config.yaml")
		p.DataDir = filepath.Join(data, "impress")
		p.StateDir = filepath.Join(state, "impress")
		if rt := env("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
			p.Socket = filepath.Join(rt, "impress", "impress.sock")
		} else {
			// No runtime dir (macOS, some SSH sessions): keep the socket
			// beside the state, in a directory we create 0700 ourselves.
			p.Socket = filepath.Join(p.StateDir, "run", "impress.sock")
		}
	}
	for _, o := range []struct {
		key string
		dst *string
	}{
		{"IMPRESS_CONFIG", &p.ConfigFile},
		{"IMPRESS_DATA_DIR", &p.DataDir},
		{"IMPRESS_STATE_DIR", &p.StateDir},
		{"IMPRESS_SOCKET", &p.Socket},
	} {
		if v := env(o.key); v != "" {
			abs, err := filepath.Abs(v)
			if err != nil {
				return p, fmt.Errorf("paths: %s: %w", o.key, err)
			}
			*o.dst = abs
		}
	}
	p.Socket = ShortSocket(p.Socket)
	return p, nil
}

// ShortSocket returns path unchanged when it fits in sun_path, otherwise a
// short path in /tmp/impress-<uid>/ derived from it.
func ShortSocket(path string) string {
	if len(path) <= MaxSocketPath {
		return path
	}
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(os.TempDir(), "impress-"+strconv.Itoa(os.Getuid()), hex.EncodeToString(sum[:6])+".sock")
}

// ErrUnsafeDir reports a directory that exists but that another user owns or
// that others can read or write.
var ErrUnsafeDir = errors.New("unsafe directory")

// EnsurePrivateDir creates dir (and missing parents) with mode 0700, or
// checks an existing one. It never changes the mode of a directory that
// already exists: pointed at /tmp or a user's own folder, a chmod would
// break other programs (as root, tightening /tmp breaks the system). An
// existing directory must be ours and writable by nobody else, since a
// socket or store inside it could otherwise be swapped by that user.
func EnsurePrivateDir(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		// MkdirAll applies the umask; make sure the leaf is 0700.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: %w", dir, ErrUnsafeDir)
	}
	if uid, ok := ownerUID(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s is owned by uid %d, not by you (uid %d); remove it or choose another path (IMPRESS_HOME, IMPRESS_SOCKET): %w", dir, uid, os.Getuid(), ErrUnsafeDir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by other users (mode %04o); use a directory of your own (IMPRESS_HOME, IMPRESS_SOCKET): %w", dir, fi.Mode().Perm(), ErrUnsafeDir)
	}
	return nil
}
