package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

func newJobsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "The render and publish queue",
	}
	cmd.AddCommand(newJobsListCmd(f), newJobsShowCmd(f), newJobsWaitCmd(f), newJobsCancelCmd(f), newJobsRetryCmd(f))
	return cmd
}

func newJobsListCmd(f *Factory) *cobra.Command {
	var kind string
	cmd := readCmd(f, &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Args:  noArgs,
	}, "print as a JSON array",
		func(ctx context.Context, c *api.Client, _ []string) ([]api.Job, error) {
			jobs, err := c.Jobs(ctx, kind)
			if err == nil && jobs == nil {
				jobs = []api.Job{} // JSON: [], not null
			}
			return jobs, err
		},
		func(jobs []api.Job) error {
			if len(jobs) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "no jobs")
				return nil
			}
			rows := make([][]string, 0, len(jobs))
			for _, j := range jobs {
				stage := j.Stage
				if j.Error != nil {
					stage = j.Error.Code
				}
				rows = append(rows, []string{j.ID, j.Kind, j.State, stage, j.Title, ago(j.UpdatedAt)})
			}
			return table(f.IO.Out, []string{"ID", "KIND", "STATE", "STAGE", "TITLE", "UPDATED"}, rows)
		})
	cmd.Flags().StringVar(&kind, "kind", "", "only jobs of this kind: render | publish")
	return cmd
}

func newJobsShowCmd(f *Factory) *cobra.Command {
	return readCmd(f, &cobra.Command{
		Use:   "show ID",
		Short: "Show one job, its state and error",
		Args:  exactArgs(1),
	}, "print as JSON",
		func(ctx context.Context, c *api.Client, args []string) (*api.Job, error) { return c.Job(ctx, args[0]) },
		func(j *api.Job) error {
			printJob(f, j)
			return nil
		})
}

func printJob(f *Factory, j *api.Job) {
	rows := [][]string{{"id", j.ID}, {"kind", j.Kind}, {"state", j.State}, {"stage", j.Stage}, {"title", j.Title},
		{"created", j.CreatedAt.Local().Format(detailTime)}, {"updated", j.UpdatedAt.Local().Format(detailTime)}}
	if j.Error != nil {
		rows = append(rows, []string{"error", j.Error.Code + ": " + j.Error.Message})
		if j.Error.Hint != "" {
			rows = append(rows, []string{"next", j.Error.Hint})
		}
	}
	if len(j.Detail) > 0 {
		var m map[string]any
		if json.Unmarshal(j.Detail, &m) == nil {
			for _, k := range []string{"output", "state", "step", "wait_reason", "media_id", "permalink", "container_id", "at"} {
				if v, ok := m[k]; ok && v != "" {
					label := strings.ReplaceAll(k, "_", " ")
					switch k {
					case "state":
						label = "publish state" // the machine's, beside the job's
					case "step":
						label = "stopped at"
					case "at":
						label = "scheduled for"
					}
					rows = append(rows, []string{label, fmt.Sprint(v)})
				}
			}
		}
	}
	table(f.IO.Out, nil, rows)
}

// waitJob follows a job to its end, drawing progress on stderr, and returns
// the final job. A job that failed returns its error (with its exit code).
func waitJob(ctx context.Context, f *Factory, c *api.Client, id string, progress string) (*api.Job, error) {
	bar := newProgressBar(f, progress)
	var final *api.Job
	err := c.WatchJob(ctx, id, func(ev api.JobEvent) error {
		bar.Update(ev)
		if ev.Job != nil {
			final = ev.Job
		}
		return nil
	})
	bar.Done()
	if err != nil {
		if ctx.Err() != nil {
			// Ctrl-C: cancel the job so nothing half-done is left behind.
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c.CancelJob(cctx, id)
			cancel()
		}
		return nil, err
	}
	if final == nil {
		if final, err = c.Job(ctx, id); err != nil {
			return nil, err
		}
	}
	if final.Error != nil {
		return final, final.Error
	}
	return final, nil
}

func newJobsWaitCmd(f *Factory) *cobra.Command {
	var asJSON bool
	var progress string
	cmd := &cobra.Command{
		Use:   "wait ID",
		Short: "Wait for a job to end; exit code follows the job's outcome",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			j, err := waitJob(cmd.Context(), f, c, args[0], progress)
			if asJSON && j != nil {
				if werr := writeJSON(f.IO.Out, j); werr != nil {
					return werr
				}
				return silentAfterJSON(err)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the final job as JSON")
	cmd.Flags().StringVar(&progress, "progress", "auto", "progress display: auto | json | none")
	return cmd
}

func newJobsCancelCmd(f *Factory) *cobra.Command {
	return newJobActionCmd(f, "cancel ID", "Cancel a queued or running job", func(ctx context.Context, c *api.Client, id string) (*api.Job, error) {
		return c.CancelJob(ctx, id)
	})
}

func newJobsRetryCmd(f *Factory) *cobra.Command {
	return newJobActionCmd(f, "retry ID", "Retry a failed job (never a published or unconfirmed one)", func(ctx context.Context, c *api.Client, id string) (*api.Job, error) {
		return c.RetryJob(ctx, id)
	})
}

// newJobActionCmd is the shape cancel and retry share: one call on the job
// ID, then the job as JSON or as "job ID: state".
func newJobActionCmd(f *Factory, use, short string, act func(ctx context.Context, c *api.Client, id string) (*api.Job, error)) *cobra.Command {
	return idActionCmd(f, use, short, "print the job as JSON", act, func(j *api.Job) string {
		return "job " + j.ID + ": " + j.State
	})
}

// idActionCmd is the shape of the commands that act on one ID (args[0]):
// one daemon call, then its result as JSON (--json, described by jsonHelp)
// or as the one line that line makes of it.
func idActionCmd[R any](f *Factory, use, short, jsonHelp string, act func(ctx context.Context, c *api.Client, id string) (R, error), line func(R) string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			r, err := act(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			return printResult(f, asJSON, r, line(r))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, jsonHelp)
	return cmd
}
