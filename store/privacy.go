package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Privacy records: purges in progress (purges/<code>), their receipts
// (receipts/<code>, and receipts/<code>.secret while a receipt's check is
// open) and retention overrides (retention/<kind>). The store
// keeps the daemon's state of a purge as opaque JSON (Detail): which step
// it reached and what it still has to do. Anything personal a purge must
// remember across a crash (the identifiers to scan for, the files to
// delete) is sealed by the daemon before it gets here, so the purge record
// never puts in clear what the purge is removing.

// PurgeRecord is a purge that has not finished. A restarted daemon resumes
// every record it finds before it serves anything else.
type PurgeRecord struct {
	Code      string          `json:"code"`
	Step      string          `json:"step"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// ReceiptRecord is a finished purge's receipt: JSON the daemon wrote, with
// no personal data in it (no names, ids or texts).
type ReceiptRecord struct {
	Code      string          `json:"code"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// A purge's secret (what it must remember but may not keep in clear: the
// daemon seals it) is stored beside the record, under <code>.secret, and
// written only when it changes: it can be megabytes (the identifiers of
// 100,000 events), and the record is rewritten at every step.
func purgeSecretKey(code string) []byte { return []byte(code + ".secret") }

// isPurgeKey tells records from secrets (codes have no dot).
func isPurgeKey(k []byte) bool { return !bytes.ContainsRune(k, '.') }

// CreatePurge stores a new purge record, with its sealed secret when not
// nil; a code already used (by a purge or a receipt) fails with ErrExists
// and writes nothing. bbolt commits with an fsync before this returns, so
// a deletion request acknowledged after it is never lost.
func (d *DB) CreatePurge(p PurgeRecord, secret []byte) (PurgeRecord, error) {
	if p.Code == "" {
		return p, fmt.Errorf("store: purge without a code")
	}
	now := d.opts.Now().UTC()
	p.CreatedAt, p.UpdatedAt = now, now
	err := d.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketPurges).Get([]byte(p.Code)) != nil || tx.Bucket(bucketReceipts).Get([]byte(p.Code)) != nil {
			return ErrExists
		}
		if secret != nil {
			if err := tx.Bucket(bucketPurges).Put(purgeSecretKey(p.Code), secret); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket(bucketPurges), []byte(p.Code), p)
	})
	if err != nil {
		return p, fmt.Errorf("store: create purge: %w", err)
	}
	return p, nil
}

// UpdatePurge applies fn to a purge record in one write transaction, and
// replaces its secret in the same transaction when secret is not nil.
func (d *DB) UpdatePurge(code string, secret []byte, fn func(*PurgeRecord) error) (PurgeRecord, error) {
	var out PurgeRecord
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPurges)
		var p PurgeRecord
		if err := getJSON(b, []byte(code), &p); err != nil {
			return err
		}
		if secret != nil {
			if err := b.Put(purgeSecretKey(code), secret); err != nil {
				return err
			}
		}
		if err := fn(&p); err != nil {
			return err
		}
		p.Code = code
		p.UpdatedAt = d.opts.Now().UTC()
		out = p
		return putJSON(b, []byte(code), p)
	})
	if err != nil {
		return out, fmt.Errorf("store: update purge: %w", err)
	}
	return out, nil
}

// Purge returns one unfinished purge.
func (d *DB) Purge(code string) (PurgeRecord, error) {
	var p PurgeRecord
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketPurges), []byte(code), &p) })
	return p, err
}

// PurgeSecret returns a purge's sealed secret (ErrNotFound: none).
func (d *DB) PurgeSecret(code string) ([]byte, error) {
	return inTx(d.view, func(tx *bolt.Tx) ([]byte, error) { return getCopy(tx.Bucket(bucketPurges), purgeSecretKey(code)) })
}

