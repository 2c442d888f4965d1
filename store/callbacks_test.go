package store

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestRemovedConns: a removal record is kept until a connection of the
// same name is made again; records list newest first.
func TestRemovedConns(t *testing.T) {
	db := newTestDB(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := db.PutRemoved(RemovedConn{Name: "main", Reason: RemovedByMetaDeletion, Code: "c1", At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutRemoved(RemovedConn{Name: "brand", Reason: RemovedByPurge, Code: "c2", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutRemoved(RemovedConn{Name: "../x", Reason: RemovedByPurge}); err == nil {
		t.Error("a removal record with an invalid name was stored")
	}
	rs, err := db.Removed()
	if err != nil || len(rs) != 2 || rs[0].Name != "brand" || rs[1].Code != "c1" || rs[1].Reason != RemovedByMetaDeletion {
		t.Fatalf("Removed() = %+v, %v", rs, err)
	}
	if _, err := db.PutConn(Conn{Name: "main", Flavour: "instagram", IGUserID: "17841"}, nil); err != nil {
		t.Fatal(err)
	}
	if rs, _ := db.Removed(); len(rs) != 1 || rs[0].Name != "brand" {
		t.Errorf("after logging in as main again: %+v", rs)
	}
	// UpdateConn (a disconnect) keeps the record of another name.
	if _, err := db.UpdateConn("main", func(c *Conn) error { c.State = ConnDisconnected; return nil }); err != nil {
		t.Fatal(err)
	}
	if rs, _ := db.Removed(); len(rs) != 1 {
		t.Errorf("UpdateConn touched removal records: %+v", rs)
	}
}

// TestSeenRequests: an answer is found until its Until; remembering
// another drops the stale ones.
func TestSeenRequests(t *testing.T) {
	db := newTestDB(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := db.SeenRequest("k1", now); !IsNotFound(err) {
		t.Fatalf("unknown request: %v", err)
	}
	if err := db.RememberRequest("k1", SeenRequest{Code: "c1", SeenAt: now, Until: now.Add(time.Hour)}, now); err != nil {
		t.Fatal(err)
	}
	if r, err := db.SeenRequest("k1", now.Add(59*time.Minute)); err != nil || r.Code != "c1" {
		t.Errorf("within the window: %+v, %v", r, err)
	}
	if _, err := db.SeenRequest("k1", now.Add(61*time.Minute)); !IsNotFound(err) {
		t.Errorf("past the window: %v, want not found", err)
	}
	later := now.Add(2 * time.Hour)
	if err := db.RememberRequest("k2", SeenRequest{Code: "c2", SeenAt: later, Until: later.Add(time.Hour)}, later); err != nil {
		t.Fatal(err)
	}
	n := 0
	db.view(func(tx *bolt.Tx) error { n = tx.Bucket(bucketSignedRequests).Stats().KeyN; return nil })
	if n != 1 {
		t.Errorf("%d records after the stale one should have gone, want 1", n)
	}
	if n, err := db.PruneSeenRequests(later.Add(59 * time.Minute)); n != 0 || err != nil {
		t.Errorf("prune inside the window: %d, %v", n, err)
	}
	if n, err := db.PruneSeenRequests(later.Add(61 * time.Minute)); n != 1 || err != nil {
		t.Errorf("prune past the window: %d, %v", n, err)
	}
}
