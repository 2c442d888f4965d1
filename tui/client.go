package tui

import (
	"context"

	"github.com/impress-dev/impress/api"
)

// Client is what the editor needs from the daemon. *api.Client provides
// all of it except the two spec calls, which the CLI adds on top
// (decoding the exported YAML, applying the edited spec); tests use a
// fake.
type Client interface {
	Projects(ctx context.Context) ([]api.Project, error)
	CreateProject(ctx context.Context, r api.NewProjectRequest) (*api.Project, error)
	DeleteProject(ctx context.Context, name string) error
	// ProjectSpec returns a project (with its assets) and its spec, media
	// paths absolute, as `impress project export` prints it.
	ProjectSpec(ctx context.Context, name string) (*api.Project, *api.Spec, error)
	// SaveSpec stores a spec as the project named in it (creating it when
	// the name is new), as `impress project apply` does.
	SaveSpec(ctx context.Context, s *api.Spec) (*api.Project, error)
	AddAssets(ctx context.Context, project string, r api.AddAssetsRequest) (*api.AddAssetsResult, error)
	PreviewFrame(ctx context.Context, r api.PreviewRequest) (*api.PreviewFrame, error)

	Jobs(ctx context.Context, kind string) ([]api.Job, error)
	StartRender(ctx context.Context, r api.RenderRequest) (*api.RenderStart, error)
	WatchJob(ctx context.Context, id string, fn func(api.JobEvent) error) error
	CancelJob(ctx context.Context, id string) (*api.Job, error)
	Validate(ctx context.Context, r api.ValidateRequest) (*api.Validation, error)

	AuthStatus(ctx context.Context) (*api.AuthStatus, error)
	Publish(ctx context.Context, r api.PublishRequest) (*api.PublishResult, error)

	MediaList(ctx context.Context, connection string) ([]api.PublishedMedia, error)
	Comments(ctx context.Context, q api.CommentsQuery) (*api.CommentList, error)
	ReplyComment(ctx context.Context, conn, id, text string) (*api.CommentResult, error)
	HideComment(ctx context.Context, conn, id string, hide bool) (*api.CommentResult, error)
	Threads(ctx context.Context, conn string, offline bool) ([]api.Thread, error)
	SendMessage(ctx context.Context, conn, thread, text string) (*api.SendResult, error)
}
