package daemon

import (
	"context"
	"github.com/impress-dev/impress/api"
	"net/http"
)

// Render feature: not built yet. Its issue replaces this file.

func (s *Server) renderRoutes(mux *http.ServeMux) {}

func (s *Server) startRender(ctx context.Context) error { return nil }

func (s *Server) renderHealth() []api.Check { return nil }
