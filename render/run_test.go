package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// recordedProgress is -progress output from ffmpeg 5.1 (two blocks and the
// end), including its out_time_ms that is really microseconds and an N/A speed.
const recordedProgress = `frame=0
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=48
out_time_us=0
out_time_ms=0
out_time=00:00:00.000000
dup_frames=0
drop_frames=0
speed=N/A
progress=continue
frame=45
fps=0.00
stream_0_0_q=28.0
bitrate= 100.5kbits/s
total_size=25000
out_time_us=1500000
out_time_ms=1500000
out_time=00:00:01.500000
dup_frames=0
drop_frames=0
speed=0.75x
progress=continue
frame=90
out_time_us=3000000
out_time_ms=3000000
out_time=00:00:03.000000
speed=1.2x
progress=end
`

func TestParseProgress(t *testing.T) {
	var got []Progress
	parseProgress(strings.NewReader(recordedProgress), "encode", 3, func(p Progress) { got = append(got, p) })
	if len(got) != 3 {
		t.Fatalf("got %d reports, want 3: %+v", len(got), got)
	}
	if got[0].Percent != 0 || got[0].Speed != 0 || got[0].ETA != 0 || got[0].Done {
		t.Errorf("first = %+v", got[0])
	}
	p := got[1]
	if p.Stage != "encode" || p.OutTime != 1500*time.Millisecond || p.Percent != 50 || p.Speed != 0.75 || p.ETA != 2*time.Second || p.Done {
		t.Errorf("middle = %+v, want 50%% at 0.75x with 2s left", p)
	}
	if e := got[2]; !e.Done || e.Percent != 100 || e.OutTime != 3*time.Second || e.ETA != 0 {
		t.Errorf("end = %+v", e)
	}
	// unknown length: no percent, no ETA, no panic on garbage
	got = nil
	parseProgress(strings.NewReader("garbage\nout_time_us=-5\nspeed=fast\nprogress=continue\n"), "x", 0, func(p Progress) { got = append(got, p) })
	if len(got) != 1 || got[0].Percent != 0 || got[0].OutTime != 0 {
		t.Errorf("garbage = %+v", got)
	}
}

func TestLineTail(t *testing.T) {
	lt := newLineTail(3)
	for i := range 10 {
		lt.Write([]byte("line " + strconv.Itoa(i) + "\n"))
	}
	lt.Write([]byte("partial"))
	if got := lt.String(2); got != "line 9\npartial" {
		t.Errorf("tail = %q", got)
	}
}

// endless is a command that encodes until cancelled.
func endless(out string) *Command {
	return &Command{Op: "test", Output: out, Duration: 3600, Args: []string{
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
		"-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4", "file:" + out,
	}}
}

func TestRunCancelKillsProcessGroupAndLeavesNoFile(t *testing.T) {
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	// a wrapper that starts ffmpeg as its child, as a shell or a tool
	// might: cancelling must kill the child too, not just the wrapper
	pidFile := filepath.Join(dir, "child.pid")
	wrapper := filepath.Join(dir, "ffmpeg-wrapper")
	script := "'" + tools.FFmpeg + "' \"$@\" &\necho $! > '" + pidFile + "'\nwait\n"
	testkit.Script(t, wrapper, script)
	out := filepath.Join(dir, "out.mp4")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	started := make(chan struct{})
	var once bool
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, wrapper, endless(out), func(p Progress) {
			if !once && p.OutTime > 0 {
				once = true
				close(started)
			}
		})
	}()
	select {
	case <-started:
	case err := <-errc:
		t.Fatalf("Run ended before it was cancelled: %v", err)
	}
	pid := readPID(t, pidFile)
	t0 := time.Now()
	cancel()
	err := <-errc
	t.Logf("Run returned %v after cancel", time.Since(t0))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	// the child ffmpeg is gone (poll: the kernel reaps it asynchronously)
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("ffmpeg child %d still running after cancel", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "out.mp4") {
			t.Errorf("cancelled run left %s", e.Name())
		}
	}
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunFailureKeepsStderrAndNoFile(t *testing.T) {
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.mp4")
	cmd := &Command{Op: "test", Output: out, Args: []string{
		"-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=1",
		"-vf", "nosuchfilter", "-f", "mp4", "file:" + out,
	}}
	err := Run(t.Context(), tools.FFmpeg, cmd, nil)
	var fe *FFmpegError
	if !errors.As(err, &fe) || !errors.Is(err, ErrFFmpeg) {
		t.Fatalf("Run = %v, want *FFmpegError", err)
	}
	if fe.ExitCode == 0 || !strings.Contains(fe.Stderr, "nosuchfilter") || !strings.Contains(err.Error(), "nosuchfilter") {
		t.Errorf("error = %v (exit %d), want the stderr tail naming the filter", err, fe.ExitCode)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed run left %v", entries)
	}
}

func TestRunWritesFilesAndRenames(t *testing.T) {
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	out := filepath.Join(dir, "out.mp4")
	font := FindFont()
	if font == "" {
		t.Skip("no font")
	}
	cmd := &Command{Op: "test", Output: out, WorkDir: work, Duration: 1,
		Files: []TempFile{{Name: "t.txt", Data: []byte("hi")}},
		Args: []string{
			"-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=1",
			"-vf", "drawtext=fontfile=" + font + ":textfile=" + filepath.Join(work, "t.txt"),
			"-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4", "file:" + out,
		}}
	var last Progress
	if err := Run(t.Context(), tools.FFmpeg, cmd, func(p Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if !last.Done || last.Percent != 100 {
		t.Errorf("last progress = %+v", last)
	}
	if f := ffmpegtest.ProbeFacts(t, out); f.Frames != 30 {
		t.Errorf("output has %d frames", f.Frames)
	}
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("work dir left behind: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %v, want only out.mp4", entries)
	}
	// a command whose last argument is not its output is refused
	bad := &Command{Output: out, Args: []string{"-i", "x", "file:/elsewhere.mp4"}}
	if err := Run(t.Context(), tools.FFmpeg, bad, nil); err == nil {
		t.Error("mismatched output accepted")
	}
}
