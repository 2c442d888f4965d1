package daemon

import (
	"context"
	"net/http"

	"github.com/impress-dev/impress/api"
)

// Each feature lives in its own file and plugs in here: its routes, a
// service started after the store opens (resuming persisted work first),
// and its doctor checks. Keeping the list in one place makes start-up order
// explicit: render before publish (publish waits on renders), auth before
// publish and community (they need tokens), privacy first of all, because
// an interrupted purge must finish before anything else is served.

func (s *Server) featureRoutes(mux *http.ServeMux) {
	s.privacyRoutes(mux)
	s.renderRoutes(mux)
	s.authRoutes(mux)
	s.publishRoutes(mux)
	s.communityRoutes(mux)
	s.previewRoutes(mux)
}

func (s *Server) startServices(ctx context.Context) error {
	for _, start := range []func(context.Context) error{
		s.startPrivacy,
		s.startRender,
		s.startAuth,
		s.startPublish,
		s.startCommunity,
	} {
		if err := start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// onStop registers a service's stop function; they run in reverse order.
func (s *Server) onStop(fn func(context.Context)) { s.stops = append(s.stops, fn) }

func (s *Server) stopServices(ctx context.Context) {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i](ctx)
	}
}

func (s *Server) featureHealth() []api.Check {
	var out []api.Check
	for _, f := range []func() []api.Check{s.renderHealth, s.authHealth, s.publishHealth, s.communityHealth, s.privacyHealth} {
		out = append(out, f()...)
	}
	return out
}
