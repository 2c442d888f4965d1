package privacy

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// sealedForms are the sealed values of a connection's comments, threads
// and events as the store file holds them (JSON base64), by kind.
func sealedForms(t *testing.T, e *privEnv, conn string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	cs, _ := e.s.DB.ConnComments(conn)
	for _, c := range cs {
		out["comment"] = []byte(base64.StdEncoding.EncodeToString(c.Data))
	}
	ts, _ := e.s.DB.Threads(conn)
	for _, th := range ts {
		out["thread"] = []byte(base64.StdEncoding.EncodeToString(th.Data))
	}
	evs, _ := e.s.DB.ConnEvents(conn)
	for _, ev := range evs {
		out["event"] = []byte(base64.StdEncoding.EncodeToString(ev.Data))
	}
	if len(out) != 3 {
		t.Fatalf("planted data missing: %v", out)
	}
	return out
}

// plantBulk adds n comments and n events to conn in one transaction
// each, so that their deleted pages outnumber what later commits reuse:
// without compaction their bytes would stay in the file.
func plantBulk(t *testing.T, e *privEnv, conn string, n int) (comments, events [][]byte) {
	t.Helper()
	dk, err := e.s.accounts.ConnKey(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	var cs []store.CommentEntry
	var evs []store.NewEvent
	for i := range n {
		id := fmt.Sprintf("17%015d", i)
		sc, _ := records.Seal(dk, records.FieldComment, records.Comment{ID: id, MediaID: "bulkmedia", Text: "bulk comment " + id})
		cs = append(cs, store.CommentEntry{MediaID: "bulkmedia", CommentID: id, Blob: store.Blob{At: now, Data: sc}})
		se, _ := records.Seal(dk, records.FieldEvent, records.Event{EventData: api.EventData{Type: api.EventComments, Text: "bulk event " + id}})
		evs = append(evs, store.NewEvent{Conn: conn, Dedupe: "bulk-" + id, Data: se})
		comments = append(comments, []byte(base64.StdEncoding.EncodeToString(sc)))
		events = append(events, []byte(base64.StdEncoding.EncodeToString(se)))
	}
	if err := e.s.DB.PutComments(conn, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.DB.AppendEvents(evs); err != nil {
		t.Fatal(err)
	}
	return comments, events
}

// countIn counts how many of bs the file holds.
func countIn(t *testing.T, path string, bs [][]byte) int {
	t.Helper()
	data := testkit.ReadFile(t, path)
	n := 0
	for _, b := range bs {
		if bytes.Contains(data, b) {
			n++
		}
	}
	return n
}

func inFile(t *testing.T, path string, b []byte) bool {
	t.Helper()
	data := testkit.ReadFile(t, path)
	return bytes.Contains(data, b)
}

func TestRetentionOnTheClock(t *testing.T) {
	e := newPrivEnv(t)
	p := e.plant(sandbox.TokenRequest{}, "main", "aurora")
	ctx := t.Context()
	forms := sealedForms(t, e, "main")
	bulkComments, bulkEvents := plantBulk(t, e, "main", 300)
	// A publish record whose connection no longer exists goes at the
	// first sweep ("publish records while the connection exists").
	if _, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobDone, Conn: "ghost", Key: "orphan-key"}, false); err != nil {
		t.Fatal(err)
	}
	db := e.paths.DBFile()
	logLine := jsonForm(p.logText)
	if !inFile(t, e.paths.LogFile(), logLine) {
		t.Fatal("the planted log line is not in the log")
	}

	sweep := func(days int) {
		t.Helper()
		e.clock.Advance(time.Duration(days) * 24 * time.Hour)
		if _, err := e.s.retentionSweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep(0)
	if _, err := e.s.DB.JobByKey("orphan-key"); !store.IsNotFound(err) {
		t.Errorf("orphan publish record kept: %v", err)
	}
	if _, err := e.s.DB.JobByKey("key-aurora"); err != nil {
		t.Errorf("publish record of a live connection deleted: %v", err)
	}

	sweep(13) // day 13: everything stays
	for kind, b := range forms {
		if !inFile(t, db, b) {
			t.Errorf("day 13: %s gone from the file", kind)
		}
	}
	if !inFile(t, e.paths.LogFile(), logLine) {
		t.Error("day 13: log line gone (logs are kept 14 days)")
	}

	sweep(2) // day 15: the log line is older than 14 days
	if inFile(t, e.paths.LogFile(), logLine) {
		t.Error("day 15: log line still in the log")
	}
	if !inFile(t, db, forms["event"]) {
		t.Error("day 15: event gone (events are kept 30 days)")
	}

	sweep(16) // day 31: events expire, comments and threads stay
	if inFile(t, db, forms["event"]) {
		t.Error("day 31: the expired event's bytes are still in the store file")
	}
	if evs, _ := e.s.DB.ConnEvents("main"); len(evs) != 0 {
		t.Errorf("day 31: events = %d", len(evs))
	}
	if n := countIn(t, db, bulkEvents); n != 0 {
		t.Errorf("day 31: %d of %d expired events still in the store file", n, len(bulkEvents))
	}
	if n := countIn(t, db, bulkComments); n != len(bulkComments) {
		t.Errorf("day 31: %d of %d comments left (kept 90 days)", n, len(bulkComments))
	}
	for _, k := range []string{"comment", "thread"} {
		if !inFile(t, db, forms[k]) {
			t.Errorf("day 31: %s gone (kept 90 days)", k)
		}
	}
	cl, err := e.c.Comments(ctx, api.CommentsQuery{Connection: "main", Media: "1800000aurora", Offline: true})
	if err != nil || len(cl.Comments) != 1 {
		t.Errorf("day 31: offline comments = %+v, %v", cl, err)
	}

	sweep(60) // day 91
	if n := countIn(t, db, bulkComments); n != 0 {
		t.Errorf("day 91: %d of %d expired comments still in the store file", n, len(bulkComments))
	}
	for _, k := range []string{"comment", "thread"} {
		if inFile(t, db, forms[k]) {
			t.Errorf("day 91: the expired %s's bytes are still in the store file", k)
		}
	}
	// Publish records stay while the connection exists, unless a
	// duration is set: then they go that long after they ended.
	if _, err := e.s.DB.JobByKey("key-aurora"); err != nil {
		t.Errorf("day 91: publish record deleted: %v", err)
	}
	pol, err := e.c.SetRetention(ctx, api.RetainPublish, "30d")
	if err != nil || pol.Value != "30d" || pol.IsDefault {
		t.Fatalf("set publish 30d: %+v, %v", pol, err)
	}
	if _, err := e.s.DB.JobByKey("key-aurora"); !store.IsNotFound(err) {
		t.Errorf("publish record 91 days old kept under a 30d policy: %v", err)
	}
	if inFile(t, db, []byte(p.caption)) {
		t.Error("the expired publish record's caption is still in the store file")
	}
	// The connection itself, and its token, are not subject to retention.
	e.assertConnOK("main")
}

func (e *privEnv) assertConnOK(name string) {
	e.t.Helper()
	st, err := e.c.AuthStatus(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range st.Connections {
		if c.Connection == name && c.State == api.ConnOK {
			return
		}
	}
	e.t.Errorf("connection %s not ok: %+v", name, st.Connections)
}

func TestRetentionSetAndShow(t *testing.T) {
	e := newPrivEnv(t)
	ctx := t.Context()
	pols, err := e.c.Retention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"events": "30d", "messages": "90d", "comments": "90d", "logs": "14d", "publish": "connection"}
	if len(pols) != len(want) {
		t.Fatalf("policies: %+v", pols)
	}
	for _, p := range pols {
		if want[p.Kind] != p.Value || !p.IsDefault || p.Description == "" {
			t.Errorf("default %s = %+v, want %s", p.Kind, p, want[p.Kind])
		}
	}
	for _, bad := range [][2]string{{"events", "1h"}, {"events", "connection"}, {"sometimes", "3d"}, {"logs", "soon"}, {"logs", "-3d"}} {
		if _, err := e.c.SetRetention(ctx, bad[0], bad[1]); daemontest.CodeOf(err) != api.CodeInvalid {
			t.Errorf("set %s %s: %v, want invalid_input", bad[0], bad[1], err)
		}
	}
	if p, err := e.c.SetRetention(ctx, "messages", "720h"); err != nil || p.Value != "30d" {
		t.Errorf("set messages 720h = %+v, %v", p, err)
	}
	if p, err := e.c.SetRetention(ctx, "logs", "36h"); err != nil || p.Value != "36h0m0s" {
		t.Errorf("set logs 36h = %+v, %v", p, err)
	}
	e.restart()
	pols, _ = e.c.Retention(ctx)
	for _, p := range pols {
		if p.Kind == "messages" && (p.Value != "30d" || p.IsDefault) {
			t.Errorf("after restart: %+v", p)
		}
	}
	if p, err := e.c.SetRetention(ctx, "messages", "default"); err != nil || p.Value != "90d" || !p.IsDefault {
		t.Errorf("back to default: %+v, %v", p, err)
	}
}

// TestSweeperRunsOnItsOwn: the hourly loop (here every few milliseconds)
// removes what the moved clock expired, without being asked.
func TestSweeperRunsOnItsOwn(t *testing.T) {
	e := newPrivEnv(t)
	e.plant(sandbox.TokenRequest{}, "main", "aurora")
	e.sweepEvery = 5 * time.Millisecond
	e.restart()
	if evs, _ := e.s.DB.ConnEvents("main"); len(evs) != 1 {
		t.Fatalf("events before: %d", len(evs))
	}
	e.clock.Advance(31 * 24 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := e.s.DB.ConnEvents("main")
		if err == nil && len(evs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not remove the expired event within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
