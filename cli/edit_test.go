package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/tui"
	"github.com/impress-dev/impress/tui/tuitest"
)

func TestNewEditCmd(t *testing.T) {
	ios, _, _, _ := TestIO()
	f := &Factory{IO: ios, Env: func(string) string { return "" }}
	var got *editOptions
	cmd := newEditCmd(f, func(_ context.Context, o *editOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"summer-sale", "--connection", "main"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Project != "summer-sale" || got.Connection != "main" {
		t.Fatalf("options = %+v", got)
	}
	cmd = newEditCmd(f, func(context.Context, *editOptions) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err == nil {
		t.Fatal("two projects were accepted")
	}
}

func TestRunEditNeedsATerminal(t *testing.T) {
	ios, _, _, _ := TestIO()
	called := false
	err := runEdit(t.Context(), &editOptions{Env: func(string) string { return "" },
		baseOptions: baseOptions{IO: ios, Client: func(context.Context) (*api.Client, error) { called = true; return nil, nil }}})
	if exitCode(err, false) != ExitUsage || called {
		t.Fatalf("err = %v (code %d), daemon asked: %v", err, exitCode(err, false), called)
	}
}

// The spec of README "Projects, specs and renders", in the YAML form
// `project export` writes.
const fullSpec = `version: 1
name: summer-sale
preset: reels
fps: 30
clips:
  - video: /data/media/aa/intro.mov
    in: 1.5
    out: 6
    fit: blur
    speed: 1
    volume: 0
    transition:
      type: fade
      duration: 0.5
  - image: /data/media/bb/product.jpg
    duration: 3
    zoom: in
texts:
  - text: "50% OFF: today's deal"
    end: 3
    position: top
    size: 64
    color: '#FFFFFF'
    box: true
  - text: corner
    position: {x: 0.5, y: 0.2}
captions:
  file: /data/media/cc/voice.srt
  style:
    size: 56
    position: bottom
  words: true
audio:
  - file: /data/media/dd/music.mp3
    volume: 0.3
    fade_in: 1
    fade_out: 2
    duck: true
loudness: -14
cover:
  at: 2
publish:
  type: reel
  caption: "Summer sale ☀️ #sale"
  share_to_feed: true
  first_comment: Link in bio
  collaborators: [friend_account]
  thumb_offset: 1500
`

func TestDecodeSpecYAML(t *testing.T) {
	s, err := decodeSpecYAML([]byte(fullSpec))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clips[0]
	if c.In != 1.5 || c.Out != 6 || c.Fit != "blur" || *c.Speed != 1 || *c.Volume != 0 || c.Transition.Type != "fade" {
		t.Errorf("clip 0 = %+v", c)
	}
	if s.Clips[1].Image == "" || s.Clips[1].Zoom != "in" || s.Texts[0].Position.Named != "top" || s.Texts[1].Position.Y != 0.2 {
		t.Errorf("clips/texts = %+v %+v", s.Clips[1], s.Texts)
	}
	if !s.Captions.Words || s.Captions.Style.Size != 56 || *s.Audio[0].Volume != 0.3 || *s.Loudness != -14 || *s.Cover.At != 2 {
		t.Errorf("captions/audio/loudness/cover = %+v %+v", s.Captions, s.Audio)
	}
	if p := s.Publish; p.Caption != "Summer sale ☀️ #sale" || !*p.ShareToFeed || *p.ThumbOffset != 1500 || p.Collaborators[0] != "friend_account" {
		t.Errorf("publish = %+v", p)
	}
	if _, err := decodeSpecYAML([]byte("version: 1\nname: x\nclips: []\nfilters: [hue]\n")); err == nil {
		t.Error("a key the editor does not know was accepted (saving would drop it)")
	}
}

// startEditDaemon runs a real daemon in this process on a short temp home.
func startEditDaemon(t *testing.T) *api.Client {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file")
	home, err := os.MkdirTemp("", "ie")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	env := func(k string) string {
		if k == "IMPRESS_HOME" {
			return home
		}
		return ""
	}
	return runTestDaemon(t, env)
}

func TestEditClientRoundTripIsAFixedPoint(t *testing.T) {
	ffmpegtest.Require(t)
	c := startEditDaemon(t)
	ctx := t.Context()
	dir := t.TempDir()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Audio: true})
	img := ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.jpg"))
	spec := filepath.Join(dir, "s.yaml")
	text := strings.NewReplacer("/data/media/aa/intro.mov", clip, "/data/media/bb/product.jpg", img, "in: 1.5\n    out: 6", "in: 0.2\n    out: 0.9",
		"  file: /data/media/cc/voice.srt\n  style:\n    size: 56\n    position: bottom\n  words: true\n", "",
		"captions:\n", "", "  - file: /data/media/dd/music.mp3\n    volume: 0.3\n    fade_in: 1\n    fade_out: 2\n    duck: true\n", "",
		"audio:\n", "", "transition:\n      type: fade\n      duration: 0.5", "transition:\n      type: fade\n      duration: 0.25").Replace(fullSpec)
	testkit.WriteFile(t, spec, text)
	if _, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	before, err := c.ExportProject(ctx, "summer-sale")
	if err != nil {
		t.Fatal(err)
	}
	e := &editClient{Client: c}
	_, s, err := e.ProjectSpec(ctx, "summer-sale")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SaveSpec(ctx, s); err != nil {
		t.Fatalf("save: %v", err)
	}
	after, _ := c.ExportProject(ctx, "summer-sale")
	if before.Spec != after.Spec {
		t.Fatalf("decode → save changed the spec:\n%s\n---\n%s", before.Spec, after.Spec)
	}
}

// TestEditWithRealDaemon drives the editor against a real daemon and
// ffmpeg: open a project of a 64x64 1 s clip, see its preview still drawn
// in half blocks, trim, undo, save, render, and check the stored spec.
func TestEditWithRealDaemon(t *testing.T) {
	ffmpegtest.Require(t)
	c := startEditDaemon(t)
	ctx := t.Context()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: time.Second, Audio: true})
	if _, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "tui", Preset: "preview", Clips: []string{clip}}); err != nil {
		t.Fatal(err)
	}
	orig, err := c.ExportProject(ctx, "tui")
	if err != nil {
		t.Fatal(err)
	}

	m := tui.New(ctx, &editClient{Client: c}, tui.Options{Project: "tui", StartDir: t.TempDir(), Color: tui.Color256})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	wait := func(wants ...string) {
		t.Helper()
		tuitest.WaitScreen(t, tm, 30*time.Second, wants...)
	}
	key := func(k string) { tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}) }

	wait("clip.mp4", "saved")
	key("3")
	wait("▀", "\x1b[38;5;") // the still, drawn by ffmpeg through the daemon
	key("2")
	key("]")
	wait("0.033")
	key("u")
	wait("undone")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	key("r")
	wait("Render tui")
	wait("540x960")
	key("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(30*time.Second))

	got, err := c.ExportProject(ctx, "tui")
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec != orig.Spec {
		t.Fatalf("after trim and undo the stored spec differs:\n%s\n---\n%s", orig.Spec, got.Spec)
	}
	jobs, err := c.Jobs(ctx, api.JobRender)
	if err != nil || len(jobs) == 0 || jobs[0].State != api.JobDone {
		t.Fatalf("render jobs = %+v, %v", jobs, err)
	}
}
