package daemon

import (
	"context"
	"net/http"
)

// Privacy feature: not built yet. Its issue replaces this file.

func (s *Server) privacyRoutes(mux *http.ServeMux) {}

func (s *Server) startPrivacy(ctx context.Context) error { return nil }
