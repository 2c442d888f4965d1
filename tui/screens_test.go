package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

func TestEveryScreenFits(t *testing.T) {
	m, _ := openDemo(t, 50)
	for _, size := range [][2]int{{80, 24}, {60, 16}, {140, 45}} {
		_, cmd := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		settle(t, m, cmd)
		for _, k := range []string{"1", "2", "3", "4", "5", "6", "?"} {
			press(t, m, k)
			checkFrame(t, m.View(), size[0], size[1])
			if k == "?" {
				press(t, m, "?")
			}
		}
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	m, _ := openDemo(t, 1)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, m, "?")
	var seen strings.Builder
	for range 10 {
		seen.WriteString(m.View())
		press(t, m, "down", "down", "down", "down", "down", "down", "down", "down", "down", "down")
	}
	for _, g := range m.c.keys.groups() {
		for _, b := range g.keys {
			if h := b.Help(); !strings.Contains(seen.String(), h.Key) || !strings.Contains(seen.String(), h.Desc[:min(len(h.Desc), 20)]) {
				t.Errorf("help lacks %q %q", h.Key, h.Desc)
			}
		}
	}
	press(t, m, "esc")
	if m.help {
		t.Error("esc did not close the help")
	}
}

func TestProjectsScreen(t *testing.T) {
	f := newFake()
	f.addProject("summer-sale", 2)
	f.addProject("winter", 1)
	d, _ := jsonRaw(api.RenderDetail{Request: api.RenderRequest{Project: "winter"}})
	f.jobs = []api.Job{{ID: "j1", Kind: api.JobRender, State: api.JobDone, Detail: d, UpdatedAt: time.Now().Add(-2 * time.Hour)}}
	m := newTestModel(t, f, Options{})
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "summer-sale", "winter", "2h ago", "never")

	press(t, m, "/")
	typeText(t, m, "win")
	if len(m.projects.shown) != 1 {
		t.Fatalf("filter shows %d", len(m.projects.shown))
	}
	press(t, m, "enter", "R")
	for range len("winter") {
		press(t, m, "backspace")
	}
	typeText(t, m, "spring")
	press(t, m, "enter")
	if _, ok := f.specs["spring"]; !ok || f.specs["winter"] != nil {
		t.Fatalf("rename: specs %v", f.specs)
	}
	press(t, m, "esc", "/", "esc") // clear the filter
	press(t, m, "d", "n")
	mustContain(t, m.status, "not deleted")
	press(t, m, "d", "y")
	if len(f.projects) != 1 {
		t.Fatalf("delete: %d projects left", len(f.projects))
	}
	press(t, m, "n")
	typeText(t, m, "fresh")
	press(t, m, "enter")
	if m.screen != scrTimeline || m.timeline.d.spec.Name != "fresh" {
		t.Fatalf("a new project is opened: screen %d", m.screen)
	}
	mustContain(t, m.View(), "no clips yet")
}

func TestRenderScreen(t *testing.T) {
	m, f := openDemo(t, 2)
	f.events = make(chan api.JobEvent, 4)
	f.events <- api.JobEvent{JobID: "r1", Stage: "encode", Percent: 42, Speed: 1.5, ETA: 12}
	// r → StartRender → the watch → the first event; the next wait is
	// left pending (it would block until the test sends more).
	pending := pressStep(t, m, "r", 2)
	if m.screen != scrRender || m.render.state != "running" {
		t.Fatalf("screen %d state %q", m.screen, m.render.state)
	}
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "Render demo", "stage encode · 42% · speed 1.50x · ETA 0:12")
	f.validation = &api.Validation{Type: "reel", Violations: []api.Violation{{Rule: "duration_min", Message: "shorter than 3 s"}}}
	f.events <- api.JobEvent{JobID: "r1", Stage: "done", Percent: 100, Job: renderDoneJob()}
	close(f.events)
	settle(t, m, pending)
	v = m.View()
	mustContain(t, v, "done", "/cache/demo.mp4", "1080x1920", "duration_min: shorter than 3 s")
}

func TestRenderCancelAndCache(t *testing.T) {
	m, f := openDemo(t, 1)
	f.events = make(chan api.JobEvent, 2)
	f.events <- api.JobEvent{Stage: "encode", Percent: 5}
	pending := pressStep(t, m, "r", 2)
	press(t, m, "esc")
	if m.render.state != "cancelling" || !strings.Contains(strings.Join(f.calls, ","), "CancelJob r1") {
		t.Fatalf("state %q calls %v", m.render.state, f.calls)
	}
	f.events <- api.JobEvent{Stage: "cancelled", Job: &api.Job{ID: "r1", State: api.JobCancelled}}
	close(f.events)
	settle(t, m, pending)
	mustContain(t, m.View(), "cancelled")

	f.renderCached = true
	press(t, m, "r")
	mustContain(t, m.View(), "from the render cache", "publishable as reel")
}

