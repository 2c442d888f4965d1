package store

import (
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func mustConn(t *testing.T, db *DB, name, ig string) {
	t.Helper()
	if _, err := db.PutConn(testConn(name, ig), nil); err != nil {
		t.Fatal(err)
	}
}

func commentIDs(es []CommentEntry) []string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.MediaID+"/"+e.CommentID)
	}
	sort.Strings(ids)
	return ids
}

func blob(s string, at time.Time) Blob { return Blob{At: at, Data: []byte(s)} }

func TestCommentsCache(t *testing.T) {
	db, clk, _ := newClockDB(t)
	now := clk.now()
	if err := db.PutComments("main", []CommentEntry{{MediaID: "m1", CommentID: "c1", Blob: blob("x", now)}}); !IsNotFound(err) {
		t.Fatalf("PutComments on a missing connection = %v, want ErrNotFound (no half connections)", err)
	}
	mustConn(t, db, "main", "1")
	mustConn(t, db, "other", "2")
	put := []CommentEntry{
		{MediaID: "m1", CommentID: "c1", Blob: blob("one", now)},
		{MediaID: "m1", CommentID: "c2", Blob: blob("two", now)},
		{MediaID: "m10", CommentID: "c3", Blob: blob("three", now)}, // prefix m1 must not match m10
	}
	if err := db.PutComments("main", put); err != nil {
		t.Fatal(err)
	}
	if err := db.PutComments("other", []CommentEntry{{MediaID: "m1", CommentID: "c9", Blob: blob("nine", now)}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.MediaComments("main", "m1")
	if err != nil {
		t.Fatal(err)
	}
	if ids := commentIDs(got); len(ids) != 2 || ids[0] != "m1/c1" || ids[1] != "m1/c2" {
		t.Fatalf("MediaComments(main, m1) = %v", ids)
	}
	if string(got[0].Data) != "one" || !got[0].At.Equal(now) {
		t.Errorf("entry = %+v", got[0])
	}
	e, err := db.FindComment("main", "c3")
	if err != nil || e.MediaID != "m10" || string(e.Data) != "three" {
		t.Errorf("FindComment(c3) = %+v, %v", e, err)
	}
	if _, err := db.FindComment("main", "c9"); !IsNotFound(err) {
		t.Errorf("FindComment of another connection's comment = %v, want not found", err)
	}
	// A complete listing replaces the media's copy: c1 was deleted on Instagram.
	if err := db.ReplaceMediaComments("main", "m1", []CommentEntry{
		{MediaID: "m1", CommentID: "c2", Blob: blob("two'", now)},
		{MediaID: "m1", CommentID: "c4", Blob: blob("four", now)},
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.MediaComments("main", "m1")
	if ids := commentIDs(got); len(ids) != 2 || ids[0] != "m1/c2" || ids[1] != "m1/c4" {
		t.Fatalf("after replace = %v", ids)
	}
	if got, _ := db.MediaComments("main", "m10"); len(got) != 1 {
		t.Errorf("replace of m1 touched m10: %v", commentIDs(got))
	}
	if err := db.ReplaceMediaComments("main", "m1", []CommentEntry{{MediaID: "m2", CommentID: "c5"}}); err == nil {
		t.Error("ReplaceMediaComments accepted a comment of another media")
	}
	if err := db.DeleteCachedComment("main", "m1", "c2"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCachedComment("main", "m1", "nope"); err != nil {
		t.Errorf("deleting a missing comment = %v, want nil", err)
	}
	all, _ := db.ConnComments("main")
	if ids := commentIDs(all); len(ids) != 2 || ids[0] != "m1/c4" || ids[1] != "m10/c3" {
		t.Errorf("ConnComments = %v", ids)
	}
	if err := db.PutComments("main", []CommentEntry{{MediaID: "a\x00b", CommentID: "c"}}); err == nil {
		t.Error("a NUL in a media id was accepted (it would corrupt the key)")
	}
}

func TestThreadsCache(t *testing.T) {
	db, clk, _ := newClockDB(t)
	mustConn(t, db, "main", "1")
	now := clk.now()
	if err := db.PutThread("main", ThreadEntry{ThreadID: "t1", Blob: blob("a", now)}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutThread("main", ThreadEntry{ThreadID: "t2", Blob: blob("b", now)}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutThread("main", ThreadEntry{ThreadID: "t1", Blob: blob("a2", now)}); err != nil {
		t.Fatal(err)
	}
	ts, err := db.Threads("main")
	if err != nil || len(ts) != 2 || ts[0].ThreadID != "t1" || string(ts[0].Data) != "a2" {
		t.Fatalf("Threads = %+v, %v", ts, err)
	}
	if _, err := db.Thread("main", "t3"); !IsNotFound(err) {
		t.Errorf("Thread(t3) = %v, want not found", err)
	}
	if _, err := db.Thread("nobody", "t1"); !IsNotFound(err) {
		t.Errorf("Thread of a missing connection = %v, want not found", err)
	}
	if err := db.DeleteThread("main", "t2"); err != nil {
		t.Fatal(err)
	}
	if ts, _ := db.Threads("main"); len(ts) != 1 {
		t.Errorf("after delete: %d threads", len(ts))
	}
}

func TestPruneCommunityByAge(t *testing.T) {
	db, clk, _ := newClockDB(t)
	mustConn(t, db, "main", "1")
	old := clk.now()
	recent := old.Add(48 * time.Hour)
	db.PutComments("main", []CommentEntry{
		{MediaID: "m", CommentID: "old", Blob: blob("o", old)},
		{MediaID: "m", CommentID: "new", Blob: blob("n", recent)},
	})
	db.PutThread("main", ThreadEntry{ThreadID: "old", Blob: blob("o", old)})
	db.PutThread("main", ThreadEntry{ThreadID: "new", Blob: blob("n", recent)})
	cutoff := old.Add(time.Hour)
	if n, err := db.PruneComments(cutoff); err != nil || n != 1 {
		t.Errorf("PruneComments = %d, %v; want 1", n, err)
	}
	if n, err := db.PruneThreads(cutoff); err != nil || n != 1 {
		t.Errorf("PruneThreads = %d, %v; want 1", n, err)
	}
	cs, _ := db.MediaComments("main", "m")
	ts, _ := db.Threads("main")
	if len(cs) != 1 || cs[0].CommentID != "new" || len(ts) != 1 || ts[0].ThreadID != "new" {
		t.Errorf("left: comments %v, threads %+v", commentIDs(cs), ts)
	}
}

func TestCommunityDataGoesWithTheConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustConn(t, db, "main", "1")
	mustConn(t, db, "other", "2")
	now := time.Now()
	db.PutComments("main", []CommentEntry{{MediaID: "m", CommentID: "c", Blob: blob("secret comment", now)}})
	db.PutThread("main", ThreadEntry{ThreadID: "t", Blob: blob("secret thread", now)})
	evs, err := db.AppendEvents([]NewEvent{
		{Conn: "main", Dedupe: "a", Data: []byte("secret event")},
		{Conn: "other", Dedupe: "b", Data: []byte("kept")},
	})
	if err != nil || len(evs) != 2 {
		t.Fatalf("AppendEvents = %v, %v", evs, err)
	}
	st, err := db.DeleteConnection("main")
	if err != nil {
		t.Fatal(err)
	}
	if st.Comments != 1 || st.Threads != 1 || st.ConnEvents != 1 || st.Events != 1 || st.EventDedupe != 1 {
		t.Errorf("DeleteConnection stats = %+v", st)
	}
	left, _ := db.Events(0, 0)
	if len(left) != 1 || left[0].Conn != "other" {
		t.Errorf("events left = %+v", left)
	}
	// The dedupe entry went with the event: a redelivery to a reconnected
	// account is a new event, not silently dropped.
	mustConn(t, db, "main", "1")
	again, err := db.AppendEvents([]NewEvent{{Conn: "main", Dedupe: "a", Data: []byte("x")}})
	if err != nil || len(again) != 1 || again[0].Seq != 3 {
		t.Errorf("re-append after purge = %+v, %v; want id 3", again, err)
	}
}
