package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

func TestXfadeTransitionsOfInstalledFFmpeg(t *testing.T) {
	tools := ffmpegtest.Require(t)
	have, err := XfadeTransitions(t.Context(), tools.FFmpeg)
	if err != nil {
		t.Fatal(err)
	}
	// every ffmpeg with xfade has the baseline, in the spec's order
	if base := transitionValues[1 : 1+xfadeBaseline]; len(have) < len(base) || !slices.Equal(have[:len(base)], base) {
		t.Errorf("xfade lists %q, want it to start with %q", have, base)
	}
	if slices.Contains(have, "custom") {
		t.Errorf("custom (needs an expression) listed: %q", have)
	}
	var known []string
	for _, n := range have {
		if slices.Contains(transitionValues, n) {
			known = append(known, n)
		}
	}
	if want := transitionValues[1 : 1+len(known)]; !slices.Equal(known, want) {
		t.Errorf("transitions impress knows, in ffmpeg's order: %q, want %q", known, want)
	}
}

func TestParseXfadeHelp(t *testing.T) {
	out := "Filter xfade\n  Cross fade.\nxfade AVOptions:\n" +
		"   transition        <int>        ..FV....... set cross fade transition (from -1 to 2) (default fade)\n" +
		"     custom          -1           ..FV....... custom transition\n" +
		"     fade            0            ..FV....... fade transition\n" +
		"     wipeleft        1            ..FV....... wipe left transition\n" +
		"   duration          <duration>   ..FV....... set cross fade duration (default 1)\n" +
		"   offset            <duration>   ..FV....... set cross fade start\n"
	if got := parseXfadeHelp([]byte(out)); !slices.Equal(got, []string{"fade", "wipeleft"}) {
		t.Errorf("parsed %q", got)
	}
	if got := parseXfadeHelp([]byte("Unknown filter 'xfade'.\n")); len(got) != 0 {
		t.Errorf("no xfade: parsed %q", got)
	}
}

// oldFFmpeg is an ffmpeg stand-in whose xfade stops at vdslice (ffmpeg
// 4.3): it answers -h filter=xfade with the real help cut there, and
// records every other run in the marker file.
func oldFFmpeg(t *testing.T, real string) (path, marker string) {
	t.Helper()
	help, err := exec.Command(real, "-hide_banner", "-h", "filter=xfade").Output()
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	cut := false
	for _, line := range strings.Split(string(help), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "hblur" {
			cut = true
		}
		if cut && len(f) > 0 && f[0] == "duration" {
			cut = false
		}
		if !cut {
			kept = append(kept, line)
		}
	}
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "help.txt"), strings.Join(kept, "\n"))
	marker = filepath.Join(dir, "ran")
	path = filepath.Join(dir, "ffmpeg")
	script := "case \"$*\" in\n*filter=xfade*) cat '" + filepath.Join(dir, "help.txt") + "';;\n" +
		"*) echo \"$*\" >> '" + marker + "'; exit 1;;\nesac\n"
	testkit.Script(t, path, script)
	return path, marker
}

// TestOlderFFmpegRefusesNewTransitionClearly: a transition the installed
// xfade lacks is a spec error naming its key and line, and what this
// ffmpeg has, before any graph is built or run.
func TestOlderFFmpegRefusesNewTransitionClearly(t *testing.T) {
	t.Parallel()
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4"})
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "b.mp4"})
	ff, marker := oldFFmpeg(t, tools.FFmpeg)
	for _, typ := range []string{"zoomin", "revealdown"} {
		s, err := ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: a.mp4\n    transition:\n      type: "+typ+"\n  - video: b.mp4\n"), "s.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Resolve(dir); err != nil {
			t.Fatal(err)
		}
		req := RenderRequest{Spec: s, Preview: true, FFmpeg: ff, FFprobe: tools.FFprobe, Output: filepath.Join(dir, "out.mp4")}
		_, err = Render(t.Context(), req, nil)
		wantSpecError(t, err, 6, "clips[0].transition.type", `transition "`+typ+`" is not in this ffmpeg's xfade filter (it has 35: fade, wipeleft`)
		// the caller's list is used as it is: nothing is asked
		req.Transitions = []string{"fade", "dissolve"}
		_, err = Render(t.Context(), req, nil)
		wantSpecError(t, err, 6, "clips[0].transition.type", "(it has 2: fade, dissolve)")
	}
	if b, err := os.ReadFile(marker); err == nil {
		t.Fatalf("ffmpeg ran for a refused transition: %s", b)
	}
}

// TestRenderTransitionsByName renders a transition newer than the
// baseline (asked of the installed ffmpeg) and checks the mid-transition
// frame is neither clip.
func TestRenderTransitionsByName(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	ffmpegtest.SolidClip(t, "red", 64, 64, time.Second, filepath.Join(e.dir, "red.mp4"))
	ffmpegtest.SolidClip(t, "blue", 64, 64, time.Second, filepath.Join(e.dir, "blue.mp4"))
	res := e.render(`version: 1
name: t
clips:
  - video: red.mp4
    transition: {type: fadegrays, duration: 0.5}
  - video: blue.mp4
`, true)
	wantOutput(t, res.Output, 540, 960, 30, 45)
	a := ffmpegtest.FrameAt(t, res.Output, 0.2)
	mid := ffmpegtest.FrameAt(t, res.Output, 0.75)
	b := ffmpegtest.FrameAt(t, res.Output, 1.3)
	if r, g, bl := a.RGB(270, 480); r < 200 || bl > 60 || g > 60 {
		t.Errorf("before the transition: rgb %d %d %d, want red", r, g, bl)
	}
	if r, g, bl := b.RGB(270, 480); bl < 200 || r > 60 || g > 60 {
		t.Errorf("after the transition: rgb %d %d %d, want blue", r, g, bl)
	}
	if da, db := mid.MeanDiff(a), mid.MeanDiff(b); da < 20 || db < 20 {
		t.Errorf("mid-transition frame differs from the clips by %.1f and %.1f; want a blend of both", da, db)
	}
}
