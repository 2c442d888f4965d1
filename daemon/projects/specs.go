package projects

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/inert"
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

// readSpec reads a spec file the user named (render.ReadSpecFile: never
// blocking on a FIFO, at most render.MaxSpecBytes), with display, the
// name the user typed, in the error.
func readSpec(path, display string) ([]byte, error) {
	data, err := render.ReadSpecFile(path)
	var se *render.SpecError
	if errors.As(err, &se) {
		se.File = display
	}
	return data, err
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
// absolute media-store paths, each followed by a comment with the name the
// file was imported under (`video: <data>/media/02/0211….mov  # beach.mov`),
// so an exported spec stays readable. The comments are made from the store
// at every export and ignored by apply, so export → apply → export is
// still a fixed point, and they never reach the spec a render is keyed by.
func (s *Service) exportSpec(p store.Project) ([]byte, error) {
	sp, err := storedSpec(p)
	if err != nil {
		return nil, err
	}
	s.absolutise(sp)
	text, err := render.MarshalSpec(sp)
	if err != nil {
		return nil, err
	}
	return s.nameMedia(sp, text)
}

// nameMedia adds the original file names to the media paths of text, the
// YAML of sp.
func (s *Service) nameMedia(sp *render.Spec, text []byte) ([]byte, error) {
	names := map[string]string{}
	for _, ref := range specMedia(sp) {
		m := shaNameRE().FindStringSubmatch(filepath.Base(*ref.path))
		if m == nil {
			continue
		}
		rec, err := s.DB.Media(m[1])
		// A name is the user's own, but it may hold anything a file name
		// can (a newline would end the comment): one inert line.
		if name := inert.Line(rec.Name); err == nil && name != "" && name != filepath.Base(*ref.path) {
			names[*ref.path] = name
		}
	}
	if len(names) == 0 {
		return text, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			if name, ok := names[n.Value]; ok {
				n.LineComment = name
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return buf.Bytes(), nil
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
