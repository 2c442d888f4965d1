package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Connection states. The daemon derives "refresh_due" for display from the
// expiry; what is stored is what happened.
const (
	ConnOK           = "ok"
	ConnRefreshDue   = "refresh_due"  // a refresh is due or failed transiently
	ConnLoginNeeded  = "login_needed" // Meta answered 190, or the token expired
	ConnDisconnected = "disconnected" // logged out: no token, record kept
)

// ErrAccountInUse is returned by PutConn when one of the connection's
// account ids already belongs to another connection: one Meta account is
// one connection, so deletion callbacks find exactly one.
var ErrAccountInUse = errors.New("store: account already connected")

// ErrKeyMismatch is returned by PutConn when the connection already has a
// data key and the caller brought another one.
var ErrKeyMismatch = errors.New("store: connection already has another data key")

// Conn is a connection to one Instagram account. Tokens and the profile
// (username, name, picture URL) are sealed by the daemon with the
// connection's data key (keys/<name>); the store never sees them in clear.
type Conn struct {
	Name    string `json:"name"`
	Flavour string `json:"flavour"` // instagram | facebook
	// AppUserID is the app-scoped user id: /me id of the Instagram account
	// (Instagram Login) or of the Facebook user (Facebook Login). Meta's
	// deletion and deauthorize callbacks carry it.
	AppUserID string `json:"app_user_id,omitempty"`
	// IGUserID is the Instagram professional account id used in paths.
	IGUserID string `json:"ig_user_id,omitempty"`
	// PageID is the Facebook Page linked to the account (Facebook Login).
	PageID      string   `json:"page_id,omitempty"`
	AccountType string   `json:"account_type,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	State       string   `json:"state"`
	// StateReason says why the state is not ok (redacted text).
	StateReason   string    `json:"state_reason,omitempty"`
	TokenExpiry   time.Time `json:"token_expiry,omitzero"` // zero: unknown or never
	TokenIssuedAt time.Time `json:"token_issued_at,omitzero"`
	// SealedToken is the access token (Instagram user token, or Facebook
	// long-lived user token), sealed as field "token".
	SealedToken []byte `json:"sealed_token,omitempty"`
	// SealedPageToken is the Page token (Facebook Login), field "page_token".
	SealedPageToken []byte `json:"sealed_page_token,omitempty"`
	// SealedProfile is JSON {username, name, profile_picture_url}, field "profile".
	SealedProfile []byte    `json:"sealed_profile,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// AccountIDs are the ids conn_by_account maps to this connection.
func (c *Conn) AccountIDs() []string {
	var ids []string
	for _, id := range []string{c.IGUserID, c.AppUserID} {
		if id != "" && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// ValidConnName checks a connection name: 1–64 bytes of letters, digits,
// '.', '_' or '-', starting with a letter or digit. Names are bucket keys
// and appear in commands people type.
func ValidConnName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("connection name %q: want 1 to 64 characters", name)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && strings.ContainsRune("._-", r))
		if !ok {
			return fmt.Errorf("connection name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

func getConnTx(tx *bolt.Tx, name string) (Conn, error) {
	var c Conn
	err := getJSON(bucket(tx, bucketConns, []byte(name)), keyConnInfo, &c)
	return c, err
}

// Conn returns one connection.
func (d *DB) Conn(name string) (Conn, error) {
	c, err := inTx(d.view, func(tx *bolt.Tx) (Conn, error) { return getConnTx(tx, name) })
	if err != nil {
		return c, fmt.Errorf("connection %q: %w", name, err)
	}
	return c, nil
}

// Conns lists connections by name.
func (d *DB) Conns() ([]Conn, error) {
	var out []Conn
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketConns).ForEachBucket(func(k []byte) error {
			c, err := getConnTx(tx, string(k))
			if IsNotFound(err) {
				return nil // subtree without info: half-created, skip
			}
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// PutConn creates or replaces a connection's record, keeps its CreatedAt,
// and updates conn_by_account in the same transaction: ids the record no
// longer has are dropped, new ids are added, and an id that belongs to
// another connection fails the whole write with ErrAccountInUse. When key
// is non-nil it becomes the connection's sealed data key unless one is
// stored already (then it must be the same: ErrKeyMismatch otherwise), so
// a new connection's record and key land together or not at all. A
// record of why a connection of that name was removed (removed/) goes.
func (d *DB) PutConn(c Conn, key []byte) (Conn, error) {
	if err := ValidConnName(c.Name); err != nil {
		return c, fmt.Errorf("store: %w", err)
	}
	err := d.update(func(tx *bolt.Tx) error {
		old, err := getConnTx(tx, c.Name)
		switch {
		case err == nil:
			c.CreatedAt = old.CreatedAt
		case IsNotFound(err):
			c.CreatedAt = d.opts.Now().UTC()
		default:
			return err
		}
		if key != nil {
			keys := tx.Bucket(bucketKeys)
			if have := keys.Get([]byte(c.Name)); have != nil {
				if !bytes.Equal(have, key) {
					return ErrKeyMismatch
				}
			} else if err := keys.Put([]byte(c.Name), key); err != nil {
				return err
			}
		}
		// Connected again under this name: why it went is history.
		if err := tx.Bucket(bucketRemoved).Delete([]byte(c.Name)); err != nil {
			return err
		}
		return putConnTx(tx, &old, &c, d.opts.Now())
	})
	if err != nil {
		return c, fmt.Errorf("store: put connection %q: %w", c.Name, err)
	}
	return c, nil
}

func putConnTx(tx *bolt.Tx, old, c *Conn, now time.Time) error {
	idx := tx.Bucket(bucketConnByAccount)
	for _, id := range c.AccountIDs() {
		if owner := idx.Get([]byte(id)); owner != nil && string(owner) != c.Name {
			return fmt.Errorf("%w: account %s is connection %q", ErrAccountInUse, id, owner)
		}
	}
	for _, id := range old.AccountIDs() {
		if !contains(c.AccountIDs(), id) && string(idx.Get([]byte(id))) == c.Name {
			if err := idx.Delete([]byte(id)); err != nil {
				return err
			}
		}
	}
	for _, id := range c.AccountIDs() {
		if err := idx.Put([]byte(id), []byte(c.Name)); err != nil {
			return err
		}
	}
	if c.State == "" {
		c.State = ConnOK
	}
	c.UpdatedAt = now.UTC()
	b, err := createBucket(tx, bucketConns, []byte(c.Name))
	if err != nil {
		return err
	}
	return putJSON(b, keyConnInfo, c)
}

// UpdateConn applies fn to a connection inside one write transaction and
// saves it (index maintained as by PutConn). fn must not do IO; returning
// an error aborts the change. This is how a refreshed token is written
// atomically: fn can check that the token it refreshed is still the
// stored one.
func (d *DB) UpdateConn(name string, fn func(*Conn) error) (Conn, error) {
	var out Conn
	err := d.update(func(tx *bolt.Tx) error {
		old, err := getConnTx(tx, name)
		if err != nil {
			return err
		}
		c := old
		c.Scopes = append([]string(nil), old.Scopes...)
		if err := fn(&c); err != nil {
			return err
		}
		c.Name, c.CreatedAt = name, old.CreatedAt
		out = c
		return putConnTx(tx, &old, &out, d.opts.Now())
	})
	if err != nil {
		return out, fmt.Errorf("store: update connection %q: %w", name, err)
	}
	return out, nil
}

// ConnByAccount returns the name of the connection an Instagram or
// app-scoped user id belongs to.
func (d *DB) ConnByAccount(id string) (string, error) {
	var name string
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketConnByAccount).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		name = string(v)
		return nil
	})
	return name, err
}

// ConnKey returns a connection's sealed data key.
func (d *DB) ConnKey(name string) ([]byte, error) {
	var out []byte
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketKeys).Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		out = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data key of connection %q: %w", name, err)
	}
	return out, nil
}

// DeleteStats counts what DeleteConnection removed, per bucket, for a
// purge receipt. It holds no names or ids.
type DeleteStats struct {
	Info            bool `json:"info"`             // conns/<name>/info
	Comments        int  `json:"comments"`         // conns/<name>/comments entries
	Threads         int  `json:"threads"`          // conns/<name>/threads entries
	ConnEvents      int  `json:"conn_events"`      // conns/<name>/events entries
	OtherEntries    int  `json:"other_entries"`    // any other key under conns/<name>/
	AccountIndex    int  `json:"account_index"`    // conn_by_account entries
	Jobs            int  `json:"jobs"`             // jobs records of the connection
	JobsIndex       int  `json:"jobs_index"`       // jobs_by_conn/<name> entries
	IdempotencyKeys int  `json:"idempotency_keys"` // idempotency entries of those jobs
	Events          int  `json:"events"`           // events/ entries naming the connection
	EventDedupe     int  `json:"event_dedupe"`     // event_dedupe entries of those events
	DataKey         bool `json:"data_key"`         // keys/<name>
}

// Total is the number of removed entries.
func (s DeleteStats) Total() int {
	n := s.Comments + s.Threads + s.ConnEvents + s.OtherEntries + s.AccountIndex + s.Jobs + s.JobsIndex +
		s.IdempotencyKeys + s.Events + s.EventDedupe
	if s.Info {
		n++
	}
	if s.DataKey {
		n++
	}
	return n
}

// DeleteConnection removes everything of a connection in one transaction:
// its subtree conns/<name>/ (info, comments, threads, events, anything
// added later), every index entry that points into it (doc.go's "→ conn"
// list: conn_by_account, jobs_by_conn and its jobs with their idempotency
// keys, events and their event_dedupe entries) and its data key
// keys/<name>, which makes every sealed copy unreadable (crypto-shredding).
// It is the one place where a connection is deleted; purge builds on it
// and must follow it with [DB.Compact], since bbolt keeps deleted bytes in
// free pages. Running it again after it succeeded finds nothing and
// returns ErrNotFound, so a resumed purge can treat that as done.
func (d *DB) DeleteConnection(name string) (DeleteStats, error) {
	var st DeleteStats
	err := d.update(func(tx *bolt.Tx) error {
		nameB := []byte(name)
		conns := tx.Bucket(bucketConns)
		if cb := conns.Bucket(nameB); cb != nil {
			st.Info = cb.Get(keyConnInfo) != nil
			err := cb.ForEach(func(k, v []byte) error {
				if v != nil {
					if !bytes.Equal(k, keyConnInfo) {
						st.OtherEntries++
					}
					return nil
				}
				n := countKeys(cb.Bucket(k))
				switch {
				case bytes.Equal(k, bucketConnComments):
					st.Comments += n
				case bytes.Equal(k, bucketConnThreads):
					st.Threads += n
				case bytes.Equal(k, bucketConnEvents):
					st.ConnEvents += n
				default:
					st.OtherEntries += n
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := conns.DeleteBucket(nameB); err != nil {
				return err
			}
		}
		var err error
		if st.AccountIndex, err = deleteWhereValue(tx.Bucket(bucketConnByAccount), nameB); err != nil {
			return err
		}
		if err := deleteConnJobs(tx, nameB, &st); err != nil {
			return err
		}
		if err := deleteConnEvents(tx, nameB, &st); err != nil {
			return err
		}
		keys := tx.Bucket(bucketKeys)
		if keys.Get(nameB) != nil {
			st.DataKey = true
			if err := keys.Delete(nameB); err != nil {
				return err
			}
		}
		if st.Total() == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("store: delete connection %q: %w", name, err)
	}
	return st, nil
}

// countKeys counts the key/value pairs of b and its nested buckets.
func countKeys(b *bolt.Bucket) int {
	if b == nil {
		return 0
	}
	n := 0
	b.ForEach(func(k, v []byte) error {
		if v == nil {
			n += countKeys(b.Bucket(k))
		} else {
			n++
		}
		return nil
	})
	return n
}

// deleteWhereValue deletes the entries of b whose value is v.
func deleteWhereValue(b *bolt.Bucket, v []byte) (int, error) {
	return deleteWhere(b, func(_, val []byte) bool { return bytes.Equal(val, v) })
}

// deleteWhere deletes the entries of b for which match is true and says
// how many went. Keys are collected first: deleting while iterating a
// bbolt cursor skips entries. match must not touch b.
func deleteWhere(b *bolt.Bucket, match func(k, v []byte) bool) (int, error) {
	var del [][]byte
	b.ForEach(func(k, v []byte) error {
		if match(k, v) {
			del = append(del, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range del {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(del), nil
}

// deleteConnJobs removes the connection's jobs: those indexed under
// jobs_by_conn/<name> and any job record naming the connection (an index
// entry lost to a bug must not keep personal data alive), plus the
// idempotency keys that point at them.
func deleteConnJobs(tx *bolt.Tx, name []byte, st *DeleteStats) error {
	jobs := tx.Bucket(bucketJobs)
	ids := map[string]bool{}
	if jb := tx.Bucket(bucketJobsByConn); jb != nil {
		if ib := jb.Bucket(name); ib != nil {
			ib.ForEach(func(k, _ []byte) error {
				ids[string(k)] = true
				st.JobsIndex++
				return nil
			})
			if err := jb.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	jobs.ForEach(func(k, v []byte) error {
		var j struct {
			Conn string `json:"conn"`
		}
		if json.Unmarshal(v, &j) == nil && j.Conn == string(name) {
			ids[string(k)] = true
		}
		return nil
	})
	for id := range ids {
		if jobs.Get([]byte(id)) != nil {
			if err := jobs.Delete([]byte(id)); err != nil {
				return err
			}
			st.Jobs++
		}
	}
	n, err := deleteWhere(tx.Bucket(bucketIdempotency), func(_, v []byte) bool { return ids[string(v)] })
	st.IdempotencyKeys = n
	return err
}

// deleteConnEvents removes events/<seq> entries naming the connection and
// the event_dedupe entries pointing at those sequence numbers.
func deleteConnEvents(tx *bolt.Tx, name []byte, st *DeleteStats) error {
	ev := tx.Bucket(bucketEvents)
	seqs := map[string]bool{}
	ev.ForEach(func(k, v []byte) error {
		if bytes.Equal(v, name) {
			seqs[string(k)] = true
		}
		return nil
	})
	for s := range seqs {
		if err := ev.Delete([]byte(s)); err != nil {
			return err
		}
	}
	st.Events = len(seqs)
	n, err := deleteWhere(tx.Bucket(bucketEventDedupe), func(_, v []byte) bool { return seqs[string(v)] })
	st.EventDedupe = n
	return err
}
