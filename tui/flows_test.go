package tui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/tui/tuitest"
)

// Whole-program flows with teatest: a real bubbletea program, keys sent
// as a terminal would, the screen read back. Assertions are on the fake
// daemon's state and the final model; the screen is only waited on.

func startProgram(t *testing.T, f *fakeClient, o Options) *teatest.TestModel {
	t.Helper()
	o.Color = ColorNone
	if o.StartDir == "" {
		o.StartDir = t.TempDir()
	}
	return teatest.NewTestModel(t, New(t.Context(), f, o), teatest.WithInitialTermSize(80, 24))
}

func waitScreen(t *testing.T, tm *teatest.TestModel, wants ...string) {
	t.Helper()
	tuitest.WaitScreen(t, tm, 5*time.Second, wants...)
}

func sendKey(tm *teatest.TestModel, k string) { tm.Send(keyMsg(k)) }

// finish quits and returns the final model and the last output.
func finish(t *testing.T, tm *teatest.TestModel) (*Model, string) {
	t.Helper()
	sendKey(tm, "q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	return fm, string(out)
}

func TestFlowOpenTrimUndoSave(t *testing.T) {
	f := newFake()
	orig := f.addProject("demo", 3)
	tm := startProgram(t, f, Options{})
	waitScreen(t, tm, "demo", "never")

	sendKey(tm, "enter")
	waitScreen(t, tm, "clip3.mp4", "saved")
	tm.Type("j]]")
	waitScreen(t, tm, "0.08")
	sendKey(tm, "u")
	waitScreen(t, tm, "undone")
	sendKey(tm, "ctrl+s")

	fm, out := finish(t, tm)
	if fm.timeline.busy() {
		t.Fatal("quit before the last save was answered")
	}
	got := f.spec("demo")
	if got.Clips[1].In != 0.04 {
		t.Fatalf("after trim ×2, undo ×1, save: in = %v, want 0.04", got.Clips[1].In)
	}
	got.Clips[1].In = 0
	if !specEqual(got, orig) {
		t.Fatalf("the rest of the spec changed: %+v", got)
	}
	if f.saveCount() < 2 {
		t.Fatalf("saves = %d", f.saveCount())
	}
	if !strings.Contains(out, "\x1b[?25h") {
		t.Error("the cursor was not shown again on exit")
	}
}

func TestFlowRenderProgressToDone(t *testing.T) {
	f := newFake()
	f.addProject("demo", 2)
	f.events = make(chan api.JobEvent)
	tm := startProgram(t, f, Options{Project: "demo"})
	waitScreen(t, tm, "clip2.mp4")

	sendKey(tm, "r")
	waitScreen(t, tm, "Render demo")
	f.events <- api.JobEvent{JobID: "r1", Stage: "encode", Percent: 30, Speed: 2, ETA: 5}
	waitScreen(t, tm, "stage encode · 30% · speed 2.00x · ETA 0:05")
	f.events <- api.JobEvent{JobID: "r1", Stage: "encode", Percent: 80, Speed: 2, ETA: 1}
	waitScreen(t, tm, "80%")
	f.events <- api.JobEvent{JobID: "r1", Stage: "done", Percent: 100, Job: renderDoneJob()}
	close(f.events)
	waitScreen(t, tm, "publishable as reel")

	fm, _ := finish(t, tm)
	if fm.render.state != api.JobDone || fm.render.result == nil || fm.render.result.Output != "/cache/demo.mp4" {
		t.Fatalf("render state %q result %+v", fm.render.state, fm.render.result)
	}
}

func TestFlowPublishDryRun(t *testing.T) {
	f := newFake()
	f.addProject("demo", 1)
	f.plan = &api.PublishPlan{Key: "k", Connection: "main", Type: "reel", Hosting: "upload",
		Calls: []api.PlannedCall{{Method: "POST", Path: "/v25.0/1/media"}}}
	tm := startProgram(t, f, Options{Project: "demo"})
	waitScreen(t, tm, "clip1.mp4")
	sendKey(tm, "p")
	waitScreen(t, tm, "Publish demo")
	sendKey(tm, "e")
	tm.Type("New drop #reel")
	sendKey(tm, "esc")
	waitScreen(t, tm, "14/2200 chars · 1/30 hashtags")
	sendKey(tm, "D")
	waitScreen(t, tm, "dry run: nothing was sent", "POST /v25.0/1/media")

	fm, _ := finish(t, tm)
	if len(f.published) != 1 || !f.published[0].DryRun || *f.published[0].Caption != "New drop #reel" {
		t.Fatalf("published = %+v", f.published)
	}
	if fm.publish.state != "dry-run" {
		t.Fatalf("state %q", fm.publish.state)
	}
}

func TestFlowUnreachableDaemonQuitsCleanly(t *testing.T) {
	f := newFake()
	f.down = true
	tm := startProgram(t, f, Options{Project: "demo"})
	waitScreen(t, tm, "the impress daemon is not running")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	fm, out := finish(t, tm)
	if !fm.statusErr || fm.timeline.loaded() {
		t.Fatalf("status %q err %v", fm.status, fm.statusErr)
	}
	if !strings.Contains(out, "\x1b[?25h") {
		t.Error("the cursor was not shown again on exit")
	}
}
