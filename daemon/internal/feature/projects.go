package feature

import (
	"context"
	"net/http"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// Renderer is the projects feature as publish uses it: renders, the hash
// cache, projects' specs and the toolchain. daemon/projects implements it.
type Renderer interface {
	// Render asks for a render (the cache answers at once when it has it)
	// and follows its job to the end, passing its progress on. Refusals
	// are wire errors.
	Render(ctx context.Context, req api.RenderRequest, progress func(api.JobEvent)) (*api.RenderResult, error)
	// HashFile is a file's sha256, from the hash cache when the file's
	// identity is unchanged since it was last read.
	HashFile(ctx context.Context, path string) (string, error)
	// LoadProjectSpec is a project's spec ready to render: checked and
	// resolved to absolute media-store paths.
	LoadProjectSpec(p store.Project) (*render.Spec, error)
	// FFprobePath is the ffprobe to run (settings, else PATH).
	FFprobePath() string
}

// Projects is what the privacy feature's export needs of the projects
// feature: a project as the local API shows it.
type Projects interface {
	ProjectToAPI(p store.Project, withSpec bool) (api.Project, error)
}

// PublicRoutes is the registrar of the daemon's public endpoint, which the
// community feature owns: publish serves its signed media URLs there,
// privacy Meta's data-deletion callback and its status page.
type PublicRoutes interface {
	// HandlePublic serves h at route, one of the routes of package
	// daemon/internal/public (any other panics).
	HandlePublic(route string, h http.Handler)
}
