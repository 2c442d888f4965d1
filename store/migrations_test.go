package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migrationTests has one case per migration: build the shape before it,
// run it, check the shape after. TestEveryMigrationHasATest enforces this.
var migrationTests = []struct {
	version uint64
	before  func(tx *bolt.Tx) error
	check   func(t *testing.T, tx *bolt.Tx)
}{
	{
		version: 1,
		before:  func(tx *bolt.Tx) error { return nil },
		check: func(t *testing.T, tx *bolt.Tx) {
			for _, name := range topLevelBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %s missing", name)
				}
			}
			if tx.Bucket(bucketMeta).Get(keyCreatedAt) == nil {
				t.Error("created_at missing")
			}
		},
	},
	{
		version: 2,
		before: func(tx *bolt.Tx) error {
			return migrateCreateBuckets(tx, time.Now())
		},
		check: func(t *testing.T, tx *bolt.Tx) {
			var r accountRecord
			if err := getJSON(tx.Bucket(bucketAccount), keyProfile, &r); err != nil {
				t.Errorf("profile after migration 2: %v", err)
			}
		},
	},
	{
		version: 3,
		before: func(tx *bolt.Tx) error {
			if err := migrateCreateBuckets(tx, time.Now()); err != nil {
				return err
			}
			// A store of migration 2 may hold receipts: they stay.
			return tx.Bucket(bucketReceipts).Put([]byte("code"), []byte(`{}`))
		},
		check: func(t *testing.T, tx *bolt.Tx) {
			for _, name := range [][]byte{bucketRemoved, bucketSignedRequests} {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %s missing after migration 3", name)
				}
			}
			if tx.Bucket(bucketReceipts).Get([]byte("code")) == nil {
				t.Error("migration 3 lost a receipt")
			}
		},
	},
}

func TestEveryMigrationHasATest(t *testing.T) {
	if len(migrationTests) != len(migrations) {
		t.Fatalf("%d migrations but %d migration tests: add a case for each migration", len(migrations), len(migrationTests))
	}
	for i, m := range migrations {
		if m.version != uint64(i+1) {
			t.Errorf("migration %d has version %d; versions must be 1..n in order", i, m.version)
		}
	}
}

func TestMigrations(t *testing.T) {
	for i, tc := range migrationTests {
		m := migrations[i]
		t.Run(m.name, func(t *testing.T) {
			bdb, err := bolt.Open(filepath.Join(t.TempDir(), "m.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			if err := bdb.Update(tc.before); err != nil {
				t.Fatal(err)
			}
			if err := bdb.Update(func(tx *bolt.Tx) error { return m.fn(tx, time.Now()) }); err != nil {
				t.Fatalf("migration %d: %v", m.version, err)
			}
			bdb.View(func(tx *bolt.Tx) error { tc.check(t, tx); return nil })
		})
	}
}

func TestOpenRecordsSchemaVersionAndRefusesNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := db.Version()
	if v != SchemaVersion() {
		t.Errorf("Version() = %d, want %d", v, SchemaVersion())
	}
	db.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(SchemaVersion()+1)) })
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrTooNew) {
		t.Errorf("Open(newer) = %v, want ErrTooNew", err)
	}
}
