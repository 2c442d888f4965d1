package tui

import (
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
)

// openDemo is the editor with project "demo" (n clips) open.
func openDemo(t *testing.T, n int) (*Model, *fakeClient) {
	t.Helper()
	f := newFake()
	f.addProject("demo", n)
	m := newTestModel(t, f, Options{Project: "demo"})
	if m.screen != scrTimeline || !m.timeline.loaded() {
		t.Fatalf("demo did not open: screen %d, status %q", m.screen, m.status)
	}
	return m, f
}

func TestTimelineTrimUndoRedoSaves(t *testing.T) {
	m, f := openDemo(t, 3)
	orig := f.spec("demo")

	press(t, m, "j", "]", "]", "}") // clip 2: in +2 frames, +1 s
	if got := f.spec("demo").Clips[1].In; got != 1.08 {
		t.Fatalf("saved in = %v, want 1.08", got)
	}
	press(t, m, ",") // out −1 frame from the end
	if got := f.spec("demo").Clips[1].Out; got != 3.96 {
		t.Fatalf("saved out = %v, want 3.96", got)
	}
	view := m.View()
	checkFrame(t, view, 80, 24)
	mustContain(t, view, "demo", "clip2.mp4", "1.08", "3.96", "saved")

	press(t, m, "u", "u", "u", "u")
	if !specEqual(f.spec("demo"), orig) {
		t.Fatalf("after undoing everything the daemon holds %+v", f.spec("demo").Clips[1])
	}
	press(t, m, "u")
	mustContain(t, m.status, "nothing to undo")
	press(t, m, "ctrl+r")
	if got := f.spec("demo").Clips[1].In; got != 0.04 {
		t.Fatalf("redo: in = %v, want 0.04", got)
	}
}

func TestTimelineEditsEveryField(t *testing.T) {
	m, f := openDemo(t, 3)
	press(t, m, "f", "s", "-", "t", "T", "K") // on clip 1; K refuses (first)
	c := f.spec("demo").Clips[0]
	if c.Fit != "pad" || speedOf(&c) != 1.25 || volumeOf(&c) != 0.9 || c.Transition == nil || c.Transition.Type != "fade" || c.Transition.Duration != 1 {
		t.Fatalf("clip 1 = %+v", c)
	}
	mustContain(t, m.status, "already first")
	press(t, m, "J") // move it down
	s := f.spec("demo")
	if s.Clips[1].Fit != "pad" || m.timeline.cursor != 1 {
		t.Fatalf("move down: cursor %d, clips %+v", m.timeline.cursor, s.Clips)
	}
	press(t, m, "x")
	if n := len(f.spec("demo").Clips); n != 2 {
		t.Fatalf("delete: %d clips", n)
	}
	press(t, m, "m")
	mustContain(t, m.View(), "mute")
}

func TestTimelineSavesInOrderOneAtATime(t *testing.T) {
	m, f := openDemo(t, 2)
	// Edits made while a save is in flight wait for it; then only the
	// newest state is sent.
	_, save1 := m.Update(keyMsg("]"))
	_, none1 := m.Update(keyMsg("]"))
	_, none2 := m.Update(keyMsg("]"))
	if m.timeline.gen != 3 || !m.timeline.saving {
		t.Fatalf("gen %d saving %v", m.timeline.gen, m.timeline.saving)
	}
	settle(t, m, none1)
	settle(t, m, none2)
	if f.saveCount() != 0 {
		t.Fatalf("a second save started while one was in flight (%d)", f.saveCount())
	}
	mustContain(t, m.View(), "saving…")
	settle(t, m, save1)
	if f.saveCount() != 2 {
		t.Fatalf("saves = %d, want 2 (first edit, then the newest)", f.saveCount())
	}
	if got := f.spec("demo").Clips[0].In; got != 0.12 {
		t.Fatalf("last saved in = %v, want 0.12", got)
	}
	mustContain(t, m.View(), "saved")
}

