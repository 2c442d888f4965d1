package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// absPaths makes the user's paths absolute: the daemon reads the files
// itself and has its own working directory.
func absPaths(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p == "" {
			return nil, flagErrorf("empty file name")
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, exitf(ExitUsage, "%s: %v", p, err)
		}
		out = append(out, abs)
	}
	return out, nil
}

func newProjectCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{
		Use:   "project",
		Short: "Create, list, show, remove, apply and export projects",
		Long: `A project is a spec (clips, texts, captions, music, cover, publish defaults)
plus the media imported into it. Imported media are copied into a
content-addressed store under the data directory, so a project renders the
same bytes even after you move or edit the originals.`,
		Example: `  impress project new summer --clip beach.mp4 --clip sunset.mov
  impress project list
  impress project export summer --out summer.yaml    # edit it, then:
  impress project apply summer.yaml
  impress project rm summer`,
	}, newProjectNewCmd(f, nil), newProjectListCmd(f, nil), newProjectShowCmd(f, nil), newProjectRmCmd(f, nil),
		newProjectApplyCmd(f, nil), newProjectExportCmd(f, nil))
}

// projectNewOptions are `impress project new`'s inputs.
type projectNewOptions struct {
	baseOptions
	Name   string
	Preset string
	Clips  []string
}

func newProjectNewCmd(f *Factory, runF func(context.Context, *projectNewOptions) error) *cobra.Command {
	o := &projectNewOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "new NAME [--preset P] [--clip FILE]…", Short: "Create a project, optionally with clips", Args: exactArgs(1)}
	cmd.Flags().StringVar(&o.Preset, "preset", "", "output preset: reels | story | feed | square | preview (default reels)")
	cmd.Flags().StringArrayVar(&o.Clips, "clip", nil, "a video or image to put on the timeline (repeatable, in order)")
	return runWith(cmd, o, "print the project as JSON", runF, runProjectNew, firstArg(&o.Name))
}

func runProjectNew(ctx context.Context, o *projectNewOptions) error {
	abs, err := absPaths(o.Clips)
	if err != nil {
		return err
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	p, err := c.CreateProject(ctx, api.NewProjectRequest{Name: o.Name, Preset: o.Preset, Clips: abs})
	if err != nil {
		return err
	}
	return o.printResult(p, p.Name)
}

// projectListOptions are `impress project list`'s inputs.
type projectListOptions struct{ baseOptions }

func newProjectListCmd(f *Factory, runF func(context.Context, *projectListOptions) error) *cobra.Command {
	o := &projectListOptions{f.base()}
	cmd := &cobra.Command{Use: "list", Short: "List projects", Args: noArgs}
	return runWith(cmd, o, "print as a JSON array", runF, runProjectList, nil)
}

func runProjectList(ctx context.Context, o *projectListOptions) error {
	if o.JSON {
		// --json prints every project with its assets, as documented.
		return fetchShow(ctx, &o.baseOptions,
			func(ctx context.Context, c *api.Client) ([]api.Project, error) { return nonNil(c.Projects(ctx)) },
			func([]api.Project) error { return nil })
	}
	// The table shows only an asset count: the daemon's summary view is a
	// tenth of the bytes to encode, send and decode.
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.ProjectSummary, error) {
			return nonNil(c.ProjectSummaries(ctx))
		},
		func(ps []api.ProjectSummary) error {
			return listTable(o.IO, ps, "no projects; create one with `impress project new NAME` or `impress project apply SPEC`",
				[]string{"NAME", "PRESET", "CLIPS", "LENGTH", "ASSETS", "UPDATED"}, func(p api.ProjectSummary) []string {
					return []string{p.Name, p.Preset, fmt.Sprint(p.Clips), seconds(p.Duration), fmt.Sprint(p.Assets), ago(p.UpdatedAt)}
				})
		})
}

func seconds(s float64) string {
	if s <= 0 {
		return "-"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", s), "0"), ".") + "s"
}

// projectShowOptions are `impress project show`'s inputs.
type projectShowOptions struct {
	baseOptions
	Name string
	Spec bool
}

func newProjectShowCmd(f *Factory, runF func(context.Context, *projectShowOptions) error) *cobra.Command {
	o := &projectShowOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "show NAME", Short: "Show a project: timeline length, assets and spec", Args: exactArgs(1)}
	cmd.Flags().BoolVar(&o.Spec, "spec", false, "print only the spec (as impress project export does)")
	return runWith(cmd, o, "print as JSON (the spec included)", runF, runProjectShow, firstArg(&o.Name))
}

func runProjectShow(ctx context.Context, o *projectShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Project, error) { return c.Project(ctx, o.Name) },
		func(p *api.Project) error {
			if o.Spec {
				fmt.Fprint(o.IO.Out, p.Spec)
				return nil
			}
			table(o.IO.Out, nil, [][]string{
				{"name", p.Name}, {"preset", p.Preset}, {"clips", fmt.Sprint(p.Clips)}, {"length", seconds(p.Duration)},
				{"created", p.CreatedAt.Local().Format(detailTime)}, {"updated", p.UpdatedAt.Local().Format(detailTime)},
			})
			if len(p.Assets) > 0 {
				fmt.Fprintln(o.IO.Out)
				printAssets(o.IO, p.Assets)
			}
			return nil
		})
}

func printAssets(ios *IOStreams, as []api.Asset) {
	rows := make([][]string, 0, len(as))
	for _, a := range as {
		facts := []string{}
		if a.Width > 0 {
			facts = append(facts, fmt.Sprintf("%dx%d", a.Width, a.Height))
		}
		if a.Duration > 0 {
			facts = append(facts, seconds(a.Duration))
		}
		if a.VideoCodec != "" {
			facts = append(facts, a.VideoCodec)
		}
		if a.AudioCodec != "" {
			facts = append(facts, a.AudioCodec)
		}
		rows = append(rows, []string{a.SHA256[:12], a.Kind, a.Name, strings.Join(facts, " "), humanBytes(a.Size)})
	}
	table(ios.Out, []string{"SHA256", "KIND", "NAME", "FACTS", "SIZE"}, rows)
}

