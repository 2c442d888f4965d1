package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Two small records that outlive what they are about:
//
//   - removed/<conn name>: a connection that a purge, Meta's data deletion
//     request or Meta's deauthorize callback removed or disconnected —
//     when, why and the confirmation code — so that `auth status` and
//     doctor can say what happened instead of "no connection yet". It
//     holds no personal data: the name is the label the user chose for
//     the connection, not Meta's; no username, id or token is kept.
//     Logging in again under the name removes it (PutConn).
//   - signed_requests/<key>: the signed public callbacks already answered
//     (the key is a keyed digest of the signed payload, made by the
//     daemon), with the confirmation code given, kept until the request
//     would be refused as stale anyway, so that a replay gets the first
//     answer and does nothing new.

// Reasons a connection was removed.
const (
	RemovedByPurge        = "purge"         // `impress privacy purge`
	RemovedByMetaDeletion = "meta_deletion" // Meta's data deletion request
	RemovedByDeauthorize  = "deauthorize"   // the app was removed in Instagram or Facebook
)

// RemovedConn records why a connection is gone (or, for deauthorize,
// disconnected).
type RemovedConn struct {
	Name   string    `json:"name"`
	Reason string    `json:"reason"`
	Code   string    `json:"code,omitempty"`
	At     time.Time `json:"at"`
}

// PutRemoved records (or replaces) why a connection was removed.
func (d *DB) PutRemoved(r RemovedConn) error {
	if err := ValidConnName(r.Name); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	err := d.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketRemoved), []byte(r.Name), r)
	})
	if err != nil {
		return fmt.Errorf("store: record removed connection %q: %w", r.Name, err)
	}
	return nil
}

// Removed lists the removal records, newest first.
func (d *DB) Removed() ([]RemovedConn, error) {
	out, err := listJSON[RemovedConn](d, bucketRemoved, nil)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, err
}

// SeenRequest is a signed public callback answered before.
type SeenRequest struct {
	Code   string    `json:"code"`
	SeenAt time.Time `json:"seen_at"`
	// Until is when the request turns stale; the record goes after it.
	Until time.Time `json:"until"`
}

// SeenRequest returns the answer given to a signed request (ErrNotFound:
// none, or it is past its Until at now).
func (d *DB) SeenRequest(key string, now time.Time) (SeenRequest, error) {
	var r SeenRequest
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketSignedRequests), []byte(key), &r) })
	if err == nil && now.After(r.Until) {
		return SeenRequest{}, ErrNotFound
	}
	return r, err
}

// RememberRequest records the answer to a signed request, and drops the
// records that are past their Until at now (in the same commit: the
// bucket stays as small as the callbacks of one freshness window).
func (d *DB) RememberRequest(key string, r SeenRequest, now time.Time) error {
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSignedRequests)
		if _, err := pruneSeen(b, now); err != nil {
			return err
		}
		return putJSON(b, []byte(key), r)
	})
	if err != nil {
		return fmt.Errorf("store: remember a signed request: %w", err)
	}
	return nil
}

// PruneSeenRequests drops the records of signed requests past their
// Until at now (the retention sweep: when no callback comes, the last
// ones would stay), and says how many went.
func (d *DB) PruneSeenRequests(now time.Time) (int, error) {
	return inTx(d.update, func(tx *bolt.Tx) (int, error) { return pruneSeen(tx.Bucket(bucketSignedRequests), now) })
}

func pruneSeen(b *bolt.Bucket, now time.Time) (int, error) {
	return deleteWhere(b, func(_, v []byte) bool {
		var old SeenRequest
		return json.Unmarshal(v, &old) != nil || now.After(old.Until)
	})
}
