package render

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// stderrTailLines is how much of ffmpeg's stderr an error carries: the
// cause is nearly always in the last few lines.
const stderrTailLines = 20

// killGrace is how long Run waits for ffmpeg's pipes to close after the
// process group was killed.
const killGrace = 2 * time.Second

// Run executes cmd with the ffmpeg at ffmpegPath. It
//   - adds -nostdin -hide_banner -nostats -progress pipe:1 -y;
//   - writes cmd.Files into cmd.WorkDir (created 0700 if missing) and
//     removes them afterwards;
//   - writes the output to a temporary name in the destination directory
//     and renames it into place only when ffmpeg succeeded, so a failed or
//     cancelled run leaves no partial file;
//   - runs ffmpeg in its own process group and kills the whole group when
//     ctx ends (ffmpeg may have children, e.g. with some protocols);
//   - reports the stage's start, then progress parsed from -progress, to
//     fn (which may be nil) on Run's goroutine set; fn must not block for
//     long.
//
// A failed run is an *FFmpegError carrying ffmpeg's last stderr lines; a
// cancelled one wraps ctx.Err().
func Run(ctx context.Context, ffmpegPath string, cmd *Command, fn func(Progress)) error {
	_, err := run(ctx, ffmpegPath, cmd, fn)
	return err
}

// run is Run that also returns the stderr tail (the loudness analysis
// reads its result from there).
func run(ctx context.Context, ffmpegPath string, cmd *Command, fn func(Progress)) (string, error) {
	op := cmd.Op
	if op == "" {
		op = "ffmpeg"
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	args := append([]string(nil), cmd.Args...)
	var tmp string
	if cmd.Output != "" {
		if len(args) == 0 || args[len(args)-1] != "file:"+cmd.Output {
			return "", fmt.Errorf("%s: command does not end with its output file:%s", op, cmd.Output)
		}
		t, err := tempSibling(cmd.Output)
		if err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		tmp = t
		args[len(args)-1] = "file:" + tmp
		defer os.Remove(tmp) // no-op after the rename
	}
	cleanup, err := writeWorkFiles(cmd)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer cleanup()
	args, dropGraph, err := graphToFile(cmd, args)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer dropGraph()

	c := exec.CommandContext(ctx, ffmpegPath, append(cmd.globalArgs(), args...)...)
	setProcessGroup(c)
	c.WaitDelay = killGrace
	stdout, err := c.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	tail := newLineTail(64)
	c.Stderr = tail
	if err := c.Start(); err != nil {
		return "", &FFmpegError{Op: op, ExitCode: -1, Err: err}
	}
	if fn != nil {
		// The stage starts now, not at ffmpeg's first progress block half
		// a second later: watchers see it at once, and the daemon's step
		// timings put ffmpeg's start-up in the stage it belongs to.
		fn(Progress{Stage: op})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		parseProgress(stdout, op, cmd.Duration, fn)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	wg.Wait()
	waitErr := c.Wait()
	if ctx.Err() != nil {
		return tail.String(0), fmt.Errorf("%s: %w", op, ctx.Err())
	}
	if waitErr != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			code = ee.ExitCode()
		}
		return tail.String(0), &FFmpegError{Op: op, ExitCode: code, Stderr: tail.String(stderrTailLines), Err: waitErr}
	}
	if tmp != "" {
		if !cmd.NoSync { // else the caller syncs, or does not need to
			if err := syncFile(tmp); err != nil {
				return "", fmt.Errorf("%s: %w", op, err)
			}
		}
		if err := os.Rename(tmp, cmd.Output); err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
	}
	return tail.String(0), nil
}

// tempSibling names a temporary file next to path, hidden, with the same
// extension (ffmpeg's muxer is forced with -f, the extension is for humans
// who find a leftover after a crash).
func tempSibling(path string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".part-"+hex.EncodeToString(b[:])+filepath.Ext(base)), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeWorkFiles puts the command's files in its private directory.
func writeWorkFiles(cmd *Command) (func(), error) {
	if len(cmd.Files) == 0 {
		return func() {}, nil
	}
	if cmd.WorkDir == "" || !filepath.IsAbs(cmd.WorkDir) {
		return nil, fmt.Errorf("command has files but no absolute work dir")
	}
	created := false
	if _, err := os.Stat(cmd.WorkDir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(cmd.WorkDir, 0o700); err != nil {
			return nil, err
		}
		created = true
	}
	var written []string
	cleanup := func() {
		for _, p := range written {
			os.Remove(p)
		}
		if created {
			os.Remove(cmd.WorkDir)
		}
	}
	for _, f := range cmd.Files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || strings.HasPrefix(f.Name, ".") {
			cleanup()
			return nil, fmt.Errorf("bad work file name %q", f.Name)
		}
		p := filepath.Join(cmd.WorkDir, f.Name)
		if err := os.WriteFile(p, f.Data, 0o600); err != nil {
			cleanup()
			return nil, err
		}
		written = append(written, p)
	}
	return cleanup, nil
}

// runCapture runs a short tool (ffprobe, ffmpeg -version) and returns its
// stdout; stderr's tail goes into the error.
func runCapture(ctx context.Context, bin string, args []string) ([]byte, error) {
	c := exec.CommandContext(ctx, bin, args...)
	setProcessGroup(c)
	c.WaitDelay = killGrace
	var out bytes.Buffer
	tail := newLineTail(stderrTailLines)
	c.Stdout = &out
	c.Stderr = tail
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return nil, &FFmpegError{Op: filepath.Base(bin), ExitCode: code, Stderr: tail.String(stderrTailLines), Err: err}
	}
	return out.Bytes(), nil
}

// lineTail keeps the last n lines written to it.
type lineTail struct {
	mu      sync.Mutex
	n       int
	lines   []string
	partial []byte
}

func newLineTail(n int) *lineTail { return &lineTail{n: n} }

func (t *lineTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.push(strings.TrimRight(string(t.partial[:i]), "\r"))
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 64<<10 { // a runaway line without newline
		t.push(string(t.partial))
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *lineTail) push(l string) {
	if strings.TrimSpace(l) == "" {
		return
	}
	t.lines = append(t.lines, l)
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

// String returns the last max lines (all kept lines when max is 0).
func (t *lineTail) String(max int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.partial) > 0 {
		lines = append(append([]string(nil), lines...), string(t.partial))
	}
	if max > 0 && len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	return strings.Join(lines, "\n")
}
