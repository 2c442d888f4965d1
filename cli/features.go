package cli

import "github.com/spf13/cobra"

// addFeatureCommands adds the commands of each feature, one file per noun.
// Features not built yet add nothing.
func addFeatureCommands(f *Factory, root *cobra.Command) {
	for _, add := range []func(*Factory) []*cobra.Command{
		renderCommands,
		authCommands,
		publishCommands,
		communityCommands,
		privacyCommands,
		sandboxCommands,
		editCommands,
	} {
		root.AddCommand(add(f)...)
	}
}
