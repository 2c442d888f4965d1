package cli

import "github.com/spf13/cobra"

// newDemoCmd is `impress demo` (demo.go grows it).
func newDemoCmd(f *Factory) *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "The whole flow on the offline sandbox", Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error { return exitf(ExitFailure, "demo: not built yet") }}
}