func TestTimelineSaveErrorIsALineNotACrash(t *testing.T) {
	m, _ := openDemo(t, 1)
	m.timeline.d.spec.Clips[0].Out = 1
	m.timeline.d.spec.Clips[0].In = 2 // what the fake refuses
	press(t, m, "ctrl+s")
	if !m.statusErr || !strings.Contains(m.status, "inverted trim") {
		t.Fatalf("status = %q (err %v)", m.status, m.statusErr)
	}
	mustContain(t, m.View(), "not saved")
}

func TestTimelinePanes(t *testing.T) {
	m, f := openDemo(t, 2)
	press(t, m, "tab") // texts
	press(t, m, "n")
	if m.timeline.form == nil {
		t.Fatal("n opened no form")
	}
	mustContain(t, m.View(), "New text", "position")
	typeText(t, m, "50% OFF: {x}, [y]; \\n")
	press(t, m, "tab", "tab", "tab") // to position
	typeText(t, m, "top")
	press(t, m, "enter")
	s := f.spec("demo")
	if len(s.Texts) != 1 || s.Texts[0].Text != "50% OFF: {x}, [y]; \\n" || s.Texts[0].Position == nil || s.Texts[0].Position.Named != "top" || s.Texts[0].End != 3 {
		t.Fatalf("texts = %+v", s.Texts)
	}
	press(t, m, "e", "tab", "tab", "tab")
	typeText(t, m, "x")
	press(t, m, "enter")
	if m.timeline.form == nil || !strings.Contains(m.timeline.form.err, "position") {
		t.Fatalf("a bad position was accepted: %+v", f.spec("demo").Texts)
	}
	press(t, m, "esc")
	press(t, m, "tab", "a") // captions: the picker opens
	if m.timeline.picker == nil {
		t.Fatal("a opened no picker")
	}
	press(t, m, "esc")
	settle(t, m, func() tea.Msg { return fileChosenMsg{pane: paneCaptions, path: "/home/me/voice.srt"} })
	press(t, m, "w")
	if cp := f.spec("demo").Captions; cp == nil || cp.File != "/media/voice.srt" || !cp.Words {
		t.Fatalf("captions = %+v", cp)
	}
	press(t, m, "tab") // music
	settle(t, m, func() tea.Msg { return fileChosenMsg{pane: paneMusic, path: "/home/me/song.mp3"} })
	press(t, m, "-", "w")
	if a := f.spec("demo").Audio; len(a) != 1 || a[0].File != "/media/song.mp3" || *a[0].Volume != 0.9 || !a[0].Duck {
		t.Fatalf("audio = %+v", a)
	}
	checkFrame(t, m.View(), 80, 24)
	press(t, m, "x")
	if len(f.spec("demo").Audio) != 0 {
		t.Fatal("track not deleted")
	}
}

func TestTimelineAddClipAfterCursor(t *testing.T) {
	m, f := openDemo(t, 2)
	settle(t, m, func() tea.Msg { return fileChosenMsg{pane: paneClips, path: "/home/me/photo.jpg"} })
	s := f.spec("demo")
	if len(s.Clips) != 3 || s.Clips[1].Image != "/media/photo.jpg" || m.timeline.cursor != 1 {
		t.Fatalf("clips = %+v, cursor %d", s.Clips, m.timeline.cursor)
	}
	mustContain(t, m.View(), "photo.jpg", "image")
}

func TestTimelineScrollsFiftyClips(t *testing.T) {
	m, _ := openDemo(t, 50)
	for range 49 {
		press(t, m, "j")
	}
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "▸ 50", "clip50.mp4", "rows")
}

