package cli

import (
	"context"
	"fmt"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

func newAccountCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{Use: "account", Short: "Show or set the workspace's account profile"}, newAccountShowCmd(f, nil), newAccountSetCmd(f, nil))
}

// accountShowOptions are `impress account show`'s inputs.
type accountShowOptions struct{ baseOptions }

func newAccountShowCmd(f *Factory, runF func(context.Context, *accountShowOptions) error) *cobra.Command {
	o := &accountShowOptions{f.base()}
	cmd := &cobra.Command{Use: "show", Short: "Show the account profile", Args: noArgs}
	return runWith(cmd, o, "print as JSON", runF, runAccountShow, nil)
}

func runAccountShow(ctx context.Context, o *accountShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Account, error) { return c.Account(ctx) },
		func(a *api.Account) error {
			printAccount(o.IO, a)
			return nil
		})
}

func printAccount(ios *IOStreams, a *api.Account) {
	table(ios.Out, nil, [][]string{
		{"email", orNone(a.Email)}, {"company", orNone(a.Company)}, {"store", orNone(a.Store)}, {"contact", orNone(a.Contact)},
	})
}

// accountSetOptions are `impress account set`'s inputs: the fields given.
type accountSetOptions struct {
	baseOptions
	Update api.AccountUpdate
}

func newAccountSetCmd(f *Factory, runF func(context.Context, *accountSetOptions) error) *cobra.Command {
	o := &accountSetOptions{baseOptions: f.base()}
	var email, company, storeName, contact string
	cmd := &cobra.Command{
		Use:     "set",
		Short:   "Set fields of the account profile",
		Example: `  impress account set --email me@example.com --company "ACME Ltd"`,
		Args:    noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&email, "email", "", "contact e-mail")
	fl.StringVar(&company, "company", "", "company name")
	fl.StringVar(&storeName, "store", "", "store or brand name")
	fl.StringVar(&contact, "contact", "", "contact person or phone")
	return runWith(cmd, o, "print the profile as JSON", runF, runAccountSet, func([]string) error {
		// Only the fields given change: an empty --company clears it.
		if fl.Changed("email") {
			o.Update.Email = &email
		}
		if fl.Changed("company") {
			o.Update.Company = &company
		}
		if fl.Changed("store") {
			o.Update.Store = &storeName
		}
		if fl.Changed("contact") {
			o.Update.Contact = &contact
		}
		if o.Update == (api.AccountUpdate{}) {
			return flagErrorf("nothing to set: give at least one of --email, --company, --store, --contact")
		}
		return nil
	})
}

func runAccountSet(ctx context.Context, o *accountSetOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Account, error) { return c.UpdateAccount(ctx, o.Update) },
		func(a *api.Account) error {
			fmt.Fprintln(o.IO.ErrOut, "account updated")
			printAccount(o.IO, a)
			return nil
		})
}