func TestPublishScreen(t *testing.T) {
	m, f := openDemo(t, 1)
	f.conns = []string{"main"}
	f.plan = &api.PublishPlan{Key: "k1", Connection: "main", Type: "reel", Hosting: "upload",
		Items: []api.PublishItem{{Kind: "video", Source: "demo", Render: true}},
		Calls: []api.PlannedCall{{Method: "POST", Path: "/v25.0/17841/media", Params: map[string]string{"caption": "x", "media_type": "REELS"}}}}
	press(t, m, "p")
	if m.screen != scrPublish {
		t.Fatalf("p went to screen %d", m.screen)
	}
	press(t, m, "e")
	typeText(t, m, "Sale #one #two @friend")
	press(t, m, "esc")
	mustContain(t, m.View(), "22/2200 chars · 2/30 hashtags · 1/20 mentions")
	press(t, m, "down", "e") // type: reel
	press(t, m, "down", "e")
	typeText(t, m, "2.5")
	press(t, m, "enter", "down", "e", "down", "down", "e") // share yes; connection main
	press(t, m, "D")
	if len(f.published) != 1 {
		t.Fatalf("dry run sent %d requests", len(f.published))
	}
	r := f.published[0]
	if !r.DryRun || r.Type != "reel" || *r.Caption != "Sale #one #two @friend" || *r.ThumbOffsetMS != 2500 ||
		!*r.ShareToFeed || r.Connection != "main" || r.Targets[0] != "demo" || r.At != nil {
		t.Fatalf("request = %+v", r)
	}
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "dry run: nothing was sent", "reel to main via upload", "POST /v25.0/17841/media caption,media_type")

	// Keep them as the spec's defaults.
	press(t, m, "ctrl+s")
	if p := f.spec("demo").Publish; p == nil || p.Caption != "Sale #one #two @friend" || *p.ThumbOffset != 2500 || p.Type != "reel" {
		t.Fatalf("defaults = %+v", p)
	}

	// Over the limit: refused before anything is sent.
	press(t, m, "up", "up", "up", "up", "up", "e")
	typeText(t, m, strings.Repeat(" #t", 30))
	press(t, m, "esc", "D")
	mustContain(t, m.status, "breaks Instagram's limits")
	if len(f.published) != 1 {
		t.Fatal("an over-limit caption was sent")
	}
}

// TestPublishScreenSaysWhyNoConnection: when Meta's deletion request
// removed the only connection, the publish screen's connection line says
// so, with the code and the command to connect again.
func TestPublishScreenSaysWhyNoConnection(t *testing.T) {
	m, f := openDemo(t, 1)
	f.removed = []api.ConnRemoval{{Connection: "main", Reason: api.RemovedByMetaDeletion, Code: "abcdefghijklmnopqrstuvwxyz",
		Message: "removed on 2026-03-01 12:00 UTC by a data deletion request from Meta (confirmation code abcdefghijklmnopqrstuvwxyz)",
		Fix:     "impress auth login --connection main"}}
	press(t, m, "p")
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "main removed on 2026-03-01 12:00 UTC by a data deletion")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	mustContain(t, m.View(), "abcdefghijklmnopqrstuvwxyz", "connect again: impress auth login --connection main")
}

func TestPublishJobToPermalink(t *testing.T) {
	m, f := openDemo(t, 1)
	f.publishJob = &api.Job{ID: "p1", Kind: api.JobPublish, State: api.JobQueued}
	f.events = make(chan api.JobEvent, 4)
	f.events <- api.JobEvent{Stage: api.PubUploaded, Percent: 50, Bytes: 1 << 20, Total: 2 << 20}
	press(t, m, "p", "P")
	mustContain(t, m.status, "y to confirm")
	pending := pressStep(t, m, "y", 2)
	mustContain(t, m.View(), "stage uploaded · 50% · 1.0 MB of 2.0 MB")
	d, _ := jsonRaw(api.PublishDetail{State: api.PubPublished, MediaID: "m1", Permalink: "https://www.instagram.com/reel/abc/"})
	f.events <- api.JobEvent{Stage: api.PubPublished, Job: &api.Job{ID: "p1", State: api.JobDone, Detail: d}}
	close(f.events)
	settle(t, m, pending)
	mustContain(t, m.View(), "published", "https://www.instagram.com/reel/abc/")
}