// Purges lists the unfinished purges, oldest first.
func (d *DB) Purges() ([]PurgeRecord, error) {
	out, err := listJSON[PurgeRecord](d, bucketPurges, isPurgeKey)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// FinishPurge replaces a purge record (and its secret) by its receipt in
// one transaction, so that a purge is either in progress or done, never
// both or neither. keep, when not nil, is stored beside the receipt
// (receipts/<code>.secret): what a re-scan needs while the receipt's
// check is open, sealed by the daemon.
func (d *DB) FinishPurge(code string, data json.RawMessage, keep []byte) (ReceiptRecord, error) {
	r := ReceiptRecord{Code: code, CreatedAt: d.opts.Now().UTC(), Data: data}
	err := d.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketPurges).Delete([]byte(code)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPurges).Delete(purgeSecretKey(code)); err != nil {
			return err
		}
		if keep != nil {
			if err := tx.Bucket(bucketReceipts).Put(purgeSecretKey(code), keep); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket(bucketReceipts), []byte(code), r)
	})
	if err != nil {
		return r, fmt.Errorf("store: finish purge: %w", err)
	}
	return r, nil
}

// UpdateReceipt replaces a receipt's data (a re-scan, an acknowledgement)
// and, with dropSecret, deletes what was kept for re-scans, in one
// transaction.
func (d *DB) UpdateReceipt(code string, data json.RawMessage, dropSecret bool) (ReceiptRecord, error) {
	var r ReceiptRecord
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReceipts)
		if err := getJSON(b, []byte(code), &r); err != nil {
			return err
		}
		r.Data = data
		if dropSecret {
			if err := b.Delete(purgeSecretKey(code)); err != nil {
				return err
			}
		}
		return putJSON(b, []byte(code), r)
	})
	if err != nil {
		return r, fmt.Errorf("store: update receipt %s: %w", code, err)
	}
	return r, nil
}

// ReceiptSecret returns what FinishPurge kept for a receipt's re-scans
// (ErrNotFound: nothing, or no longer).
func (d *DB) ReceiptSecret(code string) ([]byte, error) {
	return inTx(d.view, func(tx *bolt.Tx) ([]byte, error) { return getCopy(tx.Bucket(bucketReceipts), purgeSecretKey(code)) })
}

// Receipt returns one receipt.
func (d *DB) Receipt(code string) (ReceiptRecord, error) {
	var r ReceiptRecord
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketReceipts), []byte(code), &r) })
	return r, err
}

// Receipts lists every receipt, newest first.
func (d *DB) Receipts() ([]ReceiptRecord, error) {
	// The kept secrets share the bucket; isPurgeKey leaves them out.
	out, err := listJSON[ReceiptRecord](d, bucketReceipts, isPurgeKey)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, err
}

// Retention returns the policy overrides by kind (the daemon knows the
// defaults and the meaning of each value).
func (d *DB) Retention() (map[string]string, error) {
	out := map[string]string{}
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRetention).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

// SetRetention stores one override; an empty value removes it (back to
// the default).
func (d *DB) SetRetention(kind, value string) error {
	if kind == "" {
		return fmt.Errorf("store: retention: empty kind")
	}
	return d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRetention)
		if value == "" {
			return b.Delete([]byte(kind))
		}
		return b.Put([]byte(kind), []byte(value))
	})
}

// DestroyDataKey deletes a connection's sealed data key (keys/<name>):
// from this commit on, everything sealed with it (tokens, profile, cached
// comments, threads, events, in this file, its free pages, backups and
// snapshots) is unreadable. It reports whether there was a key.
func (d *DB) DestroyDataKey(name string) (bool, error) {
	found := false
	err := d.update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketKeys)
		if keys.Get([]byte(name)) == nil {
			return nil
		}
		found = true
		return keys.Delete([]byte(name))
	})
	if err != nil {
		return false, fmt.Errorf("store: destroy data key of %q: %w", name, err)
	}
	return found, nil
}

