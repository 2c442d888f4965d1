package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrLocked is returned by [Open] when another process holds the file lock.
var ErrLocked = errors.New("store: another impress daemon is running (the store is locked)")

// ErrCorrupt is returned by [Open] when the file fails bbolt's consistency
// check. The file is left untouched for `impress doctor` to explain.
var ErrCorrupt = errors.New("store: the database file failed its consistency check")

// ErrTooNew is returned when the file was written by a newer impress.
var ErrTooNew = errors.New("store: the database was written by a newer impress")

// IsNotFound reports whether err is (or wraps) ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for the file lock (default 1 s).
	LockTimeout time.Duration
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
}

// DB is the store. It is safe for concurrent use.
type DB struct {
	path string
	opts Options

	// mu guards db: every transaction holds it for reading, Compact holds
	// it for writing while it swaps the file.
	mu sync.RWMutex
	db *bolt.DB
}

// Open opens (creating if needed) the store at path, checks it and applies
// pending migrations. A corrupt file yields an error wrapping ErrCorrupt and
// never a panic: bbolt reports some corruption by panicking, so the check
// runs under recover.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", dir, err)
	}
	bdb, err := openBolt(path, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	// Stale temp files of an interrupted compaction may hold deleted data;
	// we hold the lock now, so nobody else is compacting.
	removeStaleTemps(path)
	d := &DB{path: path, opts: opts, db: bdb}
	if err := d.check(); err != nil {
		bdb.Close()
		return nil, err
	}
	if err := d.migrate(); err != nil {
		bdb.Close()
		return nil, err
	}
	return d, nil
}

func openBolt(path string, timeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %s: open panicked: %v", ErrCorrupt, path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, ErrLocked
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	default:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
}

func (d *DB) check() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: check panicked: %v", ErrCorrupt, d.path, r)
		}
	}()
	return d.db.View(func(tx *bolt.Tx) error {
		var problems []string
		for e := range tx.Check() {
			problems = append(problems, e.Error())
			if len(problems) >= 5 {
				break
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %s: %s", ErrCorrupt, d.path, strings.Join(problems, "; "))
		}
		return nil
	})
}

func removeStaleTemps(path string) {
	matches, _ := filepath.Glob(path + ".tmp.*")
	for _, m := range matches {
		os.Remove(m)
	}
}

// Path is the file the store lives in.
func (d *DB) Path() string { return d.path }

// Close closes the store.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db == nil {
		return nil
	}
	err := d.db.Close()
	d.db = nil
	return err
}

// errClosed is what a call on a closed store returns.
var errClosed = errors.New("store: closed")

// open runs fn on the database, holding it open (Compact and Close wait),
// or fails when it is closed.
func (d *DB) open(fn func(*bolt.DB) error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return errClosed
	}
	return fn(d.db)
}

func (d *DB) view(fn func(*bolt.Tx) error) error {
	return d.open(func(db *bolt.DB) error { return db.View(fn) })
}

func (d *DB) update(fn func(*bolt.Tx) error) error {
	return d.open(func(db *bolt.DB) error { return db.Update(fn) })
}

// Walk calls fn with every key and value of the store, depth first, in
// one read transaction: path is the names of the buckets above, and v is
// nil where k names a nested bucket. fn gets slices that die with the
// transaction and must not write. A purge's scan reads the records this
// way, as records, besides reading the file's bytes.
func (d *DB) Walk(fn func(path [][]byte, k, v []byte) error) error {
	var walk func(path [][]byte, b *bolt.Bucket) error
	walk = func(path [][]byte, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if err := fn(path, k, v); err != nil {
				return err
			}
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return walk(append(path[:len(path):len(path)], k), sub)
				}
			}
			return nil
		})
	}
	return d.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if err := fn(nil, name, nil); err != nil {
				return err
			}
			return walk([][]byte{name}, b)
		})
	})
}

