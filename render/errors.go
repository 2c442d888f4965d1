package render

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinels the daemon maps to wire codes (and the CLI to exit codes: README
// "Output and exit codes").
var (
	// ErrInvalidSpec: a spec was refused (bad input). Every *SpecError matches it.
	ErrInvalidSpec = errors.New("render: invalid spec")
	// ErrInvalidMedia: a file is not media ffmpeg may open, or ffprobe could not
	// read it (bad input). Every *MediaError matches it.
	ErrInvalidMedia = errors.New("render: invalid media")
	// ErrFFmpeg: ffmpeg or ffprobe ran and failed. Every *FFmpegError matches it.
	ErrFFmpeg = errors.New("render: ffmpeg failed")
	// ErrToolMissing: ffmpeg, ffprobe, an encoder, a filter or a font is missing (see [Check]).
	ErrToolMissing = errors.New("render: toolchain incomplete")
)

// SpecError says which key of which spec line is wrong and why.
type SpecError struct {
	File    string // spec file name as given to ParseSpec; may be empty
	Line    int    // 1-based; 0 when unknown
	Key     string // key path such as "clips[1].fit"; empty for document-level errors
	Message string
}

func newSpecError(file string, line int, key, format string, args ...any) *SpecError {
	return &SpecError{File: file, Line: line, Key: key, Message: fmt.Sprintf(format, args...)}
}

func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString("spec ")
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		if e.File != "" {
			b.WriteString(":")
		} else {
			b.WriteString("line ")
		}
		fmt.Fprintf(&b, "%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidSpec) true.
func (e *SpecError) Is(target error) bool { return target == ErrInvalidSpec }

// SpecErrors is every problem found in a spec, in line order: a spec is
// refused with all of them at once, so one edit can fix them all. It
// matches [ErrInvalidSpec], and errors.As finds its first *SpecError.
type SpecErrors []*SpecError

// maxReportedSpecErrors bounds the message of a spec wrong on every line.
const maxReportedSpecErrors = 20

func (e SpecErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the spec:", len(e))
	for i, se := range e {
		if i == maxReportedSpecErrors {
			fmt.Fprintf(&b, "\n  … and %d more", len(e)-i)
			break
		}
		b.WriteString("\n  " + se.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidSpec) true.
func (e SpecErrors) Is(target error) bool { return target == ErrInvalidSpec }

// Unwrap returns each problem (errors.As finds the first *SpecError).
func (e SpecErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, se := range e {
		out[i] = se
	}
	return out
}

// specErr returns nil, the one problem, or all of them as SpecErrors,
// sorted by line.
func specErr(errs []*SpecError) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	sorted := slices.Clone(errs)
	// by line; a problem without a line (the spec as a whole) last
	line := func(e *SpecError) int {
		if e.Line == 0 {
			return int(^uint(0) >> 1)
		}
		return e.Line
	}
	slices.SortStableFunc(sorted, func(a, b *SpecError) int { return cmp.Compare(line(a), line(b)) })
	return SpecErrors(sorted)
}

// MediaError refuses a file before (or when) ffmpeg looks at it.
type MediaError struct {
	File   string // the path as given
	Reason string // "zero bytes", "HLS playlist", "not a media file (looks like text)", …
	Err    error  // underlying cause, if any
}

func (e *MediaError) Error() string {
	msg := fmt.Sprintf("media %q: %s", e.File, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalidMedia) true.
func (e *MediaError) Is(target error) bool { return target == ErrInvalidMedia }

// Unwrap returns the underlying cause.
func (e *MediaError) Unwrap() error { return e.Err }

// FFmpegError is a failed ffmpeg or ffprobe run. Stderr holds the last lines
// ffmpeg printed, which name the real cause.
type FFmpegError struct {
	Op       string // "render", "probe", "remux", "cover", "loudness analysis"…
	ExitCode int
	Stderr   string
	Err      error
}

func (e *FFmpegError) Error() string {
	msg := fmt.Sprintf("%s: ffmpeg: %v", e.Op, e.Err)
	if e.Stderr != "" {
		msg += "\n" + e.Stderr
	}
	return msg
}

// Is makes errors.Is(err, ErrFFmpeg) true.
func (e *FFmpegError) Is(target error) bool { return target == ErrFFmpeg }

// Unwrap returns the exec error.
func (e *FFmpegError) Unwrap() error { return e.Err }

// IsSpecError reports whether err (or one it wraps) is a refused spec.
func IsSpecError(err error) bool { return errors.Is(err, ErrInvalidSpec) }

// IsMediaError reports whether err (or one it wraps) is a refused media file.
func IsMediaError(err error) bool { return errors.Is(err, ErrInvalidMedia) }
