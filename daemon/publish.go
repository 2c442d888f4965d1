package daemon

import (
	"context"
	"net/http"

	"github.com/impress-dev/impress/api"
)

// Publish feature: being built (issue 5); this placeholder keeps the tree
// building while it lands.

// publisher is the publish feature's state, hung on Server.pub.
type publisher struct{}

func (s *Server) publishRoutes(mux *http.ServeMux) {}

func (s *Server) startPublish(ctx context.Context) error { return nil }

func (s *Server) publishHealth() []api.Check { return nil }
