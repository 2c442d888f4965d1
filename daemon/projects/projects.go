package projects

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// Project endpoints. Every path in a request is absolute: the daemon runs
// as the same user and reads the files itself; no media bytes cross the
// socket.

func (s *Service) projectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/projects", s.NeedStore(s.listProjects))
	mux.HandleFunc("POST /v1/projects", s.NeedStore(s.createProject))
	mux.HandleFunc("POST /v1/projects/apply", s.NeedStore(s.applyProject))
	mux.HandleFunc("GET /v1/projects/{name}", s.NeedStore(s.getProject))
	mux.HandleFunc("DELETE /v1/projects/{name}", s.NeedStore(s.deleteProject))
	mux.HandleFunc("GET /v1/projects/{name}/export", s.NeedStore(s.exportProject))
	mux.HandleFunc("POST /v1/projects/{name}/assets", s.NeedStore(s.addAssets))
}

// getStoredProject maps store.ErrNotFound to the wire's not_found.
func (s *Service) getStoredProject(name string) (store.Project, error) {
	p, err := s.DB.Project(name)
	if store.IsNotFound(err) {
		return p, feature.ProjectNotFound(name)
	}
	return p, err
}

// mediaError maps render's refusals to invalid_input with the
// file and the reason; other errors pass through.
func mediaError(err error) error {
	if render.IsMediaError(err) || render.IsSpecError(err) {
		return &api.Error{Code: api.CodeInvalid, Message: err.Error()}
	}
	return err
}

// requireAbs refuses relative paths: the CLI makes them absolute, and a
// relative path here would be resolved against the daemon's directory.
func requireAbs(what, p string) error {
	if p == "" {
		return api.Errorf(api.CodeInvalid, "%s: empty path", what)
	}
	if !filepath.IsAbs(p) {
		return api.Errorf(api.CodeInvalid, "%s: %q is not an absolute path", what, p)
	}
	return nil
}

// ProjectToAPI maps a project to the wire, with its assets' facts. withSpec
// adds the exported spec text.
func (s *Service) ProjectToAPI(p store.Project, withSpec bool) (api.Project, error) {
	out := api.Project{Name: p.Name, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Assets: []api.Asset{}}
	media, err := s.DB.MediaMany(p.Assets)
	if err != nil {
		return out, err
	}
	byHash := map[string]store.Media{}
	for _, m := range media {
		out.Assets = append(out.Assets, s.assetToAPI(m))
		byHash[m.SHA256] = m
	}
	sum, err := s.summary(p, byHash)
	if err != nil {
		return out, err
	}
	out.Preset, out.Clips, out.Duration = sum.preset, sum.clips, sum.duration
	if withSpec {
		text, err := s.exportSpec(p)
		if err != nil {
			return out, err
		}
		out.Spec = string(text)
	}
	return out, nil
}

func (s *Service) getProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.getStoredProject(r.PathValue("name"))
	if err != nil {
		s.Fail(w, err)
		return
	}
	ap, err := s.ProjectToAPI(p, true)
	httpx.Reply(w, s.Fail, ap, err)
}

func (s *Service) createProject(w http.ResponseWriter, r *http.Request) {
	var req api.NewProjectRequest
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	p, err := s.newProject(r.Context(), req)
	if err != nil {
		s.Fail(w, mediaError(err))
		return
	}
	ap, err := s.ProjectToAPI(p, true)
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, ap)
}

func (s *Service) newProject(ctx context.Context, req api.NewProjectRequest) (store.Project, error) {
	if _, err := s.DB.Project(req.Name); err == nil {
		return store.Project{}, &api.Error{Code: api.CodeConflict, Message: "project \"" + req.Name + "\" already exists",
			Hint: "change it with `impress project apply SPEC` or remove it with `impress project rm " + req.Name + "`"}
	}
	sp := &render.Spec{Version: render.SpecVersion, Name: req.Name, Preset: req.Preset, Clips: []render.Clip{}}
	// Run the parser's checks on the name and preset (and, below, the
	// clips) so a project made here obeys the same rules as a spec file.
	if err := checkSpec(sp, true); err != nil {
		return store.Project{}, err
	}
	var shas []string
	for i, path := range req.Clips {
		if err := requireAbs("--clip", path); err != nil {
			return store.Project{}, err
		}
		m, _, err := s.importMedia(ctx, path, "", "--clip")
		if err != nil {
			return store.Project{}, err
		}
		c, err := clipFor(m, path, i)
		if err != nil {
			return store.Project{}, err
		}
		sp.Clips = append(sp.Clips, c)
		shas = append(shas, m.SHA256)
	}
	if err := checkSpec(sp, len(sp.Clips) == 0); err != nil {
		return store.Project{}, err
	}
	data, err := marshalStored(sp)
	if err != nil {
		return store.Project{}, err
	}
	p, err := s.DB.CreateProject(store.Project{Name: req.Name, Spec: data, Assets: uniq(shas)})
	if store.IsExists(err) {
		return p, &api.Error{Code: api.CodeConflict, Message: "project \"" + req.Name + "\" already exists"}
	}
	return p, err
}

// clipFor makes a timeline clip of an imported file.
func clipFor(m store.Media, path string, i int) (render.Clip, error) {
	switch m.Kind {
	case kindVideo:
		return render.Clip{Video: mediastore.Rel(m.SHA256, m.Ext)}, nil
	case kindImage:
		return render.Clip{Image: mediastore.Rel(m.SHA256, m.Ext)}, nil
	}
	return render.Clip{}, &render.MediaError{File: path, Reason: "a clip must be a video or an image, this is " + article(m.Kind)}
}

