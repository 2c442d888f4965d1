package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
	bolt "go.etcd.io/bbolt"
)

func newTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "impress.db"), Options{LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAccountCRUDAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Account()
	if err != nil || a.Email != "" {
		t.Fatalf("fresh Account() = %+v, %v; want empty", a, err)
	}
	if _, err := db.UpdateAccount(func(a *Account) { a.Email = "me@example.com"; a.Company = "ACME" }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err = db.Account()
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "me@example.com" || a.Company != "ACME" || a.UpdatedAt.IsZero() {
		t.Errorf("after reopen Account() = %+v", a)
	}
	if err := db.DeleteAccount(); err != nil {
		t.Fatal(err)
	}
	if a, _ := db.Account(); a.Email != "" {
		t.Errorf("after delete Account() = %+v", a)
	}
}

func TestSecondOpenTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
}

func TestCorruptFileIsReportedNotPanicked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			testkit.WriteFile(t, path, bytes.Repeat([]byte("not a bolt file "), 4096))
		}},
		{"zeroed pages", func(t *testing.T, path string) {
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.UpdateAccount(func(a *Account) { a.Email = "x@example.com" })
			db.Close()
			data := testkit.ReadFile(t, path)
			// Wipe both meta pages' magic: bbolt must refuse, not panic.
			for i := 0; i < 2*4096 && i < len(data); i++ {
				data[i] = 0xff
			}
			testkit.WriteFile(t, path, data)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "impress.db")
			tc.write(t, path)
			before := testkit.ReadFile(t, path)
			_, err := Open(path, Options{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open(corrupt) = %v, want ErrCorrupt", err)
			}
			after := testkit.ReadFile(t, path)
			if !bytes.Equal(before, after) {
				t.Error("Open modified a corrupt file; it must leave it for recovery")
			}
		})
	}
}

func TestCompactRemovesDeletedBytes(t *testing.T) {
	db := newTestDB(t)
	secret := "planted-secret-comment-7f3a"
	for i := 0; i < 200; i++ {
		if _, err := db.CreateJob(Job{Kind: "publish", State: "done", Title: secret}, false); err != nil {
			t.Fatal(err)
		}
	}
	// Delete them the way a purge would, then check the bytes are still in
	// the file (the reason Compact exists) and gone after it.
	if err := db.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketJobs); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucketJobs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	data := testkit.ReadFile(t, db.Path())
	if !bytes.Contains(data, []byte(secret)) {
		t.Skip("bbolt reused the freed pages; remnant precondition not met")
	}
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	data = testkit.ReadFile(t, db.Path())
	if bytes.Contains(data, []byte(secret)) {
		t.Fatal("deleted bytes survived Compact")
	}
	// The store still works after the swap.
	if _, err := db.UpdateAccount(func(a *Account) { a.Email = "after@example.com" }); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(db.Path() + ".tmp.*")
	if len(matches) != 0 {
		t.Errorf("temp files left: %v", matches)
	}
}

func TestJobsIdempotency(t *testing.T) {
	db := newTestDB(t)
	j, err := db.CreateJob(Job{Kind: "publish", State: "queued", Key: "k1", Conn: "main"}, false)
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.CreateJob(Job{Kind: "publish", State: "queued", Key: "k1"}, false)
	if !errors.Is(err, ErrKeyExists) || again.ID != j.ID {
		t.Fatalf("reuse = %+v, %v; want job %d and ErrKeyExists", again, err, j.ID)
	}
	forced, err := db.CreateJob(Job{Kind: "publish", State: "queued", Key: "k1"}, true)
	if err != nil || forced.ID == j.ID {
		t.Fatalf("force = %+v, %v; want a new job", forced, err)
	}
	byKey, err := db.JobByKey("k1")
	if err != nil || byKey.ID != forced.ID {
		t.Fatalf("JobByKey = %+v, %v; want %d", byKey, err, forced.ID)
	}
	upd, err := db.UpdateJob(j.ID, func(j *Job) error { j.State = "done"; return nil })
	if err != nil || upd.State != "done" {
		t.Fatalf("UpdateJob = %+v, %v", upd, err)
	}
	list, _ := db.Jobs("publish")
	if len(list) != 2 || list[0].ID != forced.ID {
		t.Fatalf("Jobs newest first = %+v", list)
	}
	if _, err := db.Job(999); !IsNotFound(err) {
		t.Errorf("Job(999) = %v, want not found", err)
	}
}

func TestStaleCompactionTempsRemovedOnOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "impress.db")
	stale := path + ".tmp.12345"
	testkit.WriteFile(t, stale, "old deleted data")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp %s still there: %v", stale, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp.") {
			t.Errorf("unexpected %s", e.Name())
		}
	}
}

// TestWalk: every bucket, key and value, with the bucket path.
func TestWalk(t *testing.T) {
	db := newTestDB(t)
	if _, err := db.PutConn(Conn{Name: "main", Flavour: "instagram", IGUserID: "17841"}, []byte("k")); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	err := db.Walk(func(path [][]byte, k, v []byte) error {
		p := ""
		for _, e := range path {
			p += string(e) + "/"
		}
		if v == nil {
			seen[p+string(k)+"/"] = "bucket"
		} else {
			seen[p+string(k)] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"conns/", "conns/main/", "keys/", "receipts/"} {
		if seen[want] != "bucket" {
			t.Errorf("bucket %s not walked (%d entries seen)", want, len(seen))
		}
	}
	if seen["keys/main"] != "k" || !strings.Contains(seen["conns/main/info"], `"ig_user_id":"17841"`) || seen["conn_by_account/17841"] != "main" {
		t.Errorf("values: %q %q %q", seen["keys/main"], seen["conns/main/info"], seen["conn_by_account/17841"])
	}
}
