package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Webhook events. Every event gets the next value of the events bucket's
// sequence, so ids increase strictly and survive restarts and compaction
// (bolt.Compact copies sequences); `impress events list --since ID`
// resumes without gaps. The events bucket itself must never be deleted
// (its sequence would restart): purges delete entries, not the bucket.

// NewEvent is an event to append: the connection it belongs to, the key
// that identifies the delivery (Meta delivers duplicates: the same key is
// stored once), and the sealed body.
type NewEvent struct {
	Conn   string
	Dedupe string
	Data   []byte
}

// EventEntry is a stored event.
type EventEntry struct {
	Seq  uint64
	Conn string
	Blob
}

func dedupeHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// AppendEvents stores events in one transaction, which bbolt commits with
// an fsync before returning: a webhook may be acknowledged once this
// returns nil. Events whose dedupe key is already stored (or repeated in
// evs) are skipped; the stored ones are returned in order with their ids.
// An event for a connection that does not exist fails the whole call with
// ErrNoConnection.
func (d *DB) AppendEvents(evs []NewEvent) ([]EventEntry, error) {
	var out []EventEntry
	at := d.opts.Now().UTC()
	err := d.update(func(tx *bolt.Tx) error {
		out = out[:0]
		idx := tx.Bucket(bucketEvents)
		dd := tx.Bucket(bucketEventDedupe)
		for _, ev := range evs {
			if ev.Dedupe == "" {
				return errors.New("store: event without a dedupe key")
			}
			h := dedupeHash(ev.Dedupe)
			if dd.Get(h) != nil {
				continue
			}
			b, err := connSub(tx, ev.Conn, bucketConnEvents)
			if err != nil {
				return err
			}
			seq, err := idx.NextSequence()
			if err != nil {
				return err
			}
			blob := Blob{At: at, Data: ev.Data}
			if err := putBlob(b, itob(seq), blob); err != nil {
				return err
			}
			if err := idx.Put(itob(seq), []byte(ev.Conn)); err != nil {
				return err
			}
			if err := dd.Put(h, itob(seq)); err != nil {
				return err
			}
			out = append(out, EventEntry{Seq: seq, Conn: ev.Conn, Blob: blob})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Events returns up to limit events with ids greater than since, oldest
// first (limit <= 0: all).
func (d *DB) Events(since uint64, limit int) ([]EventEntry, error) {
	var out []EventEntry
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, conn := c.Seek(itob(since + 1)); k != nil; k, conn = c.Next() {
			seq := btoi(k)
			b := bucket(tx, bucketConns, conn, bucketConnEvents)
			if b == nil {
				continue
			}
			v := b.Get(k)
			if v == nil {
				continue
			}
			blob, err := readBlob(v)
			if err != nil {
				return fmt.Errorf("store: event %d: %w", seq, err)
			}
			out = append(out, EventEntry{Seq: seq, Conn: string(conn), Blob: blob})
			if limit > 0 && len(out) >= limit {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// Event returns one event.
func (d *DB) Event(seq uint64) (EventEntry, error) {
	if seq == 0 {
		return EventEntry{}, fmt.Errorf("%w: event 0", ErrNotFound)
	}
	evs, err := d.Events(seq-1, 1)
	if err != nil {
		return EventEntry{}, err
	}
	if len(evs) == 0 || evs[0].Seq != seq {
		return EventEntry{}, fmt.Errorf("%w: event %d", ErrNotFound, seq)
	}
	return evs[0], nil
}

// LastEventID is the highest event id ever assigned (0 before the first),
// whether or not that event is still stored.
func (d *DB) LastEventID() (uint64, error) {
	var seq uint64
	err := d.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	return seq, err
}

// PruneEvents deletes events stored before cutoff, with their index and
// dedupe entries (retention). The dedupe window is therefore the event
// retention, which must stay well above Meta's 36 h retry window.
func (d *DB) PruneEvents(cutoff time.Time) (int, error) {
	return inTx(d.update, func(tx *bolt.Tx) (int, error) { return pruneEventsTx(tx, cutoff) })
}

func pruneEventsTx(tx *bolt.Tx, cutoff time.Time) (int, error) {
	old := map[uint64]bool{}
	conns := tx.Bucket(bucketConns)
	err := conns.ForEachBucket(func(name []byte) error {
		b := conns.Bucket(name).Bucket(bucketConnEvents)
		if b == nil {
			return nil
		}
		_, err := deleteWhere(b, func(k, v []byte) bool {
			if !blobBefore(v, cutoff) {
				return false
			}
			old[btoi(k)] = true
			return true
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(old) == 0 {
		return 0, nil
	}
	return len(old), deleteEventIndexTx(tx, func(seq uint64, _ []byte) bool { return old[seq] })
}

// deleteEventIndexTx deletes the events/<seq> entries for which match is
// true and every event_dedupe entry pointing at one of them.
func deleteEventIndexTx(tx *bolt.Tx, match func(seq uint64, conn []byte) bool) error {
	gone := map[uint64]bool{}
	_, err := deleteWhere(tx.Bucket(bucketEvents), func(k, v []byte) bool {
		seq := btoi(k)
		if !match(seq, v) {
			return false
		}
		gone[seq] = true
		return true
	})
	if err != nil || len(gone) == 0 {
		return err
	}
	_, err = deleteWhere(tx.Bucket(bucketEventDedupe), func(_, v []byte) bool { return gone[btoi(v)] })
	return err
}