// checkSpec runs the spec parser's checks on a spec built in code, by
// writing it out and parsing it back. An empty timeline is allowed for a
// new project (it gets a placeholder clip for the check only).
func checkSpec(sp *render.Spec, allowEmpty bool) error {
	cp := *sp
	if allowEmpty && len(cp.Clips) == 0 {
		cp.Clips = []render.Clip{{Image: "placeholder.jpg"}}
	}
	data, err := render.MarshalSpec(&cp)
	if err != nil {
		return err
	}
	if _, err := render.ParseSpec(data, "project "+sp.Name); err != nil {
		var se *render.SpecError
		if errors.As(err, &se) {
			// The line is of our own rendering, meaningless to the user.
			return api.Errorf(api.CodeInvalid, "project %s: %s", se.Key, se.Message)
		}
		return err
	}
	return nil
}

func uniq(shas []string) []string {
	var p store.Project
	p.AddAssets(shas...)
	return p.Assets
}

func (s *Service) deleteProject(w http.ResponseWriter, r *http.Request) {
	if _, err := s.DB.DeleteProject(r.PathValue("name")); err != nil {
		if store.IsNotFound(err) {
			err = feature.ProjectNotFound(r.PathValue("name"))
		}
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "deleted"})
}

func (s *Service) exportProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.getStoredProject(r.PathValue("name"))
	if err != nil {
		s.Fail(w, err)
		return
	}
	text, err := s.exportSpec(p)
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, api.Export{Spec: string(text)})
}

func (s *Service) applyProject(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, func(w http.ResponseWriter, err error) { s.Fail(w, mediaError(err)) }, s.apply)
}

// apply creates or updates the project a spec file names. The spec is
// parsed with the name the user typed (errors carry it and the line),
// resolved against the spec file's directory, its media imported, and
// stored. Re-applying the same spec changes nothing.
func (s *Service) apply(ctx context.Context, req api.ApplyRequest) (*api.ApplyResult, error) {
	if err := requireAbs("spec", req.Path); err != nil {
		return nil, err
	}
	display := req.Display
	if display == "" {
		display = req.Path
	}
	data, err := readSpec(req.Path, display)
	if err != nil {
		return nil, err
	}
	sp, err := render.ParseSpec(data, display)
	if err != nil {
		return nil, err
	}
	if err := sp.Resolve(filepath.Dir(req.Path)); err != nil {
		return nil, err
	}
	shas, created, err := s.importSpecMedia(ctx, sp)
	if err != nil {
		return nil, err
	}
	stored, err := marshalStored(sp)
	if err != nil {
		return nil, err
	}
	changed := true
	p, isNew, err := s.DB.PutProject(sp.Name, func(old, p *store.Project) error {
		if old != nil && bytes.Equal(old.Spec, stored) {
			changed = false
		}
		p.Spec = stored
		p.AddAssets(shas...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ap, err := s.ProjectToAPI(p, false)
	if err != nil {
		return nil, err
	}
	res := &api.ApplyResult{Project: ap, Created: isNew, Changed: changed || isNew, Imported: []api.Asset{}}
	for _, m := range created {
		res.Imported = append(res.Imported, s.assetToAPI(m))
	}
	return res, nil
}

func (s *Service) addAssets(w http.ResponseWriter, r *http.Request) {
	var req api.AddAssetsRequest
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	name := r.PathValue("name")
	if _, err := s.getStoredProject(name); err != nil {
		s.Fail(w, err)
		return
	}
	if len(req.Paths) == 0 {
		s.Fail(w, api.Errorf(api.CodeInvalid, "asset add: no files given"))
		return
	}
	// Import everything first: one bad file refuses the whole request
	// before the project changes (invalid_input: nothing was changed).
	var media []store.Media
	for _, path := range req.Paths {
		if err := requireAbs("asset", path); err != nil {
			s.Fail(w, err)
			return
		}
		want := ""
		if isSubtitleName(path) {
			want = kindSubtitle
		}
		m, _, err := s.importMedia(r.Context(), path, want, "asset")
		if err != nil {
			s.Fail(w, mediaError(err))
			return
		}
		media = append(media, m)
	}
	var clips []render.Clip
	if req.Append {
		for i, m := range media {
			if m.Kind != kindVideo && m.Kind != kindImage {
				continue
			}
			c, err := clipFor(m, req.Paths[i], i)
			if err != nil {
				s.Fail(w, mediaError(err))
				return
			}
			clips = append(clips, c)
		}
	}
	_, err := s.DB.UpdateProject(name, func(p *store.Project) error {
		for _, m := range media {
			p.AddAssets(m.SHA256)
		}
		if len(clips) == 0 {
			return nil
		}
		sp, err := storedSpec(*p)
		if err != nil {
			return err
		}
		sp.Clips = append(sp.Clips, clips...)
		data, err := marshalStored(sp)
		if err != nil {
			return err
		}
		p.Spec = data
		return nil
	})
	if err != nil {
		s.Fail(w, err)
		return
	}
	out := api.AddAssetsResult{Project: name, Assets: []api.Asset{}}
	for _, m := range media {
		out.Assets = append(out.Assets, s.assetToAPI(m))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func isSubtitleName(p string) bool {
	switch filepath.Ext(p) {
	case ".srt", ".vtt", ".SRT", ".VTT":
		return true
	}
	return false
}