// Size is the file's size in bytes.
func (d *DB) Size() (int64, error) {
	fi, err := os.Stat(d.path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Compact rewrites the store into a new file in the same directory, syncs
// it, renames it over the old one and syncs the directory. Deleted records
// survive in bbolt's free pages until this runs (docs/SECURITY.md §4), so
// every purge and retention sweep ends with it. The store is unavailable
// (callers block) for the duration; the file lock is re-taken on the new
// file before anyone can use it.
func (d *DB) Compact() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db == nil {
		return errClosed
	}
	dir := filepath.Dir(d.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(d.path)+".tmp.*")
	if err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	fail := func(err error) error {
		os.Remove(tmpPath)
		return fmt.Errorf("store: compact: %w", err)
	}
	dst, err := bolt.Open(tmpPath, 0o600, &bolt.Options{Timeout: d.opts.LockTimeout})
	if err != nil {
		return fail(err)
	}
	// txMaxSize 0: one transaction, so the new file holds no stale copies
	// of live data in its own free pages either.
	if err := bolt.Compact(dst, d.db, 0); err != nil {
		dst.Close()
		return fail(err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		return fail(err)
	}
	if err := d.db.Close(); err != nil {
		return fail(err)
	}
	d.db = nil
	if err := os.Rename(tmpPath, d.path); err != nil {
		os.Remove(tmpPath)
		// Reopen the untouched original so the daemon keeps working.
		if db, oerr := bolt.Open(d.path, 0o600, &bolt.Options{Timeout: d.opts.LockTimeout}); oerr == nil {
			d.db = db
		}
		return fmt.Errorf("store: compact: rename: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("store: compact: sync dir: %w", err)
	}
	db, err := bolt.Open(d.path, 0o600, &bolt.Options{Timeout: d.opts.LockTimeout})
	if err != nil {
		return fmt.Errorf("store: compact: reopen: %w", err)
	}
	d.db = db
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// itob encodes an id as 8 big-endian bytes so keys sort by id.
func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// bucket walks a path of nested buckets; nil if any is missing.
func bucket(tx *bolt.Tx, path ...[]byte) *bolt.Bucket {
	b := tx.Bucket(path[0])
	for _, p := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(p)
	}
	return b
}

// createBucket walks and creates a path of nested buckets.
func createBucket(tx *bolt.Tx, path ...[]byte) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(path[0])
	if err != nil {
		return nil, err
	}
	for _, p := range path[1:] {
		if b, err = b.CreateBucketIfNotExists(p); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	if b == nil {
		return ErrNotFound
	}
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

// inTx runs get in a transaction of run (d.view or d.update) and returns
// what it got.
func inTx[T any](run func(func(*bolt.Tx) error) error, get func(*bolt.Tx) (T, error)) (T, error) {
	var v T
	err := run(func(tx *bolt.Tx) (err error) {
		v, err = get(tx)
		return err
	})
	return v, err
}

// listJSON returns the records of a top-level bucket that keep picks (nil:
// all), in key order (see eachJSON).
func listJSON[R any](d *DB, bucketName []byte, keep func(k []byte) bool) ([]R, error) {
	var out []R
	err := d.view(func(tx *bolt.Tx) error {
		return eachJSON(tx.Bucket(bucketName), keep, func(_ []byte, r R) error {
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// eachJSON hands fn every value of b decoded into an R, in key order,
// with its key; a value that does not decode stops the walk with its
// error. It is the one walk of the listings. keep (nil: every key) picks
// the keys before their values are decoded: a bucket may hold values of
// another form beside its records.
func eachJSON[R any](b *bolt.Bucket, keep func(k []byte) bool, fn func(k []byte, r R) error) error {
	return b.ForEach(func(k, v []byte) error {
		if keep != nil && !keep(k) {
			return nil
		}
		var r R
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		return fn(k, r)
	})
}

// getCopy returns a copy of the value of key (ErrNotFound: none): bbolt's
// slice is valid only inside the transaction.
func getCopy(b *bolt.Bucket, key []byte) ([]byte, error) {
	v := b.Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