// ConnNamesAnywhere lists every connection name the store mentions: in
// conns/, keys/, jobs_by_conn/, conn_by_account and events/. A purge of
// every connection uses it so that leftovers of a connection whose record
// is already gone (an older bug, an interrupted write) are purged too.
func (d *DB) ConnNamesAnywhere() ([]string, error) {
	seen := map[string]bool{}
	err := d.view(func(tx *bolt.Tx) error {
		add := func(k []byte) {
			if len(k) > 0 {
				seen[string(k)] = true
			}
		}
		tx.Bucket(bucketConns).ForEachBucket(func(k []byte) error { add(k); return nil })
		tx.Bucket(bucketKeys).ForEach(func(k, _ []byte) error { add(k); return nil })
		tx.Bucket(bucketJobsByConn).ForEachBucket(func(k []byte) error { add(k); return nil })
		tx.Bucket(bucketConnByAccount).ForEach(func(_, v []byte) error { add(v); return nil })
		var last []byte
		return tx.Bucket(bucketEvents).ForEach(func(_, v []byte) error {
			if !bytes.Equal(v, last) {
				add(v)
				last = append(last[:0], v...)
			}
			return nil
		})
	})
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, err
}

// JobDeleteStats counts what DeleteJobs removed.
type JobDeleteStats struct {
	Jobs            int `json:"jobs"`
	JobsIndex       int `json:"jobs_index"`
	IdempotencyKeys int `json:"idempotency_keys"`
}

