// Package logx is the daemon's log: JSON lines in a file rotated by size
// and pruned by count and age, written through a handler that masks every
// known secret and every secret-shaped string before a record is encoded.
package logx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/internal/redact"
)

// File is the daemon log: JSON lines, rotated by size, old files
// pruned by count and by age (the privacy promise of 14 days of logs).
type File struct {
	// mu guards the file. Lock order: innermost — any code may log while
	// holding its own locks (a purge rewrites the log under its own), and
	// nothing is taken under mu.
	mu       sync.Mutex
	path     string
	maxBytes int64
	keep     int
	f        *os.File
	size     int64
}

// OpenRotating opens (creating) the log at path, rotated past maxBytes with
// keep old files.
func OpenRotating(path string, maxBytes int64, keep int) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	r := &File{path: path, maxBytes: maxBytes, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *File) open() error {
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log %s: %w", r.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, fi.Size()
	return nil
}

func (r *File) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size+int64(len(p)) > r.maxBytes && r.size > 0 {
		if err := r.rotateLocked(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *File) rotateLocked() error {
	r.f.Close()
	for i := r.keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", r.path, i), fmt.Sprintf("%s.%d", r.path, i+1))
	}
	os.Rename(r.path, r.path+".1")
	os.Remove(fmt.Sprintf("%s.%d", r.path, r.keep+1))
	return r.open()
}

// Files lists the current and rotated log files, newest first.
func (r *File) Files() []string {
	matches, _ := filepath.Glob(r.path + ".*")
	sort.Strings(matches)
	return append([]string{r.path}, matches...)
}

// PruneOlderThan removes rotated files last written before cutoff.
func (r *File) PruneOlderThan(cutoff time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	matches, _ := filepath.Glob(r.path + ".*")
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.ModTime().Before(cutoff) {
			if os.Remove(m) == nil {
				n++
			}
		}
	}
	return n
}

// Rewrite filters every log file's lines through keep, atomically per file.
// A purge uses it to drop the lines that mention purged identifiers.
func (r *File) Rewrite(keep func(line string) bool) (removed int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.f.Close()
	r.f = nil
	defer func() {
		if oerr := r.open(); oerr != nil && err == nil {
			err = oerr
		}
	}()
	files, _ := filepath.Glob(r.path + "*")
	for _, name := range files {
		if strings.Contains(name, ".tmp") {
			continue
		}
		n, ferr := FilterFile(name, keep)
		removed += n
		if ferr != nil {
			return removed, ferr
		}
	}
	return removed, nil
}

// FilterFile rewrites a text file (a log) without the lines keep refuses,
// through a temporary file synced and renamed over it: a crash leaves
// either version, never a half-written one. It says how many lines went;
// a file that loses none is left untouched, a missing one is nothing to
// filter. Any other error is returned: a purge must not take a file it
// could not read for a clean one. [File.Rewrite] uses it on the daemon's
// own log; the privacy purge and sweep on a log written elsewhere.
func FilterFile(name string, keep func(line string) bool) (removed int, err error) {
	data, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			continue
		}
		if keep(l) {
			b.WriteString(l)
		} else {
			removed++
		}
	}
	if removed == 0 {
		return 0, nil
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return 0, err
	}
	if f, ferr := os.Open(tmp); ferr == nil {
		f.Sync()
		f.Close()
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	if d, derr := os.Open(filepath.Dir(name)); derr == nil {
		d.Sync()
		d.Close()
	}
	return removed, nil
}

// Close closes the current file; writes after it fail.
func (r *File) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// redactingHandler masks secrets in the message and every string attribute
// before the record reaches the JSON handler: no token, secret or OAuth
// code can reach a log line, whoever logs it.
type redactingHandler struct {
	next slog.Handler
	r    *redact.Redactor
}

// NewLogger is a JSON logger on w at level whose records r redacts.
func NewLogger(w io.Writer, r *redact.Redactor, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(&redactingHandler{next: h, r: r})
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.attr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(fmt.Sprint(v.Any())))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactingHandler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{next: h.next.WithGroup(name), r: h.r}
}
