package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/safeopen"
	"github.com/spf13/cobra"
)

// renderCommands are the render feature's nouns: projects, assets,
// renders and validation.
func renderCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{newProjectCmd(f), newAssetCmd(f), newRenderCmd(f, nil), newValidateCmd(f, nil)}
}

// target is what a TARGET argument names.
type target struct {
	project, spec, media string
	display              string
}

// resolveTarget decides what TARGET is: an existing file (a spec when it
// ends in .yaml, .yml or .json, media otherwise) wins over a project of
// the same name; something that looks like a path but does not exist is
// a usage error rather than an unknown project.
func resolveTarget(arg string) (target, error) {
	t := target{display: arg}
	if arg == "" {
		return t, flagErrorf("empty TARGET")
	}
	if fi, err := os.Stat(arg); err == nil {
		if fi.IsDir() {
			return t, exitf(ExitUsage, "%s is a directory; name a project, a spec file or a media file", arg)
		}
		// a FIFO or a device would block whoever opens it: refused here,
		// and by the daemon, which opens nothing without the same check
		if !fi.Mode().IsRegular() {
			return t, exitf(ExitUsage, "%s is %s; name a project, a spec file or a media file", arg, safeopen.Describe(fi.Mode()))
		}
		if hint := specExtHint(arg); hint != "" {
			return t, exitf(ExitUsage, "%s: %s", arg, hint)
		}
		abs, err := filepath.Abs(arg)
		if err != nil {
			return t, exitf(ExitUsage, "%s: %v", arg, err)
		}
		if isSpecFile(arg) {
			t.spec = abs
		} else {
			t.media = abs
		}
		return t, nil
	}
	if strings.ContainsRune(arg, filepath.Separator) || isSpecFile(arg) || hasMediaExt(arg) {
		return t, exitf(ExitUsage, "%s: no such file", arg)
	}
	t.project = arg
	return t, nil
}

func isSpecFile(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// checkInputFile refuses (exit 2) a file argument that is missing or is
// not a regular file: a FIFO or a device would block whoever opens it.
// display is how the user named it.
func checkInputFile(display, abs string) error {
	if _, err := safeopen.Check(abs, safeopen.Options{}); err != nil {
		var se *safeopen.Error
		if errors.As(err, &se) {
			return exitf(ExitUsage, "%s: %s", display, se.Reason)
		}
		return exitf(ExitUsage, "%s: %v", display, err)
	}
	return nil
}

// specExtHint explains a file that looks like another tool's spec: editly
// writes .json5, others YAML or TOML under other names. impress reads
// YAML and JSON under their own extensions only.
func specExtHint(p string) string {
	switch ext := strings.ToLower(filepath.Ext(p)); ext {
	case ".json5", ".jsonc", ".toml", ".yamlc", ".spec", ".txt":
		return fmt.Sprintf("%s files are not impress specs or media; a spec is YAML or JSON ending in .yaml, .yml or .json (an editly .json5 file must be rewritten as an impress spec: see README, Project spec)", ext)
	}
	return ""
}

func hasMediaExt(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".ts", ".jpg", ".jpeg", ".png", ".webp",
		".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".srt", ".vtt":
		return true
	}
	return false
}

// renderOptions are `impress render`'s inputs.
type renderOptions struct {
	baseOptions
	Target   string
	Out      string
	Preset   string
	Preview  bool
	NoCache  bool
	Progress string
}

