package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for the render scripts (render_*.txtar, project_*.txtar).

// mkClip makes a tiny clip with ffmpeg's lavfi sources:
//
//	mkclip NAME [WxH] [SECONDS] [noaudio] [fps=N] [source=NAME]
//
// Defaults: 64x64, 1 s, 30 fps, a 440 Hz stereo AAC tone, testsrc2. The
// name may contain spaces or start with a dash.
func mkClip(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkclip NAME [WxH] [SECONDS] [noaudio] [fps=N] [source=NAME]")
	}
	size, dur, fps, src, audio := "64x64", "1", "30", "testsrc2", true
	for _, a := range args[1:] {
		switch {
		case a == "noaudio":
			audio = false
		case strings.HasPrefix(a, "fps="):
			fps = strings.TrimPrefix(a, "fps=")
		case strings.HasPrefix(a, "source="):
			src = strings.TrimPrefix(a, "source=")
		case strings.Contains(a, "x"):
			size = a
		default:
			if _, err := strconv.ParseFloat(a, 64); err != nil {
				ts.Fatalf("mkclip: bad argument %q", a)
			}
			dur = a
		}
	}
	ff := []string{"-f", "lavfi", "-i", fmt.Sprintf("%s=size=%s:rate=%s:duration=%s", src, size, fps, dur)}
	if audio {
		ff = append(ff, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+dur+",aformat=channel_layouts=stereo",
			"-c:a", "aac", "-b:a", "128k")
	}
	ff = append(ff, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", "-f", "mp4", "file:"+ts.MkAbs(args[0]))
	runFFmpeg(ts, ff)
}

// mkImage makes a test picture: mkimage NAME WxH (the extension picks the format).
func mkImage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkimage NAME WxH")
	}
	runFFmpeg(ts, []string{"-f", "lavfi", "-i", "testsrc2=size=" + args[1] + ":rate=1:duration=1", "-frames:v", "1",
		"-update", "1", "file:" + ts.MkAbs(args[0])})
}

func runFFmpeg(ts *testscript.TestScript, args []string) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		ts.Fatalf("ffmpeg not found: %v", err)
	}
	cmd := exec.Command(bin, append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	cmd.Dir = ts.Getenv("WORK")
	if out, err := cmd.CombinedOutput(); err != nil {
		ts.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// exitCode runs a command and checks its exit status, which `! exec`
// cannot (README "Output and exit codes" gives each code a meaning):
//
//	exitcode 5 impress validate short.mp4
//
// Its stdout and stderr are checked with stdout/stderr as after exec.
func exitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// waitStage waits (30 s at most) until the newest render job reports a
// stage, following its events: waitstage encode
func waitStage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitstage STAGE")
	}
	c := api.NewClient(ts.Getenv("IMPRESS_SOCKET"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var id string
	for id == "" {
		if jobs, err := c.Jobs(ctx, api.JobRender); err == nil && len(jobs) > 0 {
			id = jobs[0].ID
			break
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("no render job within 30 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	errSeen := errors.New("seen")
	err := c.WatchJob(ctx, id, func(ev api.JobEvent) error {
		if ev.Stage == args[0] {
			return errSeen
		}
		if ev.Job != nil {
			return fmt.Errorf("job %s ended (%s) before stage %s", id, ev.Job.State, args[0])
		}
		return nil
	})
	if !errors.Is(err, errSeen) {
		ts.Fatalf("waiting for stage %s of job %s: %v", args[0], id, err)
	}
}

// noFiles fails when a directory tree holds any regular file (a missing
// directory holds none): nofiles home/data/renders
func noFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nofiles DIR")
	}
	var found []string
	filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) > 0 {
		ts.Fatalf("%s holds %s", args[0], strings.Join(found, ", "))
	}
}
