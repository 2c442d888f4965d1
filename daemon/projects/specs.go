package projects

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
	"gopkg.in/yaml.v3"
)

// A project's spec is stored as render.MarshalSpec YAML whose media paths
// are relative to the data directory (media/<aa>/<sha256><ext>): the spec
// is then a valid spec whose base directory is the data directory, it
// names content rather than places, and it does not change when the user
// moves or edits an original.
//
// `project export` writes the same spec with those paths made absolute, so
// the exported file works from any directory, and `project apply` of an
// exported file recognises the media-store paths and maps them back
// without copying or hashing: apply → export → apply is a fixed point.

// mediaRef is one media path of a spec: its key for messages, a pointer
// to the path so it can be rewritten, and the kind of file it wants.
type mediaRef struct {
	key  string
	path *string
	want string
}

// specMedia lists every media path of a spec, from render's one list of
// a spec's file keys (render.Spec.MediaRefs): a file key render adds is
// imported, hashed and mapped here without a change. Its kinds are the
// media store's (render.Want* are the same words).
func specMedia(s *render.Spec) []mediaRef {
	var out []mediaRef
	for _, r := range s.MediaRefs() {
		out = append(out, mediaRef{r.Key, r.Path, r.Want})
	}
	return out
}

// checkAllMapped verifies that every path render knows about went through
// specMedia (all now satisfy ok).
func checkAllMapped(s *render.Spec, ok func(string) bool) error {
	for _, p := range s.MediaPaths() {
		if !ok(p) {
			return fmt.Errorf("spec: media path %q was not mapped (daemon/specs.go does not know a spec field)", p)
		}
	}
	return nil
}

// importSpecMedia imports every media file of a resolved spec into the
// store and rewrites the spec's paths to their data-relative store names.
// It returns the hashes in spec order and the records newly created.
func (s *Service) importSpecMedia(ctx context.Context, sp *render.Spec) ([]string, []store.Media, error) {
	var shas []string
	var created []store.Media
	seen := map[string]store.Media{}
	for _, ref := range specMedia(sp) {
		src := *ref.path
		m, ok := seen[src]
		if !ok {
			var isNew bool
			var err error
			m, isNew, err = s.importMedia(ctx, src, ref.want, ref.key)
			if err != nil {
				return nil, nil, err
			}
			if isNew {
				created = append(created, m)
			}
			seen[src] = m
			shas = append(shas, m.SHA256)
		} else if err := kindMismatch(src, m.Kind, ref.want, ref.key); err != nil {
			return nil, nil, err
		}
		*ref.path = mediastore.Rel(m.SHA256, m.Ext)
	}
	if err := checkAllMapped(sp, func(p string) bool { return strings.HasPrefix(p, "media"+string(filepath.Separator)) }); err != nil {
		return nil, nil, err
	}
	return shas, created, nil
}

// storedSpec decodes a project's stored spec without the parser's checks
// (a new project may have no clips yet). Paths stay data-relative.
func storedSpec(p store.Project) (*render.Spec, error) {
	var sp render.Spec
	if err := yaml.Unmarshal(p.Spec, &sp); err != nil {
		return nil, fmt.Errorf("project %q: stored spec: %w", p.Name, err)
	}
	return &sp, nil
}

// marshalStored is the stored form of a spec whose paths are data-relative.
func marshalStored(sp *render.Spec) ([]byte, error) { return render.MarshalSpec(sp) }

// absolutise makes a stored spec's media paths absolute (in the media store).
func (s *Service) absolutise(sp *render.Spec) {
	for _, ref := range specMedia(sp) {
		if !filepath.IsAbs(*ref.path) {
			*ref.path = filepath.Join(s.Paths.DataDir, *ref.path)
		}
	}
}

// exportSpec is the spec `project export` prints: the stored spec with
// absolute media-store paths.
func (s *Service) exportSpec(p store.Project) ([]byte, error) {
	sp, err := storedSpec(p)
	if err != nil {
		return nil, err
	}
	s.absolutise(sp)
	return render.MarshalSpec(sp)
}

// LoadProjectSpec returns a project's spec ready to render: checked by the
// spec parser (so a spec edited only through the API obeys the same rules
// as a file) and resolved to absolute media-store paths. A file missing
// from the media store is named with the way to fix it.
func (s *Service) LoadProjectSpec(p store.Project) (*render.Spec, error) {
	sp, err := storedSpec(p)
	if err != nil {
		return nil, err
	}
	if len(sp.Clips) == 0 {
		return nil, api.Errorf(api.CodeInvalid, "project %q has no clips yet; add some with `impress asset add %s FILE… --append` or `impress project apply SPEC`", p.Name, p.Name)
	}
	checked, err := render.ParseSpec(p.Spec, "project "+p.Name)
	if err != nil {
		return nil, err
	}
	for _, ref := range specMedia(checked) {
		abs := filepath.Join(s.Paths.DataDir, *ref.path)
		if _, err := os.Stat(abs); err != nil {
			return nil, api.Errorf(api.CodeInvalid, "project %q: %s: the media store lost %s (%v); import the file again with `impress asset add %s FILE` and re-apply the spec", p.Name, ref.key, abs, err, p.Name)
		}
	}
	if err := checked.Resolve(s.Paths.DataDir); err != nil {
		return nil, err
	}
	return checked, nil
}
