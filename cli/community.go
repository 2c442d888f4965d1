package cli

import "github.com/spf13/cobra"

// communityCommands: not built yet; its issue replaces this file.
func communityCommands(f *Factory) []*cobra.Command { return nil }
