package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

func newVersionCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the CLI and daemon versions (warns on a mismatch)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := struct {
				CLI    string `json:"cli"`
				Daemon string `json:"daemon,omitempty"`
				Match  bool   `json:"match"`
			}{CLI: f.Version}
			// Never auto-start just to print a version.
			if p, err := f.Paths(); err == nil {
				ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Second)
				if ping, err := api.NewClient(p.Socket).Ping(ctx); err == nil {
					out.Daemon = ping.Version
				}
				cancel()
			}
			out.Match = out.Daemon == "" || out.Daemon == out.CLI
			if asJSON {
				return writeJSON(f.IO.Out, out)
			}
			fmt.Fprintf(f.IO.Out, "impress %s\n", out.CLI)
			if out.Daemon != "" {
				fmt.Fprintf(f.IO.Out, "daemon  %s\n", out.Daemon)
			} else {
				fmt.Fprintln(f.IO.Out, "daemon  not running")
			}
			if !out.Match {
				fmt.Fprintln(f.IO.ErrOut, "warning: CLI and daemon versions differ; restart the daemon with `impress daemon stop`")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
