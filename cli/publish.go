package cli

import "github.com/spf13/cobra"

// publishCommands: not built yet; its issue replaces this file.
func publishCommands(f *Factory) []*cobra.Command { return nil }
