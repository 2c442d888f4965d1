package cli

import (
	"context"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// What a purge does besides deleting (its effects), and the review of a
// receipt whose scan found something: `impress privacy requests rescan`
// and `ack`.

// effectLine says one thing a purge does besides deleting, for people:
// "Cancelled: 2 scheduled post(s) are cancelled …".
func effectLine(fx api.PurgeEffect) string {
	label := map[string]string{api.EffectCancelled: "Cancels", api.EffectDeleted: "Also deletes", api.EffectKept: "Keeps"}[fx.Action]
	if label == "" {
		label = fx.Action
	}
	return label + ": " + fx.Note
}

// requestsRescanOptions are `impress privacy requests rescan`'s inputs.
type requestsRescanOptions struct {
	baseOptions
	Code string
}

func newRequestsRescanCmd(f *Factory, runF func(context.Context, *requestsRescanOptions) error) *cobra.Command {
	o := &requestsRescanOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "rescan CODE",
		Short: "Scan every file again for what a purge removed",
		Long: `Scan every file impress wrote again for what the purge CODE removed, and
record the result in its receipt. Use it after removing what the first scan
found (a copy, a note): a clean re-scan makes the receipt verified, and the
identifiers kept for re-scans are deleted. Exit 1 while something is found.`,
		Example: "  impress privacy requests rescan 6jqqbasdc7j4gxi2hmz36j6h7a",
		Args:    exactArgs(1),
	}
	return runWith(cmd, o, "print the receipt as JSON", runF, runRequestsRescan, firstArg(&o.Code))
}

func runRequestsRescan(ctx context.Context, o *requestsRescanOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	rc, err := c.RescanRequest(ctx, o.Code)
	if err != nil {
		return err
	}
	return showReceipt(&o.baseOptions, rc, "", "the scan still finds what purge "+rc.Code+" removed: see the findings above")
}

// requestsAckOptions are `impress privacy requests ack`'s inputs.
type requestsAckOptions struct {
	baseOptions
	Code string
	Ack  api.AckRequest
}

func newRequestsAckCmd(f *Factory, runF func(context.Context, *requestsAckOptions) error) *cobra.Command {
	o := &requestsAckOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "ack CODE --reason TEXT [--finding N]",
		Short: "Acknowledge a receipt's findings with a reason",
		Long: `Say, for the record, why what the scan of purge CODE found is not personal
data left behind (a word that happens to match, a file you keep on purpose).
--finding N acknowledges the N-th finding as ` + "`requests show`" + ` numbers them; without
it every finding not acknowledged yet is. Once every finding is acknowledged
the receipt is reviewed: doctor stops warning, the deletion status page stops
saying "being reviewed", and the identifiers kept for re-scans are deleted.`,
		Example: `  impress privacy requests ack 6jqqbasdc7j4gxi2hmz36j6h7a --finding 1 --reason "my own note, not from Meta"`,
		Args:    exactArgs(1),
	}
	cmd.Flags().StringVar(&o.Ack.Reason, "reason", "", "why the finding is not personal data left behind (required)")
	cmd.Flags().IntVar(&o.Ack.Finding, "finding", 0, "the finding's number (default: every finding not acknowledged yet)")
	return runWith(cmd, o, "print the receipt as JSON", runF, runRequestsAck, func(args []string) error {
		o.Code = args[0]
		if strings.TrimSpace(o.Ack.Reason) == "" {
			return flagErrorf("say why with --reason TEXT: what the finding is, and why it is not personal data left behind")
		}
		if o.Ack.Finding < 0 {
			return flagErrorf("--finding counts from 1")
		}
		return nil
	})
}

func runRequestsAck(ctx context.Context, o *requestsAckOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Receipt, error) {
			return c.AckFindings(ctx, o.Code, o.Ack)
		},
		func(rc *api.Receipt) error {
			printReceipt(o.IO.Out, rc)
			return nil
		})
}
