package daemon

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestHealthIsSharedAndCancellable: concurrent health requests share one
// set of tool runs, a burst right after is answered from the cache, and a
// check whose clients all left is cancelled with its tools killed. On
// b62770a each request ran its own ffmpeg and ffprobe children (500
// requests: load 95 on 2 cores) and they ran on after the clients left.
func TestHealthIsSharedAndCancellable(t *testing.T) {
	tools := ffmpegtest.Require(t)
	p := testPaths(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	// A stand-in ffmpeg that records each run, lingers so that requests
	// overlap, and then is the real one.
	standIn := filepath.Join(dir, "ffmpeg")
	record := "echo \"$$ $*\" >> '" + log + "'\n"
	script := record + "sleep 0.3\n" + "exec '" + tools.FFmpeg + "' \"$@\"\n"
	testkit.Script(t, standIn, script)
	testkit.MkdirAll(t, filepath.Dir(p.ConfigFile))
	cfg := "ffmpeg:\n  path: " + standIn + "\nffprobe:\n  path: " + tools.FFprobe + "\n"
	testkit.WriteFile(t, p.ConfigFile, cfg)
	c, _, _ := startDaemon(t, p)
	// only the toolchain check lists the encoders (the daemon's start
	// asks ffmpeg for its version too)
	versions := func() int {
		data := testkit.ReadFile(t, log)
		return strings.Count(string(data), " -hide_banner -encoders")
	}
	burst := func(ctx context.Context, n int) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.Health(ctx)
			}()
		}
		wg.Wait()
		return errs
	}
	for _, err := range burst(t.Context(), 40) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := versions(); n != 1 {
		t.Errorf("40 concurrent health requests ran `ffmpeg -encoders` %d times, want 1", n)
	}
	burst(t.Context(), 40)
	if n := versions(); n != 1 {
		t.Errorf("a burst within the cache's life ran the tools again (%d runs)", n)
	}

	// Clients that leave: their check is cancelled and its tools killed.
	// What a binary answered is kept per binary identity (render.MemoTool),
	// so the check runs ffmpeg again only for a new binary: one that never
	// ends, put in place by a rename like an upgrade would.
	next := filepath.Join(dir, "ffmpeg.new")
	testkit.Script(t, next, record+"exec sleep 300\n")
	if err := os.Rename(next, standIn); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reload(t.Context()); err != nil { // drops the cached result
		t.Fatal(err)
	}
	lines := func() []string {
		data := testkit.ReadFile(t, log)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	before := len(lines())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan []error, 1)
	go func() { done <- burst(ctx, 10) }()
	pid := 0
	deadline := time.Now().Add(20 * time.Second)
	for pid == 0 && time.Now().Before(deadline) {
		// the check's first run (ffmpeg -version) hangs
		for _, l := range lines()[before:] {
			if strings.HasSuffix(l, "-hide_banner -version") {
				pid, _ = strconv.Atoi(strings.Fields(l)[0])
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid == 0 {
		cancel()
		t.Fatal("the hanging stand-in never started")
	}
	cancel()
	for _, err := range <-done {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a client that left got %v", err)
		}
	}
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
			t.Fatalf("the check's ffmpeg (pid %d) still runs after every client left", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := versions(); n != 1 {
		t.Errorf("10 clients that left listed the encoders %d times in all, want 1: the check was cancelled before", n)
	}
}
