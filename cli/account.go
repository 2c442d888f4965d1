package cli

import (
	"context"
	"fmt"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

func newAccountCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Show or set the workspace's account profile",
	}
	cmd.AddCommand(newAccountShowCmd(f), newAccountSetCmd(f))
	return cmd
}

func newAccountShowCmd(f *Factory) *cobra.Command {
	return readCmd(f, &cobra.Command{
		Use:   "show",
		Short: "Show the account profile",
		Args:  noArgs,
	}, "print as JSON",
		func(ctx context.Context, c *api.Client, _ []string) (*api.Account, error) { return c.Account(ctx) },
		func(a *api.Account) error {
			printAccount(f, a)
			return nil
		})
}

func printAccount(f *Factory, a *api.Account) {
	table(f.IO.Out, nil, [][]string{
		{"email", orNone(a.Email)}, {"company", orNone(a.Company)}, {"store", orNone(a.Store)}, {"contact", orNone(a.Contact)},
	})
}

func newAccountSetCmd(f *Factory) *cobra.Command {
	var asJSON bool
	var email, company, storeName, contact string
	cmd := &cobra.Command{
		Use:     "set",
		Short:   "Set fields of the account profile",
		Example: `  impress account set --email me@example.com --company "ACME Ltd"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var u api.AccountUpdate
			fl := cmd.Flags()
			if fl.Changed("email") {
				u.Email = &email
			}
			if fl.Changed("company") {
				u.Company = &company
			}
			if fl.Changed("store") {
				u.Store = &storeName
			}
			if fl.Changed("contact") {
				u.Contact = &contact
			}
			if u == (api.AccountUpdate{}) {
				return flagErrorf("nothing to set: give at least one of --email, --company, --store, --contact")
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			a, err := c.UpdateAccount(cmd.Context(), u)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(f.IO.Out, a)
			}
			fmt.Fprintln(f.IO.ErrOut, "account updated")
			printAccount(f, a)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&email, "email", "", "contact e-mail")
	fl.StringVar(&company, "company", "", "company name")
	fl.StringVar(&storeName, "store", "", "store or brand name")
	fl.StringVar(&contact, "contact", "", "contact person or phone")
	fl.BoolVar(&asJSON, "json", false, "print the profile as JSON")
	return cmd
}
