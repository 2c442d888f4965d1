package daemon

import (
	"context"
	"net/http"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
)

// features is the daemon's feature table, in start order: privacy first of
// all, because an interrupted purge must finish before anything else is
// served; render before publish (publish waits on renders); auth before
// publish and community (they need tokens). Stops run in the reverse order.
func (s *Server) features() []feature.Feature {
	return []feature.Feature{
		{Name: "privacy", Routes: s.privacy.Routes, Start: s.privacy.Start, Stop: s.privacy.Stop, Health: quick(s.privacy.Health)},
		{Name: "projects", Routes: s.projects.Routes, Start: s.projects.Start, Stop: s.projects.Stop, Health: s.shared(s.projects.Health)},
		{Name: "auth", Routes: s.accounts.Routes, Start: s.accounts.Start, Stop: s.accounts.Stop, Health: quick(s.accounts.Health)},
		{Name: "publish", Routes: s.publish.Routes, Start: s.publish.Start, Health: quick(s.publish.Health)},
		{Name: "community", Routes: s.community.Routes, Start: s.community.Start, Stop: s.community.Stop, Health: quick(s.community.Health),
			Reload: s.community.Reload},
	}
}

// checkOrder is the order of the features' lines in `impress doctor`:
// the toolchain first (nothing renders without it), the privacy lines last.
// TestFeatureTable checks that it names every feature with checks.
var checkOrder = []string{"projects", "auth", "publish", "community", "privacy"}

func (s *Server) featureRoutes(mux *http.ServeMux) {
	for _, f := range s.feats {
		f.Routes(mux)
	}
}

func (s *Server) startServices(ctx context.Context) error {
	for _, f := range s.feats {
		if f.Start != nil {
			if err := f.Start(ctx); err != nil {
				return err
			}
		}
		if f.Stop != nil {
			s.stops = append(s.stops, f.Stop)
		}
	}
	return nil
}

// stopServices stops the started features in reverse order.
func (s *Server) stopServices(ctx context.Context) {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i](ctx)
	}
}

// reloadServices lets each started feature apply changed settings.
func (s *Server) reloadServices(ctx context.Context) {
	if s.DB == nil {
		return // recovery state: no feature was started
	}
	for _, f := range s.feats {
		if f.Reload != nil {
			f.Reload(ctx)
		}
	}
}

// shared runs checks that start tools (the toolchain's) through the
// root's healthShare: one run for every request waiting, its result
// answers for a few seconds, and it is cancelled when nobody waits.
func (s *Server) shared(h func(context.Context) []api.Check) func(context.Context) []api.Check {
	return func(ctx context.Context) []api.Check {
		checks, err := s.healthShare.get(ctx, h)
		if err != nil {
			return nil // the client left
		}
		return checks
	}
}

// quick adapts the checks that run no tool (they read state) to Health.
func quick(h func() []api.Check) func(context.Context) []api.Check {
	return func(context.Context) []api.Check { return h() }
}

func (s *Server) featureHealth(ctx context.Context) []api.Check {
	var out []api.Check
	for _, name := range checkOrder {
		for _, f := range s.feats {
			if f.Name == name && f.Health != nil {
				out = append(out, f.Health(ctx)...)
			}
		}
	}
	return out
}
