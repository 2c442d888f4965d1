package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manOptions are `impress __man`'s inputs: the tree to document and where.
type manOptions struct {
	baseOptions
	Dir     string
	Root    *cobra.Command
	Version string
}

// newManCmd is the hidden `impress __man DIR` that writes one man page per
// command (impress.1, impress-daemon-run.1, …) from the cobra tree, so the
// pages can never drift from the flags. `make man` and goreleaser's before
// hooks call it; users never need to. Hidden commands (this one included)
// get no page.
func newManCmd(f *Factory, runF func(context.Context, *manOptions) error) *cobra.Command {
	o := &manOptions{baseOptions: f.base(), Version: f.Version}
	cmd := &cobra.Command{Use: "__man DIR", Short: "Write man pages for every command into DIR", Hidden: true, Args: exactArgs(1)}
	return runWith(cmd, o, "", runF, runMan, func(args []string) error {
		o.Dir, o.Root = args[0], cmd.Root()
		return nil
	})
}

func runMan(ctx context.Context, o *manOptions) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	// No "Auto generated" footer with today's date: pages stay
	// byte-identical between runs. The header date honours
	// SOURCE_DATE_EPOCH (cobra/doc) for reproducible releases.
	o.Root.DisableAutoGenTag = true
	header := &doc.GenManHeader{
		Title:   "IMPRESS",
		Section: "1",
		Source:  "impress " + o.Version,
		Manual:  "impress manual",
	}
	if err := doc.GenManTree(o.Root, header, o.Dir); err != nil {
		return fmt.Errorf("man pages: write to %s: %w", o.Dir, err)
	}
	return nil
}
