package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/tui"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

func editCommands(f *Factory) []*cobra.Command { return []*cobra.Command{newEditCmd(f, nil)} }

// editOptions are `impress edit`'s inputs.
type editOptions struct {
	baseOptions
	Env        func(string) string
	Project    string
	Connection string
}

func newEditCmd(f *Factory, runF func(context.Context, *editOptions) error) *cobra.Command {
	o := &editOptions{baseOptions: f.base(), Env: f.Env}
	cmd := &cobra.Command{
		Use:   "edit [PROJECT]",
		Short: "Edit projects in the terminal: timeline, preview, render, publish, inbox",
		Long: `Open the terminal editor. With PROJECT it opens that project's timeline,
otherwise the project list.

The editor saves every change to the daemon at once (the spec stays what
` + "`impress project export`" + ` prints), and undo (u) and redo (ctrl+r) walk the
changes back and forth. Press ? for every key.

Environment: IMPRESS_PLAYER is the command line of a video player used to
play low-resolution preview renders (e.g. "mpv --loop"); NO_COLOR draws
preview stills in ASCII shades.`,
		Example: `  impress edit                    # the project list
  impress edit summer             # summer's timeline
  IMPRESS_PLAYER="mpv --loop" impress edit summer --connection brand`,
		Args: cobra.MaximumNArgs(1),
	}
	cmd.Flags().StringVar(&o.Connection, "connection", "", "Instagram connection for publishing and the inbox (default: the only one, else \"default\")")
	return runWith(cmd, o, "", runF, runEdit, func(args []string) error {
		if len(args) == 1 {
			o.Project = args[0]
		}
		return nil
	})
}

func runEdit(ctx context.Context, o *editOptions) error {
	if !o.IO.IsStdoutTTY() || !o.IO.CanPrompt() {
		return exitf(ExitUsage, "impress edit needs an interactive terminal (stdin, stdout and stderr a TTY, CI unset); script the same work with `impress project`, `impress render` and `impress publish`")
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	dir, _ := os.Getwd()
	opts := tui.Options{Project: o.Project, StartDir: dir, Connection: o.Connection, Outputs: o.IO.Out}
	if o.Env("NO_COLOR") != "" {
		opts.Color = tui.ColorNone
	}
	if p := strings.Fields(o.Env("IMPRESS_PLAYER")); len(p) > 0 {
		opts.Player = p
	}
	return tui.Run(ctx, &editClient{Client: c}, opts, tea.WithInput(o.IO.In), tea.WithOutput(o.IO.Out))
}

// editClient is *api.Client as the editor needs it: the spec travels as
// api.Spec, decoded from the YAML `project export` prints and saved back
// with `project apply` (from a private temporary file), so the editor and
// the CLI store specs through one code path.
type editClient struct {
	*api.Client
}

var _ tui.Client = (*editClient)(nil)

// ProjectSpec returns a project and its decoded spec.
func (e *editClient) ProjectSpec(ctx context.Context, name string) (*api.Project, *api.Spec, error) {
	p, err := e.Project(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	s, err := decodeSpecYAML([]byte(p.Spec))
	if err != nil {
		return nil, nil, fmt.Errorf("project %s: %w", name, err)
	}
	return p, s, nil
}

// SaveSpec applies s as the project it names.
func (e *editClient) SaveSpec(ctx context.Context, s *api.Spec) (*api.Project, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("save spec: %w", err)
	}
	f, err := os.CreateTemp("", "impress-edit-*.json")
	if err != nil {
		return nil, fmt.Errorf("save spec: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("save spec: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("save spec: %w", err)
	}
	res, err := e.ApplyProject(ctx, api.ApplyRequest{Path: f.Name(), Display: "the editor's spec of " + s.Name})
	if err != nil {
		return nil, err
	}
	return &res.Project, nil
}

// decodeSpecYAML reads an exported spec into api.Spec. It goes through
// JSON so that api stays free of a YAML dependency, and refuses keys
// api.Spec does not know: saving would silently drop them otherwise.
func decodeSpecYAML(b []byte) (*api.Spec, error) {
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var s api.Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec has something the editor cannot keep (update impress): %w", err)
	}
	return &s, nil
}
