package cli

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams and what we know about them.
// Decoration (colour, progress bars) happens only on a TTY.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	env                            func(string) string
}

// System returns the process's streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY: isTTY(os.Stdin), stdoutTTY: isTTY(os.Stdout), stderrTTY: isTTY(os.Stderr),
		env: os.Getenv,
	}
}

// TestIO returns buffer-backed streams (never TTYs unless set).
func TestIO() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, env: func(string) string { return "" }}, in, out, errOut
}

// SetTTY marks the streams as terminals (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// ColorEnabled: only on a TTY, and never with NO_COLOR set.
func (s *IOStreams) ColorEnabled() bool {
	return s.stdoutTTY && s.env("NO_COLOR") == "" && s.env("TERM") != "dumb"
}

// CanPrompt: only when stdin and stderr are terminals and CI is not set.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stderrTTY && s.env("CI") == ""
}
