package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/spf13/cobra"
)

// versionOptions are `impress version`'s inputs.
type versionOptions struct {
	baseOptions
	Paths   func() (config.Paths, error)
	Version string
}

func newVersionCmd(f *Factory, runF func(context.Context, *versionOptions) error) *cobra.Command {
	o := &versionOptions{baseOptions: f.base(), Paths: f.Paths, Version: f.Version}
	cmd := &cobra.Command{Use: "version", Short: "Print the CLI and daemon versions (warns on a mismatch)", Args: noArgs}
	return runWith(cmd, o, "print as JSON", runF, runVersion, nil)
}

func runVersion(ctx context.Context, o *versionOptions) error {
	out := struct {
		CLI    string `json:"cli"`
		Daemon string `json:"daemon,omitempty"`
		Match  bool   `json:"match"`
	}{CLI: o.Version}
	// Never auto-start just to print a version.
	if p, err := o.Paths(); err == nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if ping, err := api.NewClient(p.Socket).Ping(pctx); err == nil {
			out.Daemon = ping.Version
		}
		cancel()
	}
	out.Match = out.Daemon == "" || out.Daemon == out.CLI
	if o.JSON {
		return writeJSON(o.IO.Out, out)
	}
	fmt.Fprintf(o.IO.Out, "impress %s\n", out.CLI)
	if out.Daemon != "" {
		fmt.Fprintf(o.IO.Out, "daemon  %s\n", out.Daemon)
	} else {
		fmt.Fprintln(o.IO.Out, "daemon  not running")
	}
	if !out.Match {
		fmt.Fprintln(o.IO.ErrOut, "warning: CLI and daemon versions differ; restart the daemon with `impress daemon stop`")
	}
	return nil
}
