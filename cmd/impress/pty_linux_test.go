//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Terminal queries an impress command may send: OSC 11 asks for the
// background colour and DSR 6 for the cursor position (termenv sends it
// after OSC 11 to notice a terminal that does not answer).
const (
	oscBackgroundQuery = "\x1b]11;?"
	cursorQuery        = "\x1b[6n"
	altScreenOn        = "\x1b[?1049h"
)

// hangBound is how long a command that does no work of its own may take
// under a pty before the test calls it hung. It detects the 5 s wait for
// a terminal answer (termenv's OSC timeout); it is no performance goal
// (those live in bench/ and docs/BENCHMARKS.md).
const hangBound = 4 * time.Second

// ptyPair opens a pseudo-terminal: the master end is the "terminal" the
// test plays, the slave end becomes the command's stdin, stdout and
// stderr and its controlling terminal. 80x24.
func ptyPair(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open the pty's slave end: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatalf("set the pty's size: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// ptyCmd is a command running on a pty, its screen output collected.
type ptyCmd struct {
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	// answer, when set, is called with the output so far after each read
	// and may write to the terminal (play a terminal that answers).
	answer func(out []byte, term *os.File)
	done   chan error
	read   chan struct{}
}

// startOnPty runs impress (the test binary, as testscript installs it on
// PATH) with ARGS on a fresh pty, as a session leader whose controlling
// terminal is the pty, as a login shell would run it. env replaces the
// environment; CI is never set (termenv and impress both treat CI as "no
// terminal", which would hide the bug).
func startOnPty(t *testing.T, env []string, answer func([]byte, *os.File), args ...string) *ptyCmd {
	t.Helper()
	bin, err := exec.LookPath("impress")
	if err != nil {
		t.Fatalf("impress is not on PATH (testscript puts the test binary there): %v", err)
	}
	master, slave := ptyPair(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start impress %s: %v", strings.Join(args, " "), err)
	}
	// Only the child holds the slave now: when it exits, reads of the
	// master end with EIO instead of blocking.
	slave.Close()
	p := &ptyCmd{cmd: cmd, master: master, answer: answer, done: make(chan error, 1), read: make(chan struct{})}
	go func() {
		defer close(p.read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.out.Write(buf[:n])
				if p.answer != nil {
					p.answer(p.out.Bytes(), master)
				}
				p.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// output is what the command wrote to the terminal so far.
func (p *ptyCmd) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// wait waits up to d for the command to exit and returns its error; on
// timeout it kills the command and fails the test with its output.
func (p *ptyCmd) wait(t *testing.T, d time.Duration, what string) error {
	t.Helper()
	select {
	case err := <-p.done:
		// Collect the last output before looking at it.
		select {
		case <-p.read:
		case <-time.After(time.Second):
		}
		return err
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s: still running after %v under a pty; output so far: %q", what, d, p.output())
		return nil
	}
}

// ptyEnv is a terminal user's environment: a TERM that termenv queries
// (not screen, tmux or dumb), no CI, and a home of the test's own.
func ptyEnv(t *testing.T) []string {
	home := t.TempDir()
	sock, err := os.MkdirTemp("", "imps")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
		"HOME=" + filepath.Join(home, "userhome"),
		"IMPRESS_HOME=" + filepath.Join(home, "home"),
		"IMPRESS_SOCKET=" + filepath.Join(sock, "d.sock"),
		"IMPRESS_KEYRING=file",
		"XDG_RUNTIME_DIR=",
	}
}

// A command that never draws a TUI must not ask the terminal anything: a
// pty whose other end never answers (script(1), expect, some CI runners,
// ssh -tt) would otherwise make every command wait for termenv's 5 s
// timeout, and a terminal that does answer would get the reply typed into
// the user's shell. Only `impress edit` asks, when it starts.
func TestNoTerminalQueryOutsideEdit(t *testing.T) {
	for _, args := range [][]string{
		{"version"},
		{"--help"},
		{"project", "list", "--no-autostart"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			p := startOnPty(t, ptyEnv(t), nil, args...)
			p.wait(t, hangBound, "impress "+strings.Join(args, " "))
			out := p.output()
			for _, q := range []string{oscBackgroundQuery, cursorQuery} {
				if strings.Contains(out, q) {
					t.Errorf("impress %s sent the terminal query %q; output: %q", strings.Join(args, " "), q, out)
				}
			}
			if !strings.Contains(out, "impress") && !strings.Contains(out, "daemon") {
				t.Errorf("impress %s printed nothing recognisable: %q", strings.Join(args, " "), out)
			}
		})
	}
}

// `impress edit` is the one command that asks the terminal its background
// colour (bubbles' textarea picks adaptive colours from it), and it must
// ask before the editor takes the terminal over: asked later, the answer
// would land in the editor's input. The test plays a terminal that
// answers, opens the editor on an empty home, and quits with q.
func TestEditQueriesTerminalBeforeTakingIt(t *testing.T) {
	env := ptyEnv(t)
	var socket string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "IMPRESS_SOCKET="); ok {
			socket = v
		}
	}
	t.Cleanup(func() { stopDaemon(socket) })
	answered := map[string]int{}
	replies := map[string]string{
		oscBackgroundQuery: "\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\",
		cursorQuery:        "\x1b[1;1R",
	}
	answer := func(out []byte, term *os.File) {
		// Answer each query as xterm does (a dark grey background, the
		// cursor at the top left), in the order they were asked: termenv
		// sends the cursor query after the colour query as a fence, and
		// takes a cursor report read first for "no colour answer" (with a
		// map's random order, the colour answer then reached the editor's
		// input whenever both queries came in one read, as under load).
		type asked struct {
			at    int
			query string
		}
		var qs []asked
		for q := range replies {
			for i, from := 0, 0; i < bytes.Count(out, []byte(q)); i++ {
				at := from + bytes.Index(out[from:], []byte(q))
				qs = append(qs, asked{at, q})
				from = at + len(q)
			}
		}
		slices.SortFunc(qs, func(a, b asked) int { return a.at - b.at })
		seen := map[string]int{}
		for _, a := range qs {
			seen[a.query]++
			if seen[a.query] > answered[a.query] {
				answered[a.query]++
				term.WriteString(replies[a.query])
			}
		}
	}
	p := startOnPty(t, env, answer, "edit")
	// The editor is up once the alternate screen shows the project list
	// (the daemon is auto-started first). 30 s bounds a hang.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := p.output()
		if i := strings.Index(out, altScreenOn); i >= 0 && strings.Contains(out[i:], "Projects") {
			break
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("impress edit exited (%v) before showing the editor; output: %q", err, p.output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("impress edit showed no project list within 30 s; output: %q", p.output())
		}
	}
	p.master.WriteString("q")
	if err := p.wait(t, 10*time.Second, "impress edit after q"); err != nil {
		t.Fatalf("impress edit: %v; output: %q", err, p.output())
	}
	out := p.output()
	query, alt := strings.Index(out, oscBackgroundQuery), strings.Index(out, altScreenOn)
	switch {
	case query < 0:
		t.Errorf("impress edit never asked the terminal for its background colour; output: %q", out)
	case query > alt:
		t.Errorf("impress edit asked for the background colour after taking the terminal (query at byte %d, alternate screen at %d)", query, alt)
	case strings.Count(out, oscBackgroundQuery) != 1:
		t.Errorf("impress edit asked for the background colour %d times, want once (the answer is cached)", strings.Count(out, oscBackgroundQuery))
	}
	// The editor's accent colour (256-colour 212) with TERM=xterm-256color:
	// colours still reach a real terminal.
	if !strings.Contains(out[max(alt, 0):], "38;5;212") {
		t.Errorf("the editor drew no 256-colour accent on an xterm-256color terminal; output: %q", out)
	}
}
