package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Blob is a value the store keeps for a connection without reading it:
// personal data (a comment, a DM thread summary, a webhook event) sealed by
// the daemon with the connection's data key. The store is a leaf and knows
// nothing of keys; At stays in clear so that retention sweeps and purges
// work without the key.
type Blob struct {
	At   time.Time `json:"at"`
	Data []byte    `json:"data"`
}

// CommentEntry is one cached comment (top-level or reply) of a connection.
type CommentEntry struct {
	MediaID   string
	CommentID string
	Blob
}

// ThreadEntry is one cached DM thread summary of a connection.
type ThreadEntry struct {
	ThreadID string
	Blob
}

// ErrNoConnection is returned when a connection's bucket does not exist:
// community data is only kept for connections that exist, so that a purge
// of the connection finds all of it.
var ErrNoConnection = fmt.Errorf("%w: no such connection", ErrNotFound)

// connSub returns conns/<conn>/<sub>, creating sub but never the connection.
func connSub(tx *bolt.Tx, conn string, sub []byte) (*bolt.Bucket, error) {
	if conn == "" {
		return nil, fmt.Errorf("store: empty connection name")
	}
	c := bucket(tx, bucketConns, []byte(conn))
	if c == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoConnection, conn)
	}
	return c.CreateBucketIfNotExists(sub)
}

func commentKey(mediaID, commentID string) []byte {
	return []byte(mediaID + "\x00" + commentID)
}

func splitCommentKey(k []byte) (mediaID, commentID string) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return "", string(k)
	}
	return string(k[:i]), string(k[i+1:])
}

func validID(kind, id string) error {
	if id == "" || bytes.IndexByte([]byte(id), 0) >= 0 {
		return fmt.Errorf("store: invalid %s id %q", kind, id)
	}
	return nil
}

func putBlob(b *bolt.Bucket, key []byte, blob Blob) error {
	return putJSON(b, key, blob)
}

func readBlob(v []byte) (Blob, error) {
	var b Blob
	err := json.Unmarshal(v, &b)
	return b, err
}

// blobBefore says whether a stored blob is older than cutoff; one that
// cannot be read counts as old, so that pruning clears it away.
func blobBefore(v []byte, cutoff time.Time) bool {
	blob, err := readBlob(v)
	return err != nil || blob.At.Before(cutoff)
}

// PutComments upserts cached comments of a connection in one transaction.
func (d *DB) PutComments(conn string, entries []CommentEntry) error {
	return d.update(func(tx *bolt.Tx) error {
		b, err := connSub(tx, conn, bucketConnComments)
		if err != nil {
			return err
		}
		return putComments(b, entries)
	})
}

func putComments(b *bolt.Bucket, entries []CommentEntry) error {
	for _, e := range entries {
		if err := validID("media", e.MediaID); err != nil {
			return err
		}
		if err := validID("comment", e.CommentID); err != nil {
			return err
		}
		if err := putBlob(b, commentKey(e.MediaID, e.CommentID), e.Blob); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceMediaComments makes entries the whole cached copy of one media's
// comments: cached comments of that media not in entries are deleted (they
// were deleted on Instagram). Use it only with a complete listing.
func (d *DB) ReplaceMediaComments(conn, mediaID string, entries []CommentEntry) error {
	if err := validID("media", mediaID); err != nil {
		return err
	}
	return d.update(func(tx *bolt.Tx) error {
		b, err := connSub(tx, conn, bucketConnComments)
		if err != nil {
			return err
		}
		prefix := []byte(mediaID + "\x00")
		var stale [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			stale = append(stale, append([]byte(nil), k...))
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, e := range entries {
			if e.MediaID != mediaID {
				return fmt.Errorf("store: comment %s belongs to media %s, not %s", e.CommentID, e.MediaID, mediaID)
			}
		}
		return putComments(b, entries)
	})
}

// MediaComments returns the cached comments of one media (any order).
func (d *DB) MediaComments(conn, mediaID string) ([]CommentEntry, error) {
	var out []CommentEntry
	err := d.view(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketConnComments)
		if b == nil {
			return nil
		}
		prefix := []byte(mediaID + "\x00")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			blob, err := readBlob(v)
			if err != nil {
				return fmt.Errorf("store: comment %q: %w", k, err)
			}
			_, id := splitCommentKey(k)
			out = append(out, CommentEntry{MediaID: mediaID, CommentID: id, Blob: blob})
		}
		return nil
	})
	return out, err
}

