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
		{Name: "privacy", Routes: s.privacy.Routes, Start: s.privacy.Start, Stop: s.privacy.Stop, Health: s.privacy.Health},
		{Name: "projects", Routes: s.projects.Routes, Start: s.projects.Start, Health: s.projects.Health},
		{Name: "auth", Routes: s.accounts.Routes, Start: s.accounts.Start, Stop: s.accounts.Stop, Health: s.accounts.Health},
		{Name: "publish", Routes: s.publish.Routes, Start: s.publish.Start, Health: s.publish.Health},
		{Name: "community", Routes: s.community.Routes, Start: s.community.Start, Stop: s.community.Stop, Health: s.community.Health,
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

func (s *Server) featureHealth() []api.Check {
	var out []api.Check
	for _, name := range checkOrder {
		for _, f := range s.feats {
			if f.Name == name && f.Health != nil {
				out = append(out, f.Health()...)
			}
		}
	}
	return out
}