func newRenderCmd(f *Factory, runF func(context.Context, *renderOptions) error) *cobra.Command {
	o := &renderOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "render TARGET [--out FILE] [--preview]",
		Short: "Render a project, a spec file or a media file to Instagram's specs",
		Long: `render turns TARGET into an MP4 that meets Instagram's rules. TARGET is a
project name, a spec file (.yaml, .yml, .json) or a media file; a media file
is normalised to the preset, or only remuxed when it already meets it.

Renders run in the daemon, one at a time by default (render.concurrency).
An unchanged spec with unchanged media returns the cached render at once.
Every render is validated before it is kept: a violation fails it (exit 5)
with each broken rule listed. Ctrl-C cancels the render and keeps nothing.

The output path is printed on stdout; --json prints the whole result.`,
		Example: `  impress render summer                        # a project
  impress render spec.yaml --out final.mp4
  impress render raw.mov --preset story          # normalise a file for a story
  impress render summer --preview --progress json`,
		Args: exactArgs(1),
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Out, "out", "o", "", "also write the result to FILE (or into a directory)")
	fl.StringVar(&o.Preset, "preset", "", "override the preset: reels | story | feed | square | preview (media default: reels)")
	fl.BoolVar(&o.Preview, "preview", false, "render the half-size, fast preview of the preset")
	fl.BoolVar(&o.NoCache, "no-cache", false, "render even when the cache holds the result")
	addProgressFlag(cmd, &o.Progress, "progress on stderr: auto (a bar on a TTY) | json (NDJSON) | none")
	return runWith(cmd, o, "print the result as JSON on stdout", runF, runRender, func(args []string) error {
		o.Target = args[0]
		return checkProgress(o.Progress)
	})
}

func runRender(ctx context.Context, o *renderOptions) error {
	t, err := resolveTarget(o.Target)
	if err != nil {
		return err
	}
	req := api.RenderRequest{Project: t.project, Spec: t.spec, Media: t.media, Preset: o.Preset,
		Preview: o.Preview, NoCache: o.NoCache, Display: t.display}
	if o.Out != "" {
		if req.Out, err = filepath.Abs(o.Out); err != nil {
			return exitf(ExitUsage, "--out %s: %v", o.Out, err)
		}
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	res, err := renderAndWait(ctx, &o.baseOptions, c, req, o.Progress)
	if res != nil && o.JSON {
		// The result is the answer, a failed one too (its violations):
		// the exit code says how it ended, and nothing follows the one
		// JSON document (as with publish --json).
		if werr := writeJSON(o.IO.Out, res); werr != nil {
			return werr
		}
		return silentAfterJSON(err)
	}
	if err != nil {
		return err
	}
	if !o.JSON {
		printRenderResult(o.IO, res)
	}
	return nil
}

// renderAndWait starts a render and follows its job. On failure the
// result is returned too when the job has one (a validation failure
// carries its violations).
func renderAndWait(ctx context.Context, o *baseOptions, c *api.Client, req api.RenderRequest, progress string) (*api.RenderResult, error) {
	// Sent again only when it never reached the daemon: a second copy of
	// a queued render would render twice.
	start, err := submitAgain(ctx, o, false, func() (*api.RenderStart, error) { return c.StartRender(ctx, req) })
	if err != nil {
		return nil, err
	}
	if start.Result != nil {
		return start.Result, nil
	}
	if start.Job == nil {
		return nil, errors.New("render: the daemon answered neither a job nor a result")
	}
	j, err := followJob(ctx, o, c, start.Job.ID, progress)
	res := api.ResultOf(j)
	if err != nil {
		return res, err
	}
	if res == nil {
		return nil, fmt.Errorf("render: job %s ended without a result; see `impress jobs show %s`", start.Job.ID, start.Job.ID)
	}
	return res, nil
}

func printRenderResult(ios *IOStreams, r *api.RenderResult) {
	path := r.Output
	if r.Out != "" {
		path = r.Out
	}
	fmt.Fprintln(ios.Out, path)
	how := fmt.Sprintf("rendered in %.1fs", r.Elapsed)
	switch {
	case r.Cached:
		how = "from the render cache"
	case r.Remuxed:
		how = fmt.Sprintf("remuxed without re-encoding in %.1fs", r.Elapsed)
	}
	audio := r.AudioCodec
	if audio == "" {
		audio = "no audio"
	}
	fmt.Fprintf(ios.ErrOut, "%s: %dx%d %.4g fps %s/%s, %s, %s (%s)\n", r.Preset, r.Width, r.Height, r.FPS,
		r.VideoCodec, audio, seconds(r.Duration), humanBytes(r.Size), how)
	printWarnings(ios.ErrOut, r.Warnings)
}

// printWarnings lists layout warnings (text under Instagram's UI, text
// cut short), one a line.
func printWarnings(w io.Writer, ws []api.Warning) {
	for _, x := range ws {
		fmt.Fprintf(w, "warning: %s\n", x.String())
	}
}

// validateOptions are `impress validate`'s inputs.
type validateOptions struct {
	baseOptions
	Target   string
	Type     string
	Progress string
}

func newValidateCmd(f *Factory, runF func(context.Context, *validateOptions) error) *cobra.Command {
	o := &validateOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "validate TARGET [--type reel|story|image|carousel]",
		Short: "Check a media file, spec or project against Instagram's rules",
		Long: `validate checks TARGET against Instagram's media and caption rules and lists
every violation with the rule it breaks: container, codecs, pixel format,
frame rate, size, duration, file size, audio, moov position, edit lists, and
for images JPEG, size and aspect. A spec or project is checked through its
render (from the cache, or rendered first). Exit 0 when publishable, 5 when
not. What ` + "`impress render` and `impress publish`" + ` fix by themselves in a
media file (moov after mdat, edit lists) is listed apart, as fixed
automatically, and is no violation.`,
		Args: exactArgs(1),
	}
	cmd.Flags().StringVar(&o.Type, "type", "", "what it will be published as: reel | story | image | carousel (default from the spec or the file)")
	addProgressFlag(cmd, &o.Progress, "progress of a render it needs: auto | json | none")
	return runWith(cmd, o, "print the result as JSON", runF, runValidate, firstArg(&o.Target))
}

