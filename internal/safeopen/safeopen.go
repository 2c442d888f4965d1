// Package safeopen opens the files users name — spec files, media,
// manifests, captions, fonts — without ever blocking and only when they
// are regular files of a bounded size. An open(2) of a named pipe blocks
// until a writer comes, forever if none does: `mkfifo f.mp4; impress
// render f.mp4` hung the CLI and left a daemon thread blocked in the
// kernel for good (docs/SECURITY.md §6). Every entry point uses this
// package, so the rule is in one place: open with O_NONBLOCK (a FIFO or a
// device opens at once), fstat the descriptor (not the name, which may
// change in between), keep only a regular file, then make it blocking
// again for ordinary reads.
//
// It is a leaf (stdlib only): render, the daemon and the CLI all use it.
package safeopen

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular: the path is a FIFO, a device, a socket, a directory (or,
// with NoFollow, a symbolic link). ErrTooLarge: larger than allowed.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// Error says why a path was refused. It wraps ErrNotRegular, ErrTooLarge
// or the system's error (fs.ErrNotExist, fs.ErrPermission, …).
type Error struct {
	Path   string
	Reason string // "a named pipe (FIFO), not a file", "12 MiB, more than 8 MiB", …
	Err    error
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Options of an open.
type Options struct {
	// MaxSize refuses files larger than this many bytes (0: no limit).
	MaxSize int64
	// NoFollow refuses a symbolic link as the last element of the path:
	// for files the daemon owns, where a link can only be planted.
	NoFollow bool
}

// Open opens path for reading if it is a regular file within the limits.
// The error is an *Error naming what the path is instead.
func Open(path string, o Options) (*os.File, fs.FileInfo, error) {
	f, err := openNonblocking(path, o.NoFollow)
	if err != nil {
		return nil, nil, openError(path, err, o.NoFollow)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, &Error{Path: path, Reason: "cannot stat: " + errText(err), Err: err}
	}
	if err := check(path, fi, o); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// ReadFile reads a regular file of at most maxSize bytes (0: no limit).
// The size is checked before the read and bounded during it, so a file
// that grows meanwhile cannot make it read more.
func ReadFile(path string, maxSize int64) ([]byte, error) {
	f, _, err := Open(path, Options{MaxSize: maxSize})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := io.Reader(f)
	if maxSize > 0 {
		r = io.LimitReader(f, maxSize+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{Path: path, Reason: "cannot read: " + errText(err), Err: err}
	}
	if maxSize > 0 && int64(len(data)) > maxSize {
		return nil, tooLarge(path, int64(len(data)), maxSize)
	}
	return data, nil
}

// Check stats path (following links) and refuses what Open would refuse,
// without opening anything: for paths that are only passed on (to the
// daemon, to ffmpeg). What opens the file later must still use Open.
func Check(path string, o Options) (fs.FileInfo, error) {
	stat := os.Stat
	if o.NoFollow {
		stat = os.Lstat
	}
	fi, err := stat(path)
	if err != nil {
		return nil, openError(path, err, o.NoFollow)
	}
	if err := check(path, fi, o); err != nil {
		return nil, err
	}
	return fi, nil
}

func check(path string, fi fs.FileInfo, o Options) error {
	if !fi.Mode().IsRegular() {
		return &Error{Path: path, Reason: Describe(fi.Mode()), Err: ErrNotRegular}
	}
	if o.MaxSize > 0 && fi.Size() > o.MaxSize {
		return tooLarge(path, fi.Size(), o.MaxSize)
	}
	return nil
}

// Describe says what a file of this mode is, when it is not a regular file.
func Describe(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO), not a file: it would block whoever opens it"
	case m.IsDir():
		return "a directory, not a file"
	case m&fs.ModeSocket != 0:
		return "a socket, not a file"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device, not a file"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link, not a file"
	}
	return "not a regular file"
}

func tooLarge(path string, size, limit int64) *Error {
	return &Error{Path: path, Reason: fmt.Sprintf("%s, more than the %s allowed", human(size), human(limit)), Err: ErrTooLarge}
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func openError(path string, err error, noFollow bool) *Error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Path: path, Reason: "no such file", Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: path, Reason: "permission denied", Err: err}
	case isSocketOpen(err):
		return &Error{Path: path, Reason: Describe(fs.ModeSocket), Err: ErrNotRegular}
	case noFollow && isLoop(err):
		return &Error{Path: path, Reason: Describe(fs.ModeSymlink), Err: ErrNotRegular}
	}
	return &Error{Path: path, Reason: "cannot open: " + errText(err), Err: err}
}

// errText is the system's reason without the path, which Error already
// names.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
