package cli

import "github.com/spf13/cobra"

// editCommands: not built yet; its issue replaces this file.
func editCommands(f *Factory) []*cobra.Command { return nil }