// ConnComments returns every cached comment of a connection (export).
func (d *DB) ConnComments(conn string) ([]CommentEntry, error) {
	return connBlobs(d, conn, bucketConnComments, func(k []byte) string { return fmt.Sprintf("comment %q", k) },
		func(k []byte, blob Blob) CommentEntry {
			m, id := splitCommentKey(k)
			return CommentEntry{MediaID: m, CommentID: id, Blob: blob}
		})
}

// connBlobs lists every blob of one of a connection's buckets, in key
// order, each made an entry; name says which blob an error is about.
func connBlobs[E any](d *DB, conn string, bucketName []byte, name func(k []byte) string, entry func(k []byte, blob Blob) E) ([]E, error) {
	var out []E
	err := d.view(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketName)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			blob, err := readBlob(v)
			if err != nil {
				return fmt.Errorf("store: %s: %w", name(k), err)
			}
			out = append(out, entry(k, blob))
			return nil
		})
	})
	return out, err
}

// FindComment returns the cached comment with this id, whatever its media.
// It scans the connection's comments: the cache holds a few thousand at
// most, and an index would be one more thing for a purge to forget.
func (d *DB) FindComment(conn, commentID string) (CommentEntry, error) {
	var out CommentEntry
	found := false
	suffix := []byte("\x00" + commentID)
	err := d.view(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketConnComments)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if found || !bytes.HasSuffix(k, suffix) {
				return nil
			}
			blob, err := readBlob(v)
			if err != nil {
				return err
			}
			m, id := splitCommentKey(k)
			out = CommentEntry{MediaID: m, CommentID: id, Blob: blob}
			found = true
			return nil
		})
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: comment %s is not cached", ErrNotFound, commentID)
	}
	return out, err
}

// DeleteCachedComment removes one cached comment (it was deleted on
// Instagram). A missing entry is not an error.
func (d *DB) DeleteCachedComment(conn, mediaID, commentID string) error {
	return d.update(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketConnComments)
		if b == nil {
			return nil
		}
		return b.Delete(commentKey(mediaID, commentID))
	})
}

// PutThread upserts a DM thread summary.
func (d *DB) PutThread(conn string, e ThreadEntry) error {
	if err := validID("thread", e.ThreadID); err != nil {
		return err
	}
	return d.update(func(tx *bolt.Tx) error {
		b, err := connSub(tx, conn, bucketConnThreads)
		if err != nil {
			return err
		}
		return putBlob(b, []byte(e.ThreadID), e.Blob)
	})
}

// Thread returns one thread summary.
func (d *DB) Thread(conn, threadID string) (ThreadEntry, error) {
	var out ThreadEntry
	err := d.view(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketConnThreads)
		if b == nil {
			return fmt.Errorf("%w: thread %s is not cached", ErrNotFound, threadID)
		}
		v := b.Get([]byte(threadID))
		if v == nil {
			return fmt.Errorf("%w: thread %s is not cached", ErrNotFound, threadID)
		}
		blob, err := readBlob(v)
		out = ThreadEntry{ThreadID: threadID, Blob: blob}
		return err
	})
	return out, err
}

// Threads returns every thread summary of a connection, by thread id.
func (d *DB) Threads(conn string) ([]ThreadEntry, error) {
	return connBlobs(d, conn, bucketConnThreads, func(k []byte) string { return fmt.Sprintf("thread %q", k) },
		func(k []byte, blob Blob) ThreadEntry { return ThreadEntry{ThreadID: string(k), Blob: blob} })
}

// DeleteThread removes a thread summary; a missing one is not an error.
func (d *DB) DeleteThread(conn, threadID string) error {
	return d.update(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), bucketConnThreads)
		if b == nil {
			return nil
		}
		return b.Delete([]byte(threadID))
	})
}

// PruneComments deletes cached comments of every connection written
// before cutoff (retention). It returns how many went; follow it with
// [DB.Compact] for the bytes to leave the file.
func (d *DB) PruneComments(cutoff time.Time) (int, error) {
	return d.pruneConnSub(bucketConnComments, cutoff)
}

// PruneThreads deletes DM thread summaries written before cutoff.
func (d *DB) PruneThreads(cutoff time.Time) (int, error) {
	return d.pruneConnSub(bucketConnThreads, cutoff)
}

func (d *DB) pruneConnSub(sub []byte, cutoff time.Time) (int, error) {
	n := 0
	err := d.update(func(tx *bolt.Tx) error {
		conns := tx.Bucket(bucketConns)
		if conns == nil {
			return nil
		}
		return conns.ForEachBucket(func(name []byte) error {
			b := conns.Bucket(name).Bucket(sub)
			if b == nil {
				return nil
			}
			gone, err := deleteWhere(b, func(_, v []byte) bool { return blobBefore(v, cutoff) })
			n += gone
			return err
		})
	})
	return n, err
}
