package render

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// What impress learns by running a tool binary — its version line, its
// lists of encoders, filters and demuxers, whether a filter option works —
// does not change while the binary does not. [MemoTool] keeps each answer
// per binary identity (resolved path, size, modification time): a daemon
// runs `ffmpeg -version` once, not once per render or per doctor run, and
// a new ffmpeg installed at the same path (an upgrade changes the size or
// the time) is asked again. Concurrent askers of the same question wait for
// one run. Errors are not kept: a tool that failed is asked again next time.

// toolID identifies a binary's content cheaply.
type toolID struct {
	path  string // symlinks resolved
	size  int64
	mtime time.Time
}

type memoKey struct {
	tool toolID
	name string
}

// memoEntry is one answer, or the run that will give it (done is closed
// when val and err are set).
type memoEntry struct {
	done chan struct{}
	val  string
	err  error
}

var toolMemo struct {
	mu sync.Mutex // guards m and waiting; a leaf (released before a tool runs)
	m  map[memoKey]*memoEntry
	// waiting counts askers waiting for another's run (for tests).
	waiting int
}

// maxToolMemo bounds the memo (a few binaries × a few questions in
// practice; a daemon whose ffmpeg is upgraded again and again drops old
// answers).
const maxToolMemo = 256

// MemoTool returns run's answer about the binary bin (a path, or a name
// looked up in PATH) for the question name, running it once per binary
// identity. run gets the resolved path.
func MemoTool(ctx context.Context, bin, name string, run func(ctx context.Context, resolved string) (string, error)) (string, error) {
	id, err := identifyTool(bin)
	if err != nil {
		return "", err
	}
	key := memoKey{tool: id, name: name}
	toolMemo.mu.Lock()
	if toolMemo.m == nil || len(toolMemo.m) >= maxToolMemo {
		toolMemo.m = map[memoKey]*memoEntry{}
	}
	e, waiting := toolMemo.m[key]
	if !waiting {
		e = &memoEntry{done: make(chan struct{})}
		toolMemo.m[key] = e
	} else {
		toolMemo.waiting++
	}
	toolMemo.mu.Unlock()
	if !waiting {
		e.val, e.err = run(ctx, id.path)
		if e.err != nil {
			toolMemo.mu.Lock()
			if toolMemo.m[key] == e {
				delete(toolMemo.m, key)
			}
			toolMemo.mu.Unlock()
		}
		close(e.done)
		return e.val, e.err
	}
	select {
	case <-e.done:
	case <-ctx.Done():
	}
	toolMemo.mu.Lock()
	toolMemo.waiting--
	toolMemo.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if e.err == nil {
		return e.val, nil
	}
	// The run we waited for failed, perhaps only because its asker was
	// cancelled: ask again ourselves (the failed entry is gone).
	return MemoTool(ctx, bin, name, run)
}

// identifyTool resolves bin and reads its identity.
func identifyTool(bin string) (toolID, error) {
	p, err := exec.LookPath(bin)
	if err != nil {
		return toolID{}, fmt.Errorf("%w: %s not found (%s)", ErrToolMissing, bin, installFix("ffmpeg"))
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	fi, err := os.Stat(p)
	if err != nil {
		return toolID{}, fmt.Errorf("%w: %v", ErrToolMissing, err)
	}
	return toolID{path: p, size: fi.Size(), mtime: fi.ModTime()}, nil
}

// VersionLine is the first line of `bin -version` ("ffmpeg version 5.1.9-0+deb12u1
// Copyright …"), asked once per binary. The daemon puts it in every render
// cache key: a different ffmpeg may encode differently.
func VersionLine(ctx context.Context, bin string) (string, error) {
	return MemoTool(ctx, bin, "-version", func(ctx context.Context, p string) (string, error) {
		out, err := runCapture(ctx, p, []string{"-hide_banner", "-version"})
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(out), "\n")
		return strings.TrimSpace(line), nil
	})
}
