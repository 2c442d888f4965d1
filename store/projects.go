package store

import (
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrExists is returned when a name is already taken.
var ErrExists = errors.New("store: already exists")

// IsExists reports whether err is (or wraps) ErrExists.
func IsExists(err error) bool { return errors.Is(err, ErrExists) }

// projectRecord is the persisted shape of a project.
type projectRecord struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
	// Spec is the project's spec in canonical YAML (render.MarshalSpec).
	// Its media paths are relative to the data directory and name files
	// of the content-addressed media store (media/<aa>/<sha256><ext>), so
	// the spec never depends on where the user keeps the originals.
	Spec []byte `json:"spec"`
	// Assets are the sha256 of every media file imported into the project,
	// in import order: the spec's media and those added by `asset add`.
	Assets    []string  `json:"assets,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Project is a named project: a spec plus its imported media.
type Project struct {
	ID        uint64
	Name      string
	Spec      []byte
	Assets    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (r projectRecord) project() Project { return Project(r) }

// HasAsset reports whether the project holds the media with that hash.
func (p *Project) HasAsset(sha string) bool {
	for _, a := range p.Assets {
		if a == sha {
			return true
		}
	}
	return false
}

// AddAssets appends the hashes the project does not hold yet, keeping order.
func (p *Project) AddAssets(shas ...string) {
	for _, s := range shas {
		if !p.HasAsset(s) {
			p.Assets = append(p.Assets, s)
		}
	}
}

func getProjectTx(tx *bolt.Tx, name string) (projectRecord, error) {
	var r projectRecord
	id := tx.Bucket(bucketProjectNames).Get([]byte(name))
	if id == nil {
		return r, ErrNotFound
	}
	err := getJSON(tx.Bucket(bucketProjects), id, &r)
	return r, err
}

// CreateProject stores a new project and assigns its ID. A taken name
// fails with ErrExists and writes nothing.
func (d *DB) CreateProject(p Project) (Project, error) {
	var out Project
	err := d.update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketProjectNames)
		if names.Get([]byte(p.Name)) != nil {
			return ErrExists
		}
		b := tx.Bucket(bucketProjects)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		now := d.opts.Now().UTC()
		r := projectRecord(p)
		r.ID, r.CreatedAt, r.UpdatedAt = seq, now, now
		if err := putJSON(b, itob(seq), r); err != nil {
			return err
		}
		if err := names.Put([]byte(p.Name), itob(seq)); err != nil {
			return err
		}
		out = r.project()
		return nil
	})
	return out, err
}

// Project returns the project with that name, or ErrNotFound.
func (d *DB) Project(name string) (Project, error) {
	r, err := inTx(d.view, func(tx *bolt.Tx) (projectRecord, error) { return getProjectTx(tx, name) })
	return r.project(), err
}

// Projects lists every project, sorted by name.
func (d *DB) Projects() ([]Project, error) {
	var out []Project
	err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProjects)
		return tx.Bucket(bucketProjectNames).ForEach(func(name, id []byte) error {
			var r projectRecord
			if err := getJSON(b, id, &r); err != nil {
				return err
			}
			out = append(out, r.project())
			return nil
		})
	})
	return out, err
}

// ProjectsWithMedia lists every project, sorted by name, and the media
// records their assets name, in one read transaction (a list of 1,000
// projects read each project's media in a transaction of its own). An
// asset without a record is left out of the map.
func (d *DB) ProjectsWithMedia() ([]Project, map[string]Media, error) {
	var out []Project
	media := map[string]Media{}
	err := d.view(func(tx *bolt.Tx) error {
		b, mb := tx.Bucket(bucketProjects), tx.Bucket(bucketMedia)
		return tx.Bucket(bucketProjectNames).ForEach(func(name, id []byte) error {
			var r projectRecord
			if err := getJSON(b, id, &r); err != nil {
				return err
			}
			for _, sha := range r.Assets {
				if _, ok := media[sha]; ok {
					continue
				}
				var m mediaRecord
				switch err := getJSON(mb, []byte(sha), &m); {
				case err == nil:
					media[sha] = Media(m)
				case !IsNotFound(err):
					return err
				}
			}
			out = append(out, r.project())
			return nil
		})
	})
	return out, media, err
}

// PutProject creates the project named p.Name or, when it exists, lets fn
// change it; both in one write transaction, so two applies of the same
// name cannot both create it. fn gets the stored project (nil when there is
// none) and the new value to write; it must not do IO, and returning an
// error aborts. PutProject reports whether the project was created.
// UpdatedAt moves only when the stored record actually changes, so a
// repeated apply of the same spec leaves the project untouched.
func (d *DB) PutProject(name string, fn func(old *Project, p *Project) error) (Project, bool, error) {
	var out Project
	created := false
	err := d.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProjects)
		names := tx.Bucket(bucketProjectNames)
		old, err := getProjectTx(tx, name)
		now := d.opts.Now().UTC()
		if IsNotFound(err) {
			p := Project{Name: name}
			if err := fn(nil, &p); err != nil {
				return err
			}
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			r := projectRecord(p)
			r.ID, r.Name, r.CreatedAt, r.UpdatedAt = seq, name, now, now
			if err := putJSON(b, itob(seq), r); err != nil {
				return err
			}
			if err := names.Put([]byte(name), itob(seq)); err != nil {
				return err
			}
			out, created = r.project(), true
			return nil
		}
		if err != nil {
			return err
		}
		prev := old.project()
		p := old.project()
		p.Assets = append([]string(nil), prev.Assets...)
		if err := fn(&prev, &p); err != nil {
			return err
		}
		r := projectRecord(p)
		r.ID, r.Name, r.CreatedAt, r.UpdatedAt = old.ID, name, old.CreatedAt, old.UpdatedAt
		if !sameRecord(old, r) {
			r.UpdatedAt = now
			if err := putJSON(b, itob(old.ID), r); err != nil {
				return err
			}
		}
		out = r.project()
		return nil
	})
	return out, created, err
}

func sameRecord(a, b projectRecord) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// UpdateProject applies fn to an existing project and saves it; ErrNotFound
// when there is none.
func (d *DB) UpdateProject(name string, fn func(p *Project) error) (Project, error) {
	var out Project
	err := d.update(func(tx *bolt.Tx) error {
		old, err := getProjectTx(tx, name)
		if err != nil {
			return err
		}
		p := old.project()
		if err := fn(&p); err != nil {
			return err
		}
		r := projectRecord(p)
		r.ID, r.Name, r.CreatedAt = old.ID, name, old.CreatedAt
		r.UpdatedAt = d.opts.Now().UTC()
		out = r.project()
		return putJSON(tx.Bucket(bucketProjects), itob(old.ID), r)
	})
	return out, err
}

// DeleteProject removes a project and its name index entry and returns
// what was deleted. Its media stay in the media store: other projects may
// share them (content addressing), and render cache entries stay too; see
// [DB.UnreferencedMedia] for what nothing uses any more.
func (d *DB) DeleteProject(name string) (Project, error) {
	var out Project
	err := d.update(func(tx *bolt.Tx) error {
		r, err := getProjectTx(tx, name)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketProjects).Delete(itob(r.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketProjectNames).Delete([]byte(name)); err != nil {
			return err
		}
		out = r.project()
		return nil
	})
	return out, err
}
