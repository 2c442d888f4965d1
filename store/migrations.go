package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migration is one schema step. migrations MUST be ordered by version, and
// each MUST have a case in migrations_test.go (a test enforces the count).
type migration struct {
	version uint64
	name    string
	fn      func(tx *bolt.Tx, now time.Time) error
}

var migrations = []migration{
	{version: 1, name: "create top-level buckets", fn: migrateCreateBuckets},
	{version: 2, name: "record account profile defaults", fn: migrateAccountDefaults},
	{version: 3, name: "create removed and signed_requests buckets", fn: migrateCallbackBuckets},
}

// SchemaVersion is the version a freshly opened store ends at.
func SchemaVersion() uint64 { return migrations[len(migrations)-1].version }

func migrateCreateBuckets(tx *bolt.Tx, now time.Time) error {
	for _, name := range topLevelBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keyCreatedAt, []byte(now.UTC().Format(time.RFC3339)))
}

// migrateAccountDefaults writes an empty profile so that readers never have
// to special-case a store created before the profile existed.
func migrateAccountDefaults(tx *bolt.Tx, now time.Time) error {
	b := tx.Bucket(bucketAccount)
	if b.Get(keyProfile) != nil {
		return nil
	}
	return putJSON(b, keyProfile, accountRecord{})
}

// migrateCallbackBuckets adds the buckets of callbacks.go: why a
// connection was removed, and the signed callbacks already answered.
func migrateCallbackBuckets(tx *bolt.Tx, now time.Time) error {
	for _, name := range [][]byte{bucketRemoved, bucketSignedRequests} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

var errNothingToDo = errors.New("nothing to migrate")

// migrate applies pending migrations in one transaction: either all of them
// land or none does.
func (d *DB) migrate() error {
	err := d.update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		current := btoi(meta.Get(keySchemaVersion))
		if current > SchemaVersion() {
			return fmt.Errorf("%w: schema %d, this impress knows %d; upgrade impress", ErrTooNew, current, SchemaVersion())
		}
		if current == SchemaVersion() {
			return errNothingToDo
		}
		for _, m := range migrations {
			if m.version <= current {
				continue
			}
			if err := m.fn(tx, d.opts.Now()); err != nil {
				return fmt.Errorf("store: migrate to %d (%s): %w", m.version, m.name, err)
			}
			if err := meta.Put(keySchemaVersion, itob(m.version)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	return err
}

// Version returns the schema version recorded in the file.
func (d *DB) Version() (uint64, error) {
	var v uint64
	err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		v = btoi(b.Get(keySchemaVersion))
		return nil
	})
	return v, err
}
