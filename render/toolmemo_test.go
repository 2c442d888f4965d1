package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

// fakeTool writes an executable script that appends a line to runs and
// prints version as ffmpeg would.
func fakeTool(t *testing.T, path, runs, version string) {
	t.Helper()
	script := "echo run >> '" + runs + "'\necho 'ffmpeg version " + version + " Copyright (c) the authors'\necho 'built with a compiler'\n"
	testkit.Script(t, path, script)
}

func countRuns(t *testing.T, runs string) int {
	t.Helper()
	data, err := os.ReadFile(runs)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "run\n")
}

// A binary is asked once; a changed binary at the same path is asked
// again, whether its size or only its time changed.
func TestVersionLineOncePerBinary(t *testing.T) {
	dir := t.TempDir()
	bin, runs := filepath.Join(dir, "ffmpeg"), filepath.Join(dir, "runs")
	fakeTool(t, bin, runs, "5.1.9")
	link := filepath.Join(dir, "ffmpeg-link")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{bin, bin, link} {
		v, err := VersionLine(t.Context(), b)
		if err != nil || v != "ffmpeg version 5.1.9 Copyright (c) the authors" {
			t.Fatalf("VersionLine(%s) = %q, %v", b, v, err)
		}
	}
	if n := countRuns(t, runs); n != 1 {
		t.Errorf("ffmpeg ran %d times for three asks of one binary, want 1", n)
	}
	fakeTool(t, bin, runs, "6.1.2") // an upgrade: other size
	if v, _ := VersionLine(t.Context(), bin); !strings.Contains(v, "6.1.2") {
		t.Errorf("after an upgrade VersionLine = %q, want 6.1.2", v)
	}
	fakeTool(t, bin, runs, "6.1.3") // same size, new time
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(bin, later, later); err != nil {
		t.Fatal(err)
	}
	if v, _ := VersionLine(t.Context(), bin); !strings.Contains(v, "6.1.3") {
		t.Errorf("after a same-size rebuild VersionLine = %q, want 6.1.3", v)
	}
	if n := countRuns(t, runs); n != 3 {
		t.Errorf("ffmpeg ran %d times for three binaries, want 3", n)
	}
	if _, err := VersionLine(t.Context(), filepath.Join(dir, "nope")); !errors.Is(err, ErrToolMissing) {
		t.Errorf("VersionLine of a missing binary = %v, want ErrToolMissing", err)
	}
}

// Concurrent askers share one run; a failed run is not kept, and an
// asker whose run was cancelled does not fail the others.
func TestMemoToolSharesRunsNotFailures(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "tool")
	fakeTool(t, bin, filepath.Join(dir, "runs"), "1")
	var calls atomic.Int32
	release := make(chan struct{})
	run := func(ctx context.Context, p string) (string, error) {
		calls.Add(1)
		<-release
		return "answer from " + filepath.Base(p), nil
	}
	const askers = 6
	var wg sync.WaitGroup
	answers := make([]string, askers)
	for i := range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], _ = MemoTool(t.Context(), bin, "q", run)
		}()
	}
	waitMemo(t, askers-1)
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d runs for %d concurrent askers, want 1", calls.Load(), askers)
	}
	for _, a := range answers {
		if a != "answer from tool" {
			t.Errorf("answers %q", answers)
			break
		}
	}

	// failures are asked again
	fails := 0
	flaky := func(ctx context.Context, p string) (string, error) {
		if fails++; fails == 1 {
			return "", errors.New("first run fails")
		}
		return "ok", nil
	}
	if _, err := MemoTool(t.Context(), bin, "flaky", flaky); err == nil {
		t.Fatal("first flaky run succeeded")
	}
	if v, err := MemoTool(t.Context(), bin, "flaky", flaky); v != "ok" || err != nil {
		t.Errorf("second ask = %q, %v; want the run again", v, err)
	}

	// the first asker gives up: the waiting asker runs it itself
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	slow := func(ctx context.Context, p string) (string, error) {
		select {
		case <-started: // the second run (the waiter's own)
			return "mine", nil
		default:
		}
		close(started)
		<-ctx.Done()
		return "", ctx.Err()
	}
	firstErr := make(chan error, 1)
	go func() { _, err := MemoTool(ctx, bin, "slow", slow); firstErr <- err }()
	<-started
	waiterDone := make(chan string, 1)
	go func() { v, _ := MemoTool(t.Context(), bin, "slow", slow); waiterDone <- v }()
	waitMemo(t, 1)
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled asker: %v", err)
	}
	if v := <-waiterDone; v != "mine" {
		t.Errorf("the waiter got %q, want its own run's answer", v)
	}
}

// waitMemo polls until n askers wait on another's run.
func waitMemo(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		toolMemo.mu.Lock()
		w := toolMemo.waiting
		toolMemo.mu.Unlock()
		if w >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d askers waiting after 10 s, want %d", w, n)
		}
		time.Sleep(time.Millisecond)
	}
}
