package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd is the hidden `impress __man DIR` that writes one man page per
// command (impress.1, impress-daemon-run.1, …) from the cobra tree, so the
// pages can never drift from the flags. `make man` and goreleaser's before
// hooks call it; users never need to. Hidden commands (this one included)
// get no page.
func newManCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "__man DIR",
		Short:  "Write man pages for every command into DIR",
		Hidden: true,
		Args:   exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			root := cmd.Root()
			// No "Auto generated" footer with today's date: pages stay
			// byte-identical between runs. The header date honours
			// SOURCE_DATE_EPOCH (cobra/doc) for reproducible releases.
			root.DisableAutoGenTag = true
			header := &doc.GenManHeader{
				Title:   "IMPRESS",
				Section: "1",
				Source:  "impress " + f.Version,
				Manual:  "impress manual",
			}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("man pages: write to %s: %w", dir, err)
			}
			return nil
		},
	}
}
