package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// newMediaCmd is `impress media list|show`: what impress published.
func newMediaCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "media",
		Short: "Media impress published: ids, permalinks, status",
	}
	cmd.AddCommand(newMediaListCmd(f), newMediaShowCmd(f))
	return cmd
}

func newMediaListCmd(f *Factory) *cobra.Command {
	var conn string
	cmd := readCmd(f, &cobra.Command{
		Use:   "list",
		Short: "List published (and unconfirmed) media, newest first",
		Args:  noArgs,
	}, "print as a JSON array",
		func(ctx context.Context, c *api.Client, _ []string) ([]api.PublishedMedia, error) {
			ms, err := c.MediaList(ctx, conn)
			if err == nil && ms == nil {
				ms = []api.PublishedMedia{} // JSON: [], not null
			}
			return ms, err
		},
		func(ms []api.PublishedMedia) error {
			if len(ms) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "nothing published yet; `impress publish TARGET` publishes")
				return nil
			}
			rows := make([][]string, 0, len(ms))
			for _, m := range ms {
				when := "-"
				if m.PublishedAt != nil {
					when = ago(*m.PublishedAt)
				}
				rows = append(rows, []string{orNone(m.MediaID), m.Type, m.Connection, m.State, orNone(m.Permalink), m.JobID, when})
			}
			return table(f.IO.Out, []string{"MEDIA", "TYPE", "CONNECTION", "STATE", "PERMALINK", "JOB", "PUBLISHED"}, rows)
		})
	cmd.Flags().StringVar(&conn, "connection", "", "only media of this connection")
	return cmd
}

func newMediaShowCmd(f *Factory) *cobra.Command {
	return readCmd(f, &cobra.Command{
		Use:   "show MEDIA",
		Short: "Show one published media (a media id, a job id or latest), refreshed from Meta",
		Args:  exactArgs(1),
	}, "print as JSON",
		func(ctx context.Context, c *api.Client, args []string) (*api.PublishedMedia, error) {
			return c.MediaShow(ctx, args[0])
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
			return table(f.IO.Out, nil, rows)
		})
}
