package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/rogpeppe/go-internal/testscript"
)

// The publish scripts (testdata/script/publish_*.txtar) run against the
// per-script sandbox that auth_script_test.go starts; they count what the
// sandbox holds to check exactly-once.

// killDaemon SIGKILLs the running daemon (no shutdown, no parking) and
// waits until its socket stops answering: killdaemon
func killDaemon(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: killdaemon")
	}
	c := api.NewClient(ts.Getenv("IMPRESS_SOCKET"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := c.Ping(ctx)
	ts.Check(err)
	ts.Check(syscall.Kill(p.PID, syscall.SIGKILL))
	for ctx.Err() == nil {
		if _, err := c.Ping(ctx); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("daemon %d still answers after SIGKILL", p.PID)
}

// mkReel makes a clip that meets the reel rules as it is (no render
// needed): mkreel NAME [SECONDS]
func mkReel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: mkreel NAME [SECONDS]")
	}
	dur := "3"
	if len(args) == 2 {
		dur = args[1]
	}
	ts.Check(os.MkdirAll(filepath.Dir(ts.MkAbs(args[0])), 0o755))
	runFFmpeg(ts, []string{"-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=" + dur,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + dur,
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-use_editlist", "0",
		"-shortest", "file:" + ts.MkAbs(args[0])})
}

// publishedCount checks how many media the sandbox published through
// media_publish: published N
func publishedCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: published N")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("published: bad count %q", args[0])
	}
	var out struct {
		Count int `json:"count"`
	}
	sandboxGet(ts, "/_sandbox/published", &out)
	if (out.Count == want) == neg {
		ts.Fatalf("the sandbox published %d media, want %s%d", out.Count, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}
