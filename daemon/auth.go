package daemon

import (
	"context"
	"github.com/impress-dev/impress/api"
	"net/http"
)

// Auth feature: not built yet. Its issue replaces this file.

func (s *Server) authRoutes(mux *http.ServeMux) {}

func (s *Server) startAuth(ctx context.Context) error { return nil }

func (s *Server) authHealth() []api.Check { return nil }
