package cli

import "github.com/spf13/cobra"

// renderCommands: not built yet; its issue replaces this file.
func renderCommands(f *Factory) []*cobra.Command { return nil }
