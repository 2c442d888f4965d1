package store

import (
	"encoding/json"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// renderRecord is one entry of the render cache: a validated output file
// under the data directory, keyed by the hash of everything that made it
// (spec, input hashes, preset, ffmpeg version).
type renderRecord struct {
	Key string `json:"key"`
	// Path is the output file, absolute.
	Path string `json:"path"`
	// Cover is the cover JPEG rendered with it, if any.
	Cover string `json:"cover,omitempty"`
	// Project is the project's name when the target was a project (so a
	// project purge can find its renders); empty for files and specs.
	Project string `json:"project,omitempty"`
	Target  string `json:"target,omitempty"`
	Preset  string `json:"preset"`
	Size    int64  `json:"size"`
	// ModTime is the file's modification time when it was registered: a
	// file changed since (the user's --out may be a hard link to it) is
	// not the render any more. Zero in records written before it was kept.
	ModTime time.Time `json:"mod_time,omitzero"`
	// Result is the wire result the render produced (api.RenderResult),
	// returned as is on a cache hit.
	Result    json.RawMessage `json:"result,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Render is a cached render.
type Render struct {
	Key       string
	Path      string
	Cover     string
	Project   string
	Target    string
	Preset    string
	Size      int64
	ModTime   time.Time
	Result    json.RawMessage
	CreatedAt time.Time
}

// PutRender registers a finished render, replacing any entry of the key.
func (d *DB) PutRender(r Render) (Render, error) {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = d.opts.Now().UTC()
	}
	err := d.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketRenders), []byte(r.Key), renderRecord(r))
	})
	return r, err
}

// Render returns the cache entry of a key, or ErrNotFound.
func (d *DB) Render(key string) (Render, error) {
	var r renderRecord
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketRenders), []byte(key), &r) })
	return Render(r), err
}

// Renders lists the cache entries of a project ("" for all), oldest first.
func (d *DB) Renders(project string) ([]Render, error) {
	var out []Render
	err := d.view(func(tx *bolt.Tx) error {
		return eachJSON(tx.Bucket(bucketRenders), nil, func(_ []byte, r renderRecord) error {
			if project == "" || r.Project == project {
				out = append(out, Render(r))
			}
			return nil
		})
	})
	sortRenders(out)
	return out, err
}

func sortRenders(rs []Render) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].CreatedAt.Before(rs[j].CreatedAt) })
}

// DeleteRender removes a cache entry (the caller removes the file).
func (d *DB) DeleteRender(key string) error {
	return d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRenders)
		if b.Get([]byte(key)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(key))
	})
}
