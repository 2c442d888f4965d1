package cli

import "github.com/spf13/cobra"

// authCommands: not built yet; its issue replaces this file.
func authCommands(f *Factory) []*cobra.Command { return nil }
