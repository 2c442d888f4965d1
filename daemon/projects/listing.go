package projects

import (
	"hash/fnv"
	"net/http"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/store"
)

// A project list must not parse every project's YAML spec: at 1,000
// projects that was half of the daemon's answer. What the list shows of a
// spec (preset, clip count, timeline length) is kept per project in
// memory, valid while the stored spec and its update time are the ones it
// was computed from (a media record never changes for its hash, so the
// length stays right too). The first list after a start parses each spec
// once.

// projectSummary is what a list needs of a project's spec.
type projectSummary struct {
	fingerprint uint64 // of the stored spec and the update time
	preset      string
	clips       int
	duration    float64
}

type summaryCache struct {
	mu sync.Mutex // guards m; a leaf
	m  map[uint64]projectSummary
}

func fingerprint(p store.Project) uint64 {
	h := fnv.New64a()
	h.Write(p.Spec)
	h.Write([]byte(p.UpdatedAt.Format(time.RFC3339Nano)))
	return h.Sum64()
}

// summary returns p's summary, from the cache or computed from its spec
// with the media records in media (by hash).
func (s *Service) summary(p store.Project, media map[string]store.Media) (projectSummary, error) {
	fp := fingerprint(p)
	c := &s.summaries
	c.mu.Lock()
	sum, ok := c.m[p.ID]
	c.mu.Unlock()
	if ok && sum.fingerprint == fp {
		return sum, nil
	}
	sp, err := storedSpec(p)
	if err != nil {
		return projectSummary{}, err
	}
	lengths := map[string]float64{}
	for _, sha := range p.Assets {
		if m, ok := media[sha]; ok {
			lengths[mediastore.Rel(m.SHA256, m.Ext)] = s.assetToAPI(m).Duration
		}
	}
	sum = projectSummary{fingerprint: fp, preset: sp.PresetOrDefault(), clips: len(sp.Clips),
		duration: sp.NominalDuration(func(p string) float64 { return lengths[p] })}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[uint64]projectSummary{}
	}
	c.m[p.ID] = sum
	c.mu.Unlock()
	return sum, nil
}

// listProjects answers GET /v1/projects: every project with its assets
// (`project list --json`, the editor), or with view=summary the lines of
// the list without assets (the table of `project list`). Both read the
// store in one transaction.
func (s *Service) listProjects(w http.ResponseWriter, r *http.Request) {
	ps, media, err := s.DB.ProjectsWithMedia()
	if err != nil {
		s.Fail(w, err)
		return
	}
	if r.URL.Query().Get("view") == "summary" {
		out, err := projectRows(s, ps, media, func(p store.Project, sum projectSummary) (api.ProjectSummary, error) {
			return api.ProjectSummary{Name: p.Name, Preset: sum.preset, Clips: sum.clips, Duration: sum.duration,
				Assets: len(p.Assets), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}, nil
		})
		httpx.Reply(w, s.Fail, out, err)
		return
	}
	out, err := projectRows(s, ps, media, func(p store.Project, sum projectSummary) (api.Project, error) {
		ap := api.Project{Name: p.Name, Preset: sum.preset, Clips: sum.clips, Duration: sum.duration,
			CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Assets: make([]api.Asset, 0, len(p.Assets))}
		for _, sha := range p.Assets {
			m, ok := media[sha]
			if !ok {
				return ap, store.ErrNotFound
			}
			ap.Assets = append(ap.Assets, s.assetToAPI(m))
		}
		return ap, nil
	})
	httpx.Reply(w, s.Fail, out, err)
}

// projectRows is one row per project, built by row from the project and
// its (cached) summary; both views of the list are made this way and differ
// only in the row. None is written as [], not null.
func projectRows[T any](s *Service, ps []store.Project, media map[string]store.Media, row func(store.Project, projectSummary) (T, error)) ([]T, error) {
	out := make([]T, 0, len(ps))
	for _, p := range ps {
		sum, err := s.summary(p, media)
		if err != nil {
			return nil, err
		}
		r, err := row(p, sum)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
