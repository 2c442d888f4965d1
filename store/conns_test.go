package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
	bolt "go.etcd.io/bbolt"
)

func testConn(name, ig string) Conn {
	return Conn{Name: name, Flavour: "instagram", IGUserID: ig, AppUserID: "app-" + ig,
		Scopes: []string{"instagram_business_basic"}, SealedToken: []byte("sealed-" + name),
		TokenExpiry: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
}

func TestConnCRUD(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Conn("main"); !IsNotFound(err) {
		t.Fatalf("missing conn: %v", err)
	}
	c, err := db.PutConn(testConn("main", "1784001"), []byte("sealed-key"))
	if err != nil {
		t.Fatal(err)
	}
	if c.State != ConnOK || c.CreatedAt.IsZero() || c.UpdatedAt.IsZero() {
		t.Errorf("put: %+v", c)
	}
	if _, err := db.PutConn(testConn("other", "1784002"), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Conn("main")
	if err != nil || got.IGUserID != "1784001" || !bytes.Equal(got.SealedToken, []byte("sealed-main")) || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	list, err := db.Conns()
	if err != nil || len(list) != 2 || list[0].Name != "main" || list[1].Name != "other" {
		t.Fatalf("Conns = %+v, %v", list, err)
	}
	for id, want := range map[string]string{"1784001": "main", "app-1784001": "main", "1784002": "other"} {
		if n, err := db.ConnByAccount(id); err != nil || n != want {
			t.Errorf("ConnByAccount(%s) = %q, %v; want %q", id, n, err, want)
		}
	}
	if k, err := db.ConnKey("main"); err != nil || string(k) != "sealed-key" {
		t.Errorf("ConnKey = %q, %v", k, err)
	}
	if _, err := db.ConnKey("other"); !IsNotFound(err) {
		t.Errorf("ConnKey(other) = %v, want not found", err)
	}

	// One account, one connection.
	if _, err := db.PutConn(testConn("third", "1784001"), nil); !errors.Is(err, ErrAccountInUse) {
		t.Errorf("duplicate account: %v", err)
	}
	if _, err := db.Conn("third"); !IsNotFound(err) {
		t.Error("failed PutConn left a record")
	}
	// Another key for an existing connection is refused.
	if _, err := db.PutConn(testConn("main", "1784001"), []byte("other-key")); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("key mismatch: %v", err)
	}
	// Atomic update, index follows changed ids.
	u, err := db.UpdateConn("main", func(c *Conn) error {
		c.IGUserID = "1784009"
		c.State = ConnLoginNeeded
		c.StateReason = "190"
		return nil
	})
	if err != nil || u.State != ConnLoginNeeded || !u.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("UpdateConn = %+v, %v", u, err)
	}
	if _, err := db.ConnByAccount("1784001"); !IsNotFound(err) {
		t.Error("stale index entry kept after id change")
	}
	if n, _ := db.ConnByAccount("1784009"); n != "main" {
		t.Error("new id not indexed")
	}
	abort := errors.New("abort")
	if _, err := db.UpdateConn("main", func(c *Conn) error { c.State = ConnOK; return abort }); !errors.Is(err, abort) {
		t.Errorf("aborted update: %v", err)
	}
	if got, _ := db.Conn("main"); got.State != ConnLoginNeeded {
		t.Error("aborted update was written")
	}
	if _, err := db.UpdateConn("nope", func(*Conn) error { return nil }); !IsNotFound(err) {
		t.Errorf("update missing: %v", err)
	}
}

func TestValidConnName(t *testing.T) {
	for _, ok := range []string{"default", "main", "a", "brand.2", "my_shop-eu"} {
		if err := ValidConnName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "a/b", "a b", "ü", string(make([]byte, 65)), "x\x00"} {
		if err := ValidConnName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestDeleteConnection plants data of two connections in every bucket that
// points into a connection and checks that exactly one connection's data is
// gone, then that compaction leaves none of its bytes in the file.
func TestDeleteConnection(t *testing.T) {
	db := newTestDB(t)
	const canary = "CANARY-alice-7f3e"
	for _, name := range []string{"alice", "bob"} {
		c := testConn(name, "ig-"+name)
		c.SealedProfile = []byte(canary + name)
		if _, err := db.PutConn(c, []byte("key-"+canary+name)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateJob(Job{Kind: "publish", State: "done", Conn: name, Key: "key-" + name, Title: canary + name}, false); err != nil {
			t.Fatal(err)
		}
	}
	// A job naming alice whose jobs_by_conn entry was lost.
	if _, err := db.CreateJob(Job{Kind: "publish", State: "done", Title: canary + "alice-orphan"}, false); err != nil {
		t.Fatal(err)
	}
	err := db.update(func(tx *bolt.Tx) error {
		j := tx.Bucket(bucketJobs)
		var rec Job
		getJSON(j, itob(3), &rec)
		rec.Conn = "alice"
		putJSON(j, itob(3), rec)
		for i, name := range []string{"alice", "bob", "alice"} {
			cb, _ := createBucket(tx, bucketConns, []byte(name), bucketConnComments)
			cb.Put([]byte{byte(i)}, []byte(canary+name))
			tb, _ := createBucket(tx, bucketConns, []byte(name), bucketConnThreads)
			tb.Put([]byte{byte(i)}, []byte(canary+name))
			eb, _ := createBucket(tx, bucketConns, []byte(name), bucketConnEvents)
			eb.Put([]byte{byte(i)}, []byte(canary+name))
			tx.Bucket(bucketEvents).Put(itob(uint64(i+1)), []byte(name))
			tx.Bucket(bucketEventDedupe).Put([]byte(canary+name+string(rune('a'+i))), itob(uint64(i+1)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	st, err := db.DeleteConnection("alice")
	if err != nil {
		t.Fatal(err)
	}
	want := DeleteStats{Info: true, Comments: 2, Threads: 2, ConnEvents: 2, AccountIndex: 2, Jobs: 2, JobsIndex: 1,
		IdempotencyKeys: 1, Events: 2, EventDedupe: 2, DataKey: true}
	if st != want {
		t.Errorf("stats = %+v\nwant    %+v", st, want)
	}
	if _, err := db.Conn("alice"); !IsNotFound(err) {
		t.Error("alice still there")
	}
	if _, err := db.ConnKey("alice"); !IsNotFound(err) {
		t.Error("alice's data key still there")
	}
	if _, err := db.ConnByAccount("ig-alice"); !IsNotFound(err) {
		t.Error("alice's index entry still there")
	}
	if _, err := db.JobByKey("key-alice"); !IsNotFound(err) {
		t.Error("alice's idempotency key still there")
	}
	// bob untouched.
	if c, err := db.Conn("bob"); err != nil || string(c.SealedProfile) != canary+"bob" {
		t.Errorf("bob: %+v, %v", c, err)
	}
	if _, err := db.JobByKey("key-bob"); err != nil {
		t.Errorf("bob's job: %v", err)
	}
	if n, _ := db.ConnByAccount("ig-bob"); n != "bob" {
		t.Error("bob's index entry lost")
	}
	// Idempotent: a resumed purge finds nothing.
	if _, err := db.DeleteConnection("alice"); !IsNotFound(err) {
		t.Errorf("second delete: %v, want not found", err)
	}
	// After compaction no byte of alice's data is left in the file.
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	raw := testkit.ReadFile(t, db.Path())
	if bytes.Contains(raw, []byte(canary+"alice")) {
		t.Error("alice's canary survives in the file after compaction")
	}
	if !bytes.Contains(raw, []byte(canary+"bob")) {
		t.Error("bob's canary missing: the scan proves nothing")
	}
}