// projectRmOptions are `impress project rm`'s inputs.
type projectRmOptions struct {
	baseOptions
	Name string
}

func newProjectRmCmd(f *Factory, runF func(context.Context, *projectRmOptions) error) *cobra.Command {
	o := &projectRmOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "rm NAME", Short: "Remove a project (its media stay in the store for other projects and renders)", Args: exactArgs(1)}
	return runWith(cmd, o, "", runF, runProjectRm, firstArg(&o.Name))
}

func runProjectRm(ctx context.Context, o *projectRmOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	if err := c.DeleteProject(ctx, o.Name); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "removed project %s\n", o.Name)
	return nil
}

// projectApplyOptions are `impress project apply`'s inputs.
type projectApplyOptions struct {
	baseOptions
	Spec string
}

func newProjectApplyCmd(f *Factory, runF func(context.Context, *projectApplyOptions) error) *cobra.Command {
	o := &projectApplyOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "apply SPEC",
		Short: "Create or update the project a spec file names (idempotent)",
		Long: `apply reads a YAML or JSON spec, imports its media into the media store and
creates the project named by the spec's name, or updates it. Applying the
same spec again changes nothing. Media paths are relative to the spec file.`,
		Args: exactArgs(1),
	}
	return runWith(cmd, o, "print the result as JSON", runF, runProjectApply, firstArg(&o.Spec))
}

func runProjectApply(ctx context.Context, o *projectApplyOptions) error {
	abs, err := absPaths([]string{o.Spec})
	if err != nil {
		return err
	}
	if err := checkInputFile("spec "+o.Spec, abs[0]); err != nil {
		return err
	}
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.ApplyResult, error) {
			return c.ApplyProject(ctx, api.ApplyRequest{Path: abs[0], Display: o.Spec})
		},
		func(res *api.ApplyResult) error {
			out := o.IO.Out
			switch {
			case res.Created:
				fmt.Fprintf(out, "created project %s", res.Project.Name)
			case res.Changed:
				fmt.Fprintf(out, "updated project %s", res.Project.Name)
			default:
				fmt.Fprintf(out, "project %s unchanged", res.Project.Name)
			}
			if n := len(res.Imported); n > 0 {
				fmt.Fprintf(out, " (%d file(s) imported)", n)
			}
			fmt.Fprintln(out)
			return nil
		})
}

// projectExportOptions are `impress project export`'s inputs.
type projectExportOptions struct {
	baseOptions
	Name string
	Out  string
}

func newProjectExportCmd(f *Factory, runF func(context.Context, *projectExportOptions) error) *cobra.Command {
	o := &projectExportOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "export NAME [--out FILE]",
		Short: "Print a project's spec; `project apply` takes it back unchanged",
		Long: `export prints the project's spec as YAML. Media paths are absolute paths into
impress's media store, so the file works from any directory and applying it
again changes nothing (apply → export → apply is a fixed point).`,
		Args: exactArgs(1),
	}
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the spec to FILE instead of stdout")
	return runWith(cmd, o, "print {\"spec\": …} as JSON", runF, runProjectExport, firstArg(&o.Name))
}

func runProjectExport(ctx context.Context, o *projectExportOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	e, err := c.ExportProject(ctx, o.Name)
	if err != nil {
		return err
	}
	if o.Out != "" {
		if err := os.WriteFile(o.Out, []byte(e.Spec), 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if o.JSON {
			return writeJSON(o.IO.Out, map[string]string{"spec": e.Spec, "out": o.Out})
		}
		fmt.Fprintf(o.IO.ErrOut, "wrote %s\n", o.Out)
		return nil
	}
	if o.JSON {
		return writeJSON(o.IO.Out, e)
	}
	fmt.Fprint(o.IO.Out, e.Spec)
	return nil
}

func newAssetCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{Use: "asset", Short: "Import media into a project"}, newAssetAddCmd(f, nil))
}

// assetAddOptions are `impress asset add`'s inputs.
type assetAddOptions struct {
	baseOptions
	Project string
	Files   []string
	Append  bool
}

func newAssetAddCmd(f *Factory, runF func(context.Context, *assetAddOptions) error) *cobra.Command {
	o := &assetAddOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "add PROJECT FILE…",
		Short: "Probe and import media into a project (copied into the media store)",
		Long: `asset add checks that each file is media impress can use (refusing text,
playlists, empty or truncated files with exit 2), probes it, and copies it
into the content-addressed media store. With --append, videos and images
are also added to the end of the project's timeline. Subtitle files (.srt,
.vtt) are imported as captions.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return flagErrorf("%s needs a project and at least one file; see `%s --help`", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.Append, "append", false, "also add the videos and images to the end of the timeline")
	return runWith(cmd, o, "print the imported assets as JSON", runF, runAssetAdd, func(args []string) error {
		o.Project, o.Files = args[0], args[1:]
		return nil
	})
}

func runAssetAdd(ctx context.Context, o *assetAddOptions) error {
	abs, err := absPaths(o.Files)
	if err != nil {
		return err
	}
	for i, p := range abs {
		if err := checkInputFile(o.Files[i], p); err != nil {
			return err
		}
	}
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.AddAssetsResult, error) {
			return c.AddAssets(ctx, o.Project, api.AddAssetsRequest{Paths: abs, Append: o.Append})
		},
		func(res *api.AddAssetsResult) error {
			printAssets(o.IO, res.Assets)
			return nil
		})
}
