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
	cmd := &cobra.Command{
		Use:   "project",
		Short: "Create, list, show, remove, apply and export projects",
		Long: `A project is a spec (clips, texts, captions, music, cover, publish defaults)
plus the media imported into it. Imported media are copied into a
content-addressed store under the data directory, so a project renders the
same bytes even after you move or edit the originals.`,
	}
	cmd.AddCommand(newProjectNewCmd(f), newProjectListCmd(f), newProjectShowCmd(f), newProjectRmCmd(f),
		newProjectApplyCmd(f), newProjectExportCmd(f))
	return cmd
}

func newProjectNewCmd(f *Factory) *cobra.Command {
	var asJSON bool
	var preset string
	var clips []string
	cmd := &cobra.Command{
		Use:   "new NAME [--preset P] [--clip FILE]…",
		Short: "Create a project, optionally with clips",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			abs, err := absPaths(clips)
			if err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			p, err := c.CreateProject(cmd.Context(), api.NewProjectRequest{Name: args[0], Preset: preset, Clips: abs})
			if err != nil {
				return err
			}
			return printResult(f, asJSON, p, p.Name)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the project as JSON")
	cmd.Flags().StringVar(&preset, "preset", "", "output preset: reels | story | feed | square | preview (default reels)")
	cmd.Flags().StringArrayVar(&clips, "clip", nil, "a video or image to put on the timeline (repeatable, in order)")
	return cmd
}

func newProjectListCmd(f *Factory) *cobra.Command {
	return readCmd(f, &cobra.Command{
		Use:   "list",
		Short: "List projects",
		Args:  noArgs,
	}, "print as a JSON array",
		func(ctx context.Context, c *api.Client, _ []string) ([]api.Project, error) {
			ps, err := c.Projects(ctx)
			if err == nil && ps == nil {
				ps = []api.Project{} // JSON: [], not null
			}
			return ps, err
		},
		func(ps []api.Project) error {
			if len(ps) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "no projects; create one with `impress project new NAME` or `impress project apply SPEC`")
				return nil
			}
			rows := make([][]string, 0, len(ps))
			for _, p := range ps {
				rows = append(rows, []string{p.Name, p.Preset, fmt.Sprint(p.Clips), seconds(p.Duration), fmt.Sprint(len(p.Assets)), ago(p.UpdatedAt)})
			}
			return table(f.IO.Out, []string{"NAME", "PRESET", "CLIPS", "LENGTH", "ASSETS", "UPDATED"}, rows)
		})
}

func seconds(s float64) string {
	if s <= 0 {
		return "-"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", s), "0"), ".") + "s"
}

func newProjectShowCmd(f *Factory) *cobra.Command {
	var spec bool
	cmd := readCmd(f, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a project: timeline length, assets and spec",
		Args:  exactArgs(1),
	}, "print as JSON (the spec included)",
		func(ctx context.Context, c *api.Client, args []string) (*api.Project, error) {
			return c.Project(ctx, args[0])
		},
		func(p *api.Project) error {
			if spec {
				fmt.Fprint(f.IO.Out, p.Spec)
				return nil
			}
			table(f.IO.Out, nil, [][]string{
				{"name", p.Name}, {"preset", p.Preset}, {"clips", fmt.Sprint(p.Clips)}, {"length", seconds(p.Duration)},
				{"created", p.CreatedAt.Local().Format(detailTime)}, {"updated", p.UpdatedAt.Local().Format(detailTime)},
			})
			if len(p.Assets) > 0 {
				fmt.Fprintln(f.IO.Out)
				printAssets(f, p.Assets)
			}
			return nil
		})
	cmd.Flags().BoolVar(&spec, "spec", false, "print only the spec (as impress project export does)")
	return cmd
}

func printAssets(f *Factory, as []api.Asset) {
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
	table(f.IO.Out, []string{"SHA256", "KIND", "NAME", "FACTS", "SIZE"}, rows)
}

func newProjectRmCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a project (its media stay in the store for other projects and renders)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.DeleteProject(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "removed project %s\n", args[0])
			return nil
		},
	}
	return cmd
}

func newProjectApplyCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "apply SPEC",
		Short: "Create or update the project a spec file names (idempotent)",
		Long: `apply reads a YAML or JSON spec, imports its media into the media store and
creates the project named by the spec's name, or updates it. Applying the
same spec again changes nothing. Media paths are relative to the spec file.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			abs, err := absPaths(args)
			if err != nil {
				return err
			}
			if _, err := os.Stat(abs[0]); err != nil {
				return exitf(ExitUsage, "spec %s: %v", args[0], unwrapPathErr(err))
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := c.ApplyProject(cmd.Context(), api.ApplyRequest{Path: abs[0], Display: args[0]})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(f.IO.Out, res)
			}
			switch {
			case res.Created:
				fmt.Fprintf(f.IO.Out, "created project %s", res.Project.Name)
			case res.Changed:
				fmt.Fprintf(f.IO.Out, "updated project %s", res.Project.Name)
			default:
				fmt.Fprintf(f.IO.Out, "project %s unchanged", res.Project.Name)
			}
			if n := len(res.Imported); n > 0 {
				fmt.Fprintf(f.IO.Out, " (%d file(s) imported)", n)
			}
			fmt.Fprintln(f.IO.Out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func newProjectExportCmd(f *Factory) *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "export NAME [--out FILE]",
		Short: "Print a project's spec; `project apply` takes it back unchanged",
		Long: `export prints the project's spec as YAML. Media paths are absolute paths into
impress's media store, so the file works from any directory and applying it
again changes nothing (apply → export → apply is a fixed point).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			e, err := c.ExportProject(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, []byte(e.Spec), 0o644); err != nil {
					return fmt.Errorf("export: %w", err)
				}
				if asJSON {
					return writeJSON(f.IO.Out, map[string]string{"spec": e.Spec, "out": out})
				}
				fmt.Fprintf(f.IO.ErrOut, "wrote %s\n", out)
				return nil
			}
			if asJSON {
				return writeJSON(f.IO.Out, e)
			}
			fmt.Fprint(f.IO.Out, e.Spec)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the spec to FILE instead of stdout")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {\"spec\": …} as JSON")
	return cmd
}

func newAssetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "asset",
		Short: "Import media into a project",
	}
	cmd.AddCommand(newAssetAddCmd(f))
	return cmd
}

func newAssetAddCmd(f *Factory) *cobra.Command {
	var asJSON, appendClips bool
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
		RunE: func(cmd *cobra.Command, args []string) error {
			abs, err := absPaths(args[1:])
			if err != nil {
				return err
			}
			for i, p := range abs {
				if _, err := os.Stat(p); err != nil {
					return exitf(ExitUsage, "%s: %v", args[1+i], unwrapPathErr(err))
				}
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := c.AddAssets(cmd.Context(), args[0], api.AddAssetsRequest{Paths: abs, Append: appendClips})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(f.IO.Out, res)
			}
			printAssets(f, res.Assets)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the imported assets as JSON")
	cmd.Flags().BoolVar(&appendClips, "append", false, "also add the videos and images to the end of the timeline")
	return cmd
}