// DeleteJobs removes, in one transaction, every job for which match is
// true, with the index entries that point at it (jobs_by_conn, and the
// idempotency keys). connExists lets match ask, inside the same
// transaction, whether a connection still exists, so that "publish records
// live as long as their connection" cannot race a new login. match must
// not do IO.
func (d *DB) DeleteJobs(match func(j Job, connExists func(string) bool) bool) (JobDeleteStats, error) {
	var st JobDeleteStats
	err := d.update(func(tx *bolt.Tx) error {
		st = JobDeleteStats{}
		conns := tx.Bucket(bucketConns)
		exists := func(name string) bool { return name != "" && conns.Bucket([]byte(name)) != nil }
		jobs := tx.Bucket(bucketJobs)
		ids := map[string]string{} // job id → connection
		err := jobs.ForEach(func(k, v []byte) error {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return nil // unreadable: not ours to judge here
			}
			if match(j, exists) {
				ids[string(k)] = j.Conn
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		byConn := tx.Bucket(bucketJobsByConn)
		for id, conn := range ids {
			if err := jobs.Delete([]byte(id)); err != nil {
				return err
			}
			st.Jobs++
			if conn == "" {
				continue
			}
			if ib := byConn.Bucket([]byte(conn)); ib != nil && ib.Get([]byte(id)) != nil {
				if err := ib.Delete([]byte(id)); err != nil {
					return err
				}
				st.JobsIndex++
			}
		}
		// A jobs_by_conn entry may also sit under another name (a job whose
		// record lost its conn field): look everywhere.
		var empty [][]byte
		err = byConn.ForEachBucket(func(name []byte) error {
			ib := byConn.Bucket(name)
			n, err := deleteWhere(ib, func(k, _ []byte) bool {
				_, ok := ids[string(k)]
				return ok
			})
			st.JobsIndex += n
			if err != nil {
				return err
			}
			if k, _ := ib.Cursor().First(); k == nil {
				empty = append(empty, append([]byte(nil), name...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		// An empty jobs_by_conn/<name> would still name the connection.
		for _, name := range empty {
			if err := byConn.DeleteBucket(name); err != nil {
				return err
			}
		}
		n, err := deleteWhere(tx.Bucket(bucketIdempotency), func(_, v []byte) bool {
			_, ok := ids[string(v)]
			return ok
		})
		st.IdempotencyKeys = n
		return err
	})
	if err != nil {
		return st, fmt.Errorf("store: delete jobs: %w", err)
	}
	return st, nil
}

// Kinds of sealed values a connection holds, for EachConnBlob.
const (
	BlobComments = "comments"
	BlobThreads  = "threads"
	BlobEvents   = "events"
)

// EachConnValue calls fn with a copy of every stored value of one kind of
// a connection (decode it with [DecodeBlob]), inside one read transaction
// (fn must not write to the store). It is how a purge reads 100,000
// events: the caller decodes and decrypts them on several cores.
func (d *DB) EachConnValue(conn, kind string, fn func(raw []byte) error) error {
	var sub []byte
	switch kind {
	case BlobComments:
		sub = bucketConnComments
	case BlobThreads:
		sub = bucketConnThreads
	case BlobEvents:
		sub = bucketConnEvents
	default:
		return fmt.Errorf("store: unknown kind of value %q", kind)
	}
	return d.view(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketConns, []byte(conn), sub)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			return fn(append([]byte(nil), v...))
		})
	})
}

// DecodeBlob reads a value given by EachConnValue. Values written by this
// package have one exact shape, {"at":"<RFC 3339>","data":"<base64>"},
// which is read directly (a purge decodes 100,000 of them and the generic
// JSON decoder spends most of its time validating the base64 string);
// anything else goes through encoding/json.
func DecodeBlob(raw []byte) (Blob, error) {
	if b, ok := decodeBlobFast(raw); ok {
		return b, nil
	}
	return readBlob(raw)
}

func decodeBlobFast(raw []byte) (Blob, bool) {
	const pre, mid = `{"at":"`, `","data":"`
	rest, ok := bytes.CutPrefix(raw, []byte(pre))
	if !ok {
		return Blob{}, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return Blob{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:i]))
	if err != nil {
		return Blob{}, false
	}
	rest, ok = bytes.CutPrefix(rest[i:], []byte(mid))
	if !ok {
		return Blob{}, false
	}
	enc, ok := bytes.CutSuffix(rest, []byte(`"}`))
	if !ok || bytes.IndexByte(enc, '"') >= 0 || bytes.IndexByte(enc, '\\') >= 0 {
		return Blob{}, false
	}
	data := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	n, err := base64.StdEncoding.Decode(data, enc)
	if err != nil {
		return Blob{}, false
	}
	return Blob{At: at, Data: data[:n]}, true
}

// ConnEvents returns every stored event of one connection, oldest first
// (export, purge planning). It reads the connection's own subtree, so it
// does not walk other connections' events.
func (d *DB) ConnEvents(conn string) ([]EventEntry, error) {
	return connBlobs(d, conn, bucketConnEvents, func(k []byte) string { return fmt.Sprintf("event %d", btoi(k)) },
		func(k []byte, blob Blob) EventEntry { return EventEntry{Seq: btoi(k), Conn: conn, Blob: blob} })
}

// ConnCounts are the number of entries of a connection's subtree and of
// the indexes pointing into it: what a dry run of its purge reports.
type ConnCounts struct {
	Comments     int `json:"comments"`
	Threads      int `json:"threads"`
	Events       int `json:"events"`
	Jobs         int `json:"jobs"`
	AccountIndex int `json:"account_index"`
	DataKey      bool
}

// CountConn counts a connection's data without reading the values.
func (d *DB) CountConn(name string) (ConnCounts, error) {
	var c ConnCounts
	err := d.view(func(tx *bolt.Tx) error {
		nameB := []byte(name)
		if cb := bucket(tx, bucketConns, nameB); cb != nil {
			c.Comments = countKeys(cb.Bucket(bucketConnComments))
			c.Threads = countKeys(cb.Bucket(bucketConnThreads))
			c.Events = countKeys(cb.Bucket(bucketConnEvents))
		}
		tx.Bucket(bucketConnByAccount).ForEach(func(_, v []byte) error {
			if bytes.Equal(v, nameB) {
				c.AccountIndex++
			}
			return nil
		})
		c.DataKey = tx.Bucket(bucketKeys).Get(nameB) != nil
		ids := map[string]bool{}
		if ib := bucket(tx, bucketJobsByConn, nameB); ib != nil {
			ib.ForEach(func(k, _ []byte) error { ids[string(k)] = true; return nil })
		}
		tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			var j struct {
				Conn string `json:"conn"`
			}
			if json.Unmarshal(v, &j) == nil && j.Conn == name {
				ids[string(k)] = true
			}
			return nil
		})
		c.Jobs = len(ids)
		return nil
	})
	return c, err
}