func runValidate(ctx context.Context, o *validateOptions) error {
	t, err := resolveTarget(o.Target)
	if err != nil {
		return err
	}
	req := api.ValidateRequest{Project: t.project, Path: t.spec + t.media, Type: o.Type, Display: t.display}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	v, err := c.Validate(ctx, req)
	if err != nil {
		return err
	}
	if v.Job != nil {
		j, werr := followJob(ctx, &o.baseOptions, c, v.Job.ID, o.Progress)
		if werr != nil {
			// A render that breaks the rules is the answer itself.
			res := api.ResultOf(j)
			if res == nil || len(res.Violations) == 0 {
				return werr
			}
			v = &api.Validation{Target: v.Target, Type: v.Type, Violations: res.Violations, AutoFixed: []api.Violation{}, Warnings: res.Warnings}
		} else if v, err = c.Validate(ctx, req); err != nil {
			return err
		}
	}
	if err := o.show(v, func() { printValidation(o.IO.Out, v) }); err != nil {
		return err
	}
	if !v.OK {
		return errSilent{code: ExitRejected}
	}
	return nil
}

func printValidation(w io.Writer, v *api.Validation) {
	defer printWarnings(w, v.Warnings)
	defer printAutoFixed(w, v.AutoFixed)
	if v.OK {
		fmt.Fprintf(w, "OK    %s is publishable as a %s\n", v.Target, v.Type)
		return
	}
	fmt.Fprintf(w, "FAIL  %s is not publishable as a %s (%d violation(s)):\n", v.Target, v.Type, len(v.Violations))
	for _, vi := range v.Violations {
		fmt.Fprintf(w, "  %s\n", vi.String())
	}
}

// printAutoFixed lists what render and publish fix by themselves, apart
// from the violations: nothing to do about them.
func printAutoFixed(w io.Writer, fixed []api.Violation) {
	if len(fixed) == 0 {
		return
	}
	fmt.Fprintf(w, "fixed automatically when you render or publish it (%d):\n", len(fixed))
	for _, vi := range fixed {
		fmt.Fprintf(w, "  %s\n", vi.String())
	}
}
