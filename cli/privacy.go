package cli

import "github.com/spf13/cobra"

// privacyCommands: not built yet; its issue replaces this file.
func privacyCommands(f *Factory) []*cobra.Command { return nil }
