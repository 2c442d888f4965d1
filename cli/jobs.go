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
	return group(&cobra.Command{Use: "jobs", Short: "The render and publish queue"}, newJobsListCmd(f, nil), newJobsShowCmd(f, nil), newJobsWaitCmd(f, nil), newJobsCancelCmd(f, nil), newJobsRetryCmd(f, nil))
}

// jobsListOptions are `impress jobs list`'s inputs.
type jobsListOptions struct {
	baseOptions
	Kind string
}

func newJobsListCmd(f *Factory, runF func(context.Context, *jobsListOptions) error) *cobra.Command {
	o := &jobsListOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "list", Short: "List jobs, newest first", Args: noArgs}
	cmd.Flags().StringVar(&o.Kind, "kind", "", "only jobs of this kind: render | publish")
	return runWith(cmd, o, "print as a JSON array", runF, runJobsList, nil)
}

func runJobsList(ctx context.Context, o *jobsListOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.Job, error) { return nonNil(c.Jobs(ctx, o.Kind)) },
		func(jobs []api.Job) error {
			return listTable(o.IO, jobs, "no jobs", []string{"ID", "KIND", "STATE", "STAGE", "TITLE", "UPDATED"}, func(j api.Job) []string {
				stage := j.Stage
				if j.Error != nil {
					stage = string(j.Error.Code)
				}
				return []string{j.ID, j.Kind, j.State, stage, j.Title, ago(j.UpdatedAt)}
			})
		})
}

func newJobsShowCmd(f *Factory, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{
		Use:   "show ID",
		Short: "Show one job, its state and error",
	}, "print as JSON", nil, runF, runJobsShow)
}

func runJobsShow(ctx context.Context, o *idOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Job, error) { return c.Job(ctx, o.ID) },
		func(j *api.Job) error {
			printJob(o.IO, j)
			return nil
		})
}

func printJob(ios *IOStreams, j *api.Job) {
	rows := [][]string{{"id", j.ID}, {"kind", j.Kind}, {"state", j.State}, {"stage", j.Stage}, {"title", j.Title},
		{"created", j.CreatedAt.Local().Format(detailTime)}, {"updated", j.UpdatedAt.Local().Format(detailTime)}}
	if j.Error != nil {
		rows = append(rows, []string{"error", string(j.Error.Code) + ": " + j.Error.Message})
		if j.Error.Hint != "" {
			rows = append(rows, []string{"next", j.Error.Hint})
		}
	}
	if len(j.Detail) > 0 {
		var m map[string]any
		if json.Unmarshal(j.Detail, &m) == nil {
			for _, k := range []string{"output", "state", "step", "wait_reason", "wait_until", "media_id", "permalink", "container_id", "at"} {
				if v, ok := m[k]; ok && v != "" {
					label := strings.ReplaceAll(k, "_", " ")
					switch k {
					case "state":
						label = "publish state" // the machine's, beside the job's
					case "step":
						label = "stopped at"
					case "at":
						label = "scheduled for"
					case "wait_until":
						label = "resumes"
						if t, err := time.Parse(time.RFC3339, fmt.Sprint(v)); err == nil {
							v = "~" + t.Local().Format(detailTime)
						}
					}
					rows = append(rows, []string{label, fmt.Sprint(v)})
				}
			}
		}
	}
	table(ios.Out, nil, rows)
}

// jobsWaitOptions are `impress jobs wait`'s inputs.
type jobsWaitOptions struct {
	baseOptions
	ID       string
	Progress string
}

func newJobsWaitCmd(f *Factory, runF func(context.Context, *jobsWaitOptions) error) *cobra.Command {
	o := &jobsWaitOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "wait ID", Short: "Wait for a job to end; exit code follows the job's outcome", Args: exactArgs(1)}
	addProgressFlag(cmd, &o.Progress, "progress display: auto | json | none")
	return runWith(cmd, o, "print the final job as JSON", runF, runJobsWait, firstArg(&o.ID))
}

func runJobsWait(ctx context.Context, o *jobsWaitOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	j, err := followJob(ctx, &o.baseOptions, c, o.ID, o.Progress)
	if j == nil {
		return err
	}
	if o.JSON {
		if werr := writeJSON(o.IO.Out, j); werr != nil {
			return werr
		}
		return silentAfterJSON(err)
	}
	printOutcome(o.IO, j)
	return err
}

// printOutcome says how a job ended, as the command that started it
// would have: a publish's permalink, a render's output path, else the
// state. The error, when there is one, follows on stderr with its hint.
func printOutcome(ios *IOStreams, j *api.Job) {
	switch {
	case j.Kind == api.JobPublish && api.PublishDetailOf(j) != nil:
		printPublished(ios, publishOutput{Job: *j})
	case j.Kind == api.JobRender && api.ResultOf(j) != nil && j.State == api.JobDone:
		printRenderResult(ios, api.ResultOf(j))
	default:
		fmt.Fprintf(ios.Out, "job %s: %s\n", j.ID, j.State)
	}
}

func newJobsCancelCmd(f *Factory, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{Use: "cancel ID", Short: "Cancel a queued or running job"},
		"print the job as JSON", nil, runF, runJobsCancel)
}

var runJobsCancel = runJobAction((*api.Client).CancelJob)

func newJobsRetryCmd(f *Factory, runF func(context.Context, *idOptions) error) *cobra.Command {
	return newIDCmd(f, &cobra.Command{Use: "retry ID", Short: "Retry a failed job (never a published, unconfirmed or cancelled one)"},
		"print the job as JSON", nil, runF, runJobsRetry)
}

var runJobsRetry = runJobAction((*api.Client).RetryJob)

// runJobAction is the run function of a command that does one thing to a
// job (cancel, retry): act on the daemon, then print the job it answers.
func runJobAction(act func(c *api.Client, ctx context.Context, id string) (*api.Job, error)) func(context.Context, *idOptions) error {
	return func(ctx context.Context, o *idOptions) error {
		return callAndSay(ctx, &o.baseOptions, func(ctx context.Context, c *api.Client) (*api.Job, error) {
			return act(c, ctx, o.ID)
		}, jobLine)
	}
}

// jobLine is a job after cancel or retry: "job ID: state".
func jobLine(j *api.Job) string { return "job " + j.ID + ": " + j.State }
