package store

import (
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// JobError is a job's failure, kept as the wire code and message.
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Job is a persisted unit of daemon work (render or publish). Detail is the
// kind's own state, written before each step that talks to the outside
// world so a restarted daemon can resume.
type Job struct {
	ID        uint64          `json:"id"`
	Kind      string          `json:"kind"`
	State     string          `json:"state"`
	Stage     string          `json:"stage,omitempty"`
	Percent   float64         `json:"percent,omitempty"`
	Title     string          `json:"title,omitempty"`
	Conn      string          `json:"conn,omitempty"`
	Key       string          `json:"key,omitempty"`
	Error     *JobError       `json:"error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Detail    json.RawMessage `json:"detail,omitempty"`
	// CancelRequested records a user's cancel before the job has stopped:
	// a job that a crash or a shutdown interrupts before it ends is then
	// cancelled at the next start, never resumed.
	CancelRequested bool `json:"cancel_requested,omitempty"`
}

// ErrKeyExists is returned by CreateJob when the idempotency key is taken;
// the existing job is returned alongside it.
var ErrKeyExists = errors.New("store: idempotency key already used")

// CreateJob stores a new job and assigns its ID. When j.Key is set and
// already maps to a job, that job is returned with ErrKeyExists and nothing
// is written, unless replace is true, in which case the key moves to the
// new job (publish --force).
func (d *DB) CreateJob(j Job, replace bool) (Job, error) {
	var out Job
	err := d.update(func(tx *bolt.Tx) error {
		idem := tx.Bucket(bucketIdempotency)
		if j.Key != "" && !replace {
			if id := idem.Get([]byte(j.Key)); id != nil {
				if err := getJSON(tx.Bucket(bucketJobs), id, &out); err != nil {
					return err
				}
				return ErrKeyExists
			}
		}
		b := tx.Bucket(bucketJobs)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		now := d.opts.Now().UTC()
		j.ID = seq
		j.CreatedAt, j.UpdatedAt = now, now
		if err := putJSON(b, itob(seq), j); err != nil {
			return err
		}
		if j.Key != "" {
			if err := idem.Put([]byte(j.Key), itob(seq)); err != nil {
				return err
			}
		}
		if j.Conn != "" {
			cb, err := createBucket(tx, bucketJobsByConn, []byte(j.Conn))
			if err != nil {
				return err
			}
			if err := cb.Put(itob(seq), nil); err != nil {
				return err
			}
		}
		out = j
		return nil
	})
	return out, err
}

// Job returns one job.
func (d *DB) Job(id uint64) (Job, error) {
	var j Job
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketJobs), itob(id), &j) })
	return j, err
}

// JobByKey returns the job an idempotency key points at.
func (d *DB) JobByKey(key string) (Job, error) {
	var j Job
	err := d.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketIdempotency).Get([]byte(key))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketJobs), id, &j)
	})
	return j, err
}

// Jobs lists jobs of a kind ("" for all), newest first.
func (d *DB) Jobs(kind string) ([]Job, error) {
	var out []Job
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if kind == "" || j.Kind == kind {
				out = append(out, j)
			}
		}
		return nil
	})
	return out, err
}

// UpdateJob applies fn to a job inside one write transaction and saves it.
// fn must not do IO; returning an error aborts the change.
func (d *DB) UpdateJob(id uint64, fn func(*Job) error) (Job, error) {
	var out Job
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		var j Job
		if err := getJSON(b, itob(id), &j); err != nil {
			return err
		}
		if err := fn(&j); err != nil {
			return err
		}
		j.ID = id
		j.UpdatedAt = d.opts.Now().UTC()
		out = j
		return putJSON(b, itob(id), j)
	})
	return out, err
}
