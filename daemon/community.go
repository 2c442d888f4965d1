package daemon

import (
	"context"
	"github.com/impress-dev/impress/api"
	"net/http"
)

// Community feature: not built yet. Its issue replaces this file.

func (s *Server) communityRoutes(mux *http.ServeMux) {}

func (s *Server) startCommunity(ctx context.Context) error { return nil }

func (s *Server) communityHealth() []api.Check { return nil }
