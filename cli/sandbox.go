package cli

import "github.com/spf13/cobra"

// sandboxCommands: not built yet; its issue replaces this file.
func sandboxCommands(f *Factory) []*cobra.Command { return nil }