func TestPreviewFetchesOffTheInputPath(t *testing.T) {
	f := newFake()
	f.addProject("demo", 3)
	m := newTestModel(t, f, Options{Project: "demo"})
	press(t, m, "3")
	if m.preview.fetches != 1 || f.frames != 1 {
		t.Fatalf("fetches = %d (daemon saw %d)", m.preview.fetches, f.frames)
	}
	view := m.View()
	checkFrame(t, view, 80, 24)
	mustContain(t, view, "clip 1/3 clip1.mp4")

	// Moving while a still is coming asks for nothing more; the answer,
	// now stale, is dropped and the newest wish is fetched.
	_, cmd := m.Update(keyMsg("l"))
	_, c2 := m.Update(keyMsg("l"))
	_, c3 := m.Update(keyMsg("j"))
	if c2 != nil || c3 != nil {
		t.Fatal("keys during a fetch started more fetches")
	}
	if !m.preview.inflight || m.preview.fetches != 2 {
		t.Fatalf("inflight %v fetches %d", m.preview.inflight, m.preview.fetches)
	}
	var frame frameMsg
	for _, msg := range msgsOf(cmd) {
		if fm, ok := msg.(frameMsg); ok {
			frame = fm
		}
	}
	if frame.key.at != 1 {
		t.Fatalf("first fetch was for %+v", frame.key)
	}
	_, next := m.Update(frame)
	if m.preview.have == frame.key || next == nil {
		t.Fatal("a stale still was shown, or the newest wish was not fetched")
	}
	settle(t, m, next)
	if m.preview.have.path != "/media/clip2.mp4" || m.preview.have.at != 0 {
		t.Fatalf("shown %+v", m.preview.have)
	}
}

func TestPreviewSideBySideWhenWide(t *testing.T) {
	m, f := openDemo(t, 2)
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	settle(t, m, cmd)
	press(t, m, "j")
	if f.frames != 2 || m.preview.have.path != "/media/clip2.mp4" {
		t.Fatalf("side preview: %d stills, showing %+v", f.frames, m.preview.have)
	}
	checkFrame(t, m.View(), 140, 40)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFrame(t, m.View(), 80, 24)
}

func TestPreviewErrorShown(t *testing.T) {
	m, _ := openDemo(t, 1)
	m.preview.want = frameKey{path: "x"}
	m.Update(frameMsg{key: m.preview.want, err: api.Errorf(api.CodeInvalid, "preview: no picture at 9s")})
	m.screen = scrPreview
	v := m.View()
	mustContain(t, v, "preview: no picture at 9s")
	if strings.Contains(v, "preview: preview:") {
		t.Errorf("the operation is named twice:\n%s", v)
	}
}

func TestKeyBurstIsTakenKeyByKey(t *testing.T) {
	m, f := openDemo(t, 3)
	// A terminal read can deliver several typed keys as one message.
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj]")})
	settle(t, m, cmd)
	if m.timeline.cursor != 2 || f.spec("demo").Clips[2].In != 0.04 {
		t.Fatalf("cursor %d, clip 3 in %v", m.timeline.cursor, f.spec("demo").Clips[2].In)
	}
}

func TestFilePickerAddsAClip(t *testing.T) {
	f := newFake()
	f.addProject("demo", 1)
	dir := t.TempDir()
	for _, n := range []string{"b.mp4", "notes.txt"} {
		testkit.WriteFile(t, filepath.Join(dir, n), "x")
	}
	m := newTestModel(t, f, Options{Project: "demo", StartDir: dir})
	press(t, m, "a") // runs the picker's directory read
	mustContain(t, m.View(), "Add a clip", "b.mp4", "notes.txt")
	press(t, m, "enter")
	if m.timeline.picker != nil {
		t.Fatal("picker still open after choosing")
	}
	if s := f.spec("demo"); len(s.Clips) != 2 || s.Clips[1].Video != "/media/b.mp4" {
		t.Fatalf("clips = %+v", s.Clips)
	}
}

func TestPlayPreviewRender(t *testing.T) {
	f := newFake()
	f.addProject("demo", 1)
	f.renderCached = true
	m := newTestModel(t, f, Options{Project: "demo"})
	press(t, m, "3", "o")
	mustContain(t, m.status, "no player configured")

	m = newTestModel(t, f, Options{Project: "demo", Player: []string{"true"}})
	press(t, m, "3", "o")
	mustContain(t, m.View(), "playing out.mp4")
}
