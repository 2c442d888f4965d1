package store

import (
	"path/filepath"
	"testing"
	"time"
)

func seqs(es []EventEntry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func equalSeqs(a []uint64, b ...uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAppendEventsDedupesAndNumbers(t *testing.T) {
	db, _, _ := newClockDB(t)
	mustConn(t, db, "main", "1")
	if id, err := db.LastEventID(); err != nil || id != 0 {
		t.Fatalf("LastEventID on a fresh store = %d, %v", id, err)
	}
	got, err := db.AppendEvents([]NewEvent{
		{Conn: "main", Dedupe: "k1", Data: []byte("1")},
		{Conn: "main", Dedupe: "k2", Data: []byte("2")},
		{Conn: "main", Dedupe: "k1", Data: []byte("1 again in the same batch")},
	})
	if err != nil || !equalSeqs(seqs(got), 1, 2) {
		t.Fatalf("AppendEvents = %v, %v; want ids 1 2", seqs(got), err)
	}
	// Meta's retry of the same delivery, then a new one.
	got, err = db.AppendEvents([]NewEvent{
		{Conn: "main", Dedupe: "k2", Data: []byte("2")},
		{Conn: "main", Dedupe: "k3", Data: []byte("3")},
	})
	if err != nil || !equalSeqs(seqs(got), 3) {
		t.Fatalf("second AppendEvents = %v, %v; want only id 3", seqs(got), err)
	}
	if _, err := db.AppendEvents([]NewEvent{{Conn: "ghost", Dedupe: "k4"}}); !IsNotFound(err) {
		t.Errorf("event for a missing connection = %v, want ErrNotFound", err)
	}
	if _, err := db.AppendEvents([]NewEvent{{Conn: "main"}}); err == nil {
		t.Error("event without a dedupe key was accepted")
	}
	all, _ := db.Events(0, 0)
	if !equalSeqs(seqs(all), 1, 2, 3) || string(all[2].Data) != "3" || all[0].Conn != "main" {
		t.Errorf("Events(0) = %v", seqs(all))
	}
	if tail, _ := db.Events(1, 1); !equalSeqs(seqs(tail), 2) {
		t.Errorf("Events(1, limit 1) = %v", seqs(tail))
	}
	if e, err := db.Event(2); err != nil || string(e.Data) != "2" {
		t.Errorf("Event(2) = %+v, %v", e, err)
	}
	if _, err := db.Event(9); !IsNotFound(err) {
		t.Errorf("Event(9) = %v", err)
	}
	if _, err := db.Event(0); !IsNotFound(err) {
		t.Errorf("Event(0) = %v", err)
	}
}

func TestEventIDsSurviveReopenCompactAndPrune(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	mustConn(t, db, "main", "1")
	db.AppendEvents([]NewEvent{{Conn: "main", Dedupe: "a"}, {Conn: "main", Dedupe: "b"}})
	clk.t = clk.t.Add(40 * 24 * time.Hour)
	db.AppendEvents([]NewEvent{{Conn: "main", Dedupe: "c"}})
	n, err := db.PruneEvents(clk.t.Add(-30 * 24 * time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneEvents = %d, %v; want 2", n, err)
	}
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if id, _ := db.LastEventID(); id != 3 {
		t.Errorf("LastEventID after prune+compact+reopen = %d, want 3", id)
	}
	got, err := db.AppendEvents([]NewEvent{{Conn: "main", Dedupe: "d"}, {Conn: "main", Dedupe: "c"}})
	if err != nil || !equalSeqs(seqs(got), 4) {
		t.Errorf("append after reopen = %v, %v; want id 4 and c still a duplicate", seqs(got), err)
	}
	all, _ := db.Events(0, 0)
	if !equalSeqs(seqs(all), 3, 4) {
		t.Errorf("events = %v, want 3 4", seqs(all))
	}
}
