package cli

import (
	"context"
	"strconv"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// newMediaCmd is `impress media list|show`: what impress published.
func newMediaCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{Use: "media", Short: "Media impress published: ids, permalinks, status"}, newMediaListCmd(f, nil), newMediaShowCmd(f, nil))
}

// mediaListOptions are `impress media list`'s inputs.
type mediaListOptions struct {
	baseOptions
	Connection string
}

func newMediaListCmd(f *Factory, runF func(context.Context, *mediaListOptions) error) *cobra.Command {
	o := &mediaListOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "list", Short: "List published (and unconfirmed) media, newest first", Args: noArgs}
	cmd.Flags().StringVar(&o.Connection, "connection", "", "only media of this connection")
	return runWith(cmd, o, "print as a JSON array", runF, runMediaList, nil)
}

func runMediaList(ctx context.Context, o *mediaListOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.PublishedMedia, error) {
			return nonNil(c.MediaList(ctx, o.Connection))
		},
		func(ms []api.PublishedMedia) error {
			return listTable(o.IO, ms, "nothing published yet; `impress publish TARGET` publishes",
				[]string{"MEDIA", "TYPE", "CONNECTION", "STATE", "PERMALINK", "JOB", "PUBLISHED"}, func(m api.PublishedMedia) []string {
					when := "-"
					if m.PublishedAt != nil {
						when = ago(*m.PublishedAt)
					}
					return []string{orNone(m.MediaID), m.Type, m.Connection, m.State, orNone(m.Permalink), m.JobID, when}
				})
		})
}

// mediaShowOptions are `impress media show`'s inputs.
type mediaShowOptions struct {
	baseOptions
	Media string
}

func newMediaShowCmd(f *Factory, runF func(context.Context, *mediaShowOptions) error) *cobra.Command {
	o := &mediaShowOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "show MEDIA", Short: "Show one published media (a media id, a job id or latest), refreshed from Meta", Args: exactArgs(1)}
	return runWith(cmd, o, "print as JSON", runF, runMediaShow, firstArg(&o.Media))
}

func runMediaShow(ctx context.Context, o *mediaShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.PublishedMedia, error) {
			return c.MediaShow(ctx, o.Media)
		},
		func(m *api.PublishedMedia) error {
			rows := [][]string{{"media", orNone(m.MediaID)}, {"type", m.Type}, {"connection", m.Connection},
				{"state", m.State}, {"permalink", orNone(m.Permalink)}, {"job", m.JobID}}
			if m.PublishedAt != nil {
				rows = append(rows, []string{"published", m.PublishedAt.Local().Format(detailTime)})
			}
			if m.Caption != "" {
				rows = append(rows, []string{"caption", m.Caption})
			}
			if m.LikeCount != nil {
				rows = append(rows, []string{"likes", strconv.Itoa(*m.LikeCount)})
			}
			if m.CommentsCount != nil {
				rows = append(rows, []string{"comments", strconv.Itoa(*m.CommentsCount)})
			}
			if m.Live != "" && m.Live != "ok" {
				rows = append(rows, []string{"live", m.Live})
			}
			if m.State == api.PubUnconfirmed {
				rows = append(rows, []string{"next", "look at the account in the Instagram app; only if the post is missing, publish again with --force"})
			}
			return table(o.IO.Out, nil, rows)
		})
}