func TestInboxScreen(t *testing.T) {
	m, f := openDemo(t, 1)
	now := time.Now()
	f.media = []api.PublishedMedia{{MediaID: "m1", Caption: "Summer sale"}}
	f.comments["m1"] = []api.Comment{
		{ID: "c1", Username: "ann", Text: "love it", Timestamp: now.Add(-time.Hour),
			Replies: []api.Comment{{ID: "c2", ParentID: "c1", Username: "me", Text: "thanks"}}},
		{ID: "c3", Username: "bob", Text: "price?", Timestamp: now},
	}
	f.threads = []api.Thread{
		{ID: "t1", Participant: "carol", LastMessage: "hi", MessageCount: 2, ReplyAllowed: true},
		{ID: "t2", Participant: "dave", LastMessage: "old", MessageCount: 1, ReplyWindowClosesAt: now.Add(-time.Hour)},
	}
	press(t, m, "6")
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "Comments 3", "@bob: price?", "@ann: love it", "↳ @me: thanks")
	if !strings.Contains(v, "▸ @bob") {
		t.Errorf("newest comment first:\n%s", v)
	}
	press(t, m, "h")
	if !f.hidden["c3"] {
		t.Fatal("hide did not reach the daemon")
	}
	mustContain(t, m.View(), "@bob [hidden]")
	press(t, m, "j", "j", "r") // the reply "thanks": answer its thread
	typeText(t, m, "glad you like it")
	press(t, m, "enter")
	if len(f.replies) != 1 || f.replies[0] != "c1: glad you like it" {
		t.Fatalf("replies = %v", f.replies)
	}
	press(t, m, "tab")
	mustContain(t, m.View(), "carol", "reply open", "dave", "reply closed")
	press(t, m, "j", "r")
	mustContain(t, m.status, "allows no reply to dave")
	press(t, m, "k", "r")
	typeText(t, m, "hello")
	press(t, m, "enter")
	if len(f.sent) != 1 || f.sent[0] != "t1: hello" {
		t.Fatalf("sent = %v", f.sent)
	}
}

func TestDaemonErrorsAreStatusLines(t *testing.T) {
	f := newFake()
	f.down = true
	m := newTestModel(t, f, Options{})
	if !m.statusErr || !strings.Contains(m.status, "daemon is not running") {
		t.Fatalf("status = %q", m.status)
	}
	v := m.View()
	checkFrame(t, v, 80, 24)
	mustContain(t, v, "✗ projects: the impress daemon is not running")
	for _, k := range []string{"2", "3", "4", "r", "5", "D", "6", "1", "enter"} {
		press(t, m, k)
		checkFrame(t, m.View(), 80, 24)
	}
	m.Update(errMsg{op: "x", err: errors.New("line one\nline two")})
	if strings.Contains(m.status, "\n") {
		t.Errorf("status keeps a newline: %q", m.status)
	}
}

func TestHalfBlocks(t *testing.T) {
	f := &api.PreviewFrame{Width: 2, Height: 2, RGB: []byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255}}
	got := drawHalfBlocks(f, ColorTrue)
	want := "\x1b[38;2;255;0;0;48;2;0;0;255m▀\x1b[38;2;0;255;0;48;2;255;255;255m▀\x1b[0m"
	if got != want {
		t.Errorf("true colour:\n got %q\nwant %q", got, want)
	}
	if got := drawHalfBlocks(f, Color256); got != "\x1b[38;5;196;48;5;21m▀\x1b[38;5;46;48;5;231m▀\x1b[0m" {
		t.Errorf("256 colours: %q", got)
	}
	if got := drawHalfBlocks(f, ColorNone); got != ".%" {
		t.Errorf("ascii: %q", got)
	}
	odd := &api.PreviewFrame{Width: 1, Height: 3, RGB: make([]byte, 9)}
	if got := drawHalfBlocks(odd, ColorNone); got != " \n " {
		t.Errorf("odd height: %q", got)
	}
	for _, c := range []struct{ w, h, cw, ch int }{{80, 20, 22, 40}, {20, 40, 20, 34}} {
		w, h := pixelSize(c.w, c.h, 9.0/16)
		if w != c.cw || h != c.ch {
			t.Errorf("pixelSize(%d, %d) = %dx%d, want %dx%d", c.w, c.h, w, h, c.cw, c.ch)
		}
	}
}

func TestInboxLoadErrorShown(t *testing.T) {
	m, f := openDemo(t, 1)
	f.down = true
	press(t, m, "6")
	mustContain(t, m.View(), "could not load: the impress daemon is not running")
	f.down = false
	press(t, m, "ctrl+l")
	mustContain(t, m.View(), "no comments on your recent media")
}
