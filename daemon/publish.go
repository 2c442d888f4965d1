package daemon

import (
	"context"
	"github.com/impress-dev/impress/api"
	"net/http"
)

// Publish feature: not built yet. Its issue replaces this file.

func (s *Server) publishRoutes(mux *http.ServeMux) {}

func (s *Server) startPublish(ctx context.Context) error { return nil }

func (s *Server) publishHealth() []api.Check { return nil }
