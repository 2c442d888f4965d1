package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// mediaRecord is one file of the content-addressed media store. The file
// itself lives in the data directory; this record says what it is.
type mediaRecord struct {
	SHA256 string `json:"sha256"`
	// Ext is the file's extension with its dot, lower case (".mp4").
	Ext  string `json:"ext"`
	Size int64  `json:"size"`
	// Kind is video, image, audio or subtitle.
	Kind string `json:"kind"`
	// Name is the base name the file had when it was first imported.
	Name string `json:"name"`
	// Source is the absolute path it was first imported from.
	Source string `json:"source,omitempty"`
	// Probe holds what ffprobe said, in the daemon's own shape.
	Probe      json.RawMessage `json:"probe,omitempty"`
	ImportedAt time.Time       `json:"imported_at"`
}

// Media describes one file of the media store.
type Media struct {
	SHA256     string
	Ext        string
	Size       int64
	Kind       string
	Name       string
	Source     string
	Probe      json.RawMessage
	ImportedAt time.Time
}

// PutMedia records a media file. A hash already recorded keeps its first
// record (same bytes, same facts), which is returned with created false.
func (d *DB) PutMedia(m Media) (Media, bool, error) {
	var out Media
	created := false
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMedia)
		var r mediaRecord
		err := getJSON(b, []byte(m.SHA256), &r)
		if err == nil {
			out = Media(r)
			return nil
		}
		if !IsNotFound(err) {
			return err
		}
		if m.ImportedAt.IsZero() {
			m.ImportedAt = d.opts.Now().UTC()
		}
		out, created = m, true
		return putJSON(b, []byte(m.SHA256), mediaRecord(m))
	})
	return out, created, err
}

// Media returns the record of one hash, or ErrNotFound.
func (d *DB) Media(sha string) (Media, error) {
	var r mediaRecord
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketMedia), []byte(sha), &r) })
	return Media(r), err
}

// MediaMany returns the records of several hashes in one transaction, in
// the same order; a missing one fails the call with ErrNotFound.
func (d *DB) MediaMany(shas []string) ([]Media, error) {
	out := make([]Media, 0, len(shas))
	err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMedia)
		for _, s := range shas {
			var r mediaRecord
			if err := getJSON(b, []byte(s), &r); err != nil {
				return err
			}
			out = append(out, Media(r))
		}
		return nil
	})
	return out, err
}

// AllMedia lists every media record, sorted by hash.
func (d *DB) AllMedia() ([]Media, error) {
	return inTx(d.view, func(tx *bolt.Tx) ([]Media, error) { return mediaIn(tx, nil) })
}

// mediaIn lists the media records of tx whose hash keep picks (nil: all),
// sorted by hash: every listing of media, whole or filtered, reads them so.
func mediaIn(tx *bolt.Tx, keep func(sha []byte) bool) ([]Media, error) {
	var out []Media
	err := eachJSON(tx.Bucket(bucketMedia), keep, func(_ []byte, r mediaRecord) error {
		out = append(out, Media(r))
		return nil
	})
	return out, err
}

// UnreferencedMedia lists the media no project holds any more: what a
// cleanup (or `privacy purge --project`) may delete, files included.
func (d *DB) UnreferencedMedia() ([]Media, error) {
	return inTx(d.view, func(tx *bolt.Tx) ([]Media, error) {
		used := map[string]bool{}
		if err := eachJSON(tx.Bucket(bucketProjects), nil, func(_ []byte, r projectRecord) error {
			for _, a := range r.Assets {
				used[a] = true
			}
			return nil
		}); err != nil {
			return nil, err
		}
		return mediaIn(tx, func(k []byte) bool { return !used[string(k)] })
	})
}

// DeleteMedia removes a media record (the caller removes the file).
func (d *DB) DeleteMedia(sha string) error {
	return d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMedia)
		if b.Get([]byte(sha)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(sha))
	})
}
