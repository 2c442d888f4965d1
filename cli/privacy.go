package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// privacyCommands is `impress privacy`: purge, export, retention, requests.
func privacyCommands(f *Factory) []*cobra.Command {
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "Delete verifiably, export, and set how long data is kept",
		Long: `What impress keeps about the people you deal with, for how long, and how to
delete it so that it is really gone.

A purge revokes the tokens it covers at Meta, destroys the data keys (every
copy of the encrypted data, backups included, becomes unreadable), deletes
the records, their index entries, files and log lines, rewrites the store so
no deleted byte stays in it, then scans every file impress wrote (the config
file included) for what it deleted and writes a receipt that says whether
anything was found. A finding can be re-checked after you fix it
(` + "`requests rescan`" + `) or acknowledged with a reason (` + "`requests ack`" + `).`,
	}
	cmd.AddCommand(newPurgeCmd(f, nil), newExportCmd(f, nil), newRetentionCmd(f), newRequestsCmd(f))
	return []*cobra.Command{cmd}
}

type purgeOptions struct {
	baseOptions
	Request api.PurgeRequest
	DryRun  bool
	Yes     bool
}

func newPurgeCmd(f *Factory, runF func(context.Context, *purgeOptions) error) *cobra.Command {
	o := &purgeOptions{baseOptions: f.base()}
	var conn, project string
	var metaAll, account, all bool
	cmd := &cobra.Command{
		Use:   "purge (--connection N | --meta | --project P | --account | --all)",
		Short: "Delete a scope's data for good, with a receipt",
		Long: `Delete everything impress holds in one scope, verifiably:

  --connection N   one Instagram connection: token, profile, cached comments,
                   DM summaries, webhook events, publish records
  --meta           every connection
  --project P      a project, the media only it uses, its renders and publish records
  --account        the workspace's account profile
  --all            everything impress holds

The purge runs in steps that survive a crash (a restarted daemon finishes it
before anything else): revoke the tokens at Meta (best effort), destroy the
data keys, delete records, index entries, files and log lines, compact the
store, scan every file under the data and state directories and the config
file. --all also removes the master key (key file or keyring entry) and says
where it was. The receipt has a confirmation code, counts by kind, what else
the purge did (scheduled posts it cancelled, what it cannot reach: posts live
on Instagram, files written with render --out) and "verified" when the scan
found nothing; it holds no personal data. --dry-run lists all of it first.

Without --yes it asks on a terminal, and refuses (exit 2) when it cannot ask.
Exit 1 when the purge finished but the scan still found something: see
` + "`impress privacy requests rescan`" + ` and ` + "`ack`" + `.`,
		Example: `  impress privacy purge --connection brand --dry-run
  impress privacy purge --connection brand --yes
  impress privacy purge --all --yes --json`,
		Args: noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&conn, "connection", "", "purge one connection's data")
	fl.BoolVar(&metaAll, "meta", false, "purge every connection's data")
	fl.StringVar(&project, "project", "", "purge a project, its media, renders and publish records")
	fl.BoolVar(&account, "account", false, "purge the account profile")
	fl.BoolVar(&all, "all", false, "purge everything impress holds")
	fl.BoolVar(&o.DryRun, "dry-run", false, "list what would be removed, by kind and count; change nothing")
	fl.BoolVar(&o.Yes, "yes", false, "do not ask for confirmation")
	return runWith(cmd, o, "print the plan or the receipt as JSON", runF, runPurge, func([]string) error {
		n := 0
		for _, name := range []string{"connection", "meta", "project", "account", "all"} {
			if fl.Changed(name) {
				n++
			}
		}
		if n != 1 {
			return flagErrorf("say what to purge with exactly one of --connection N, --meta, --project P, --account, --all")
		}
		switch {
		case fl.Changed("connection"):
			if conn == "" {
				return flagErrorf("--connection needs a name")
			}
			o.Request = api.PurgeRequest{Scope: api.ScopeConnection, Connection: conn}
		case fl.Changed("project"):
			if project == "" {
				return flagErrorf("--project needs a name")
			}
			o.Request = api.PurgeRequest{Scope: api.ScopeProject, Project: project}
		case metaAll:
			o.Request = api.PurgeRequest{Scope: api.ScopeMeta}
		case account:
			o.Request = api.PurgeRequest{Scope: api.ScopeAccount}
		case all:
			o.Request = api.PurgeRequest{Scope: api.ScopeAll}
		default:
			return flagErrorf("say what to purge with exactly one of --connection N, --meta, --project P, --account, --all")
		}
		return nil
	})
}

func describeScope(r api.PurgeRequest) string {
	switch r.Scope {
	case api.ScopeConnection:
		return "connection " + r.Connection
	case api.ScopeProject:
		return "project " + r.Project
	case api.ScopeMeta:
		return "every connection"
	case api.ScopeAccount:
		return "the account profile"
	case api.ScopeAll:
		return "everything impress holds"
	}
	return r.Scope
}

// countsLine is "comments 12, webhook_events 3" in a stable order.
func countsLine(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func runPurge(ctx context.Context, o *purgeOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	plan, err := c.PurgePlan(ctx, o.Request)
	if err != nil {
		return err
	}
	if o.DryRun {
		if o.JSON {
			return writeJSON(o.IO.Out, plan)
		}
		fmt.Fprintf(o.IO.Out, "A purge of %s would remove:\n", describeScope(o.Request))
		keys := make([]string, 0, len(plan.Counts))
		for k := range plan.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows := [][]string{}
		for _, k := range keys {
			rows = append(rows, []string{"  " + k, strconv.Itoa(plan.Counts[k])})
		}
		if len(rows) == 0 {
			fmt.Fprintln(o.IO.Out, "  nothing")
		}
		table(o.IO.Out, nil, rows)
		fmt.Fprintf(o.IO.Out, "and then scan every file for %d identifiers.\n", plan.Identifiers)
		for _, fx := range plan.Effects {
			fmt.Fprintln(o.IO.Out, effectLine(fx))
		}
		for _, n := range plan.Notes {
			fmt.Fprintln(o.IO.Out, "Note: "+n)
		}
		fmt.Fprintln(o.IO.Out, "Nothing was changed (--dry-run).")
		return nil
	}
	// What the purge cancels is said before anything happens: with --yes
	// too (on stderr, so --json stays one document).
	var cancels []string
	for _, fx := range plan.Effects {
		if fx.Action == api.EffectCancelled {
			cancels = append(cancels, effectLine(fx))
		}
	}
	if !o.Yes {
		if !o.IO.CanPrompt() {
			return exitf(ExitUsage, "refusing to purge %s without confirmation: this cannot be undone; pass --yes (see the plan with --dry-run)", describeScope(o.Request))
		}
		fmt.Fprintf(o.IO.ErrOut, "This deletes for good, from %s: %s.\n", describeScope(o.Request), countsLine(plan.Counts))
		for _, l := range cancels {
			fmt.Fprintln(o.IO.ErrOut, l)
		}
		fmt.Fprint(o.IO.ErrOut, "Type yes to go on: ")
		line, ok := newLineReader(o.IO.In).next(ctx)
		if !ok || strings.TrimSpace(strings.ToLower(line)) != "yes" {
			return exitf(ExitCancelled, "purge cancelled: nothing was changed")
		}
	}
	if o.Yes {
		for _, l := range cancels {
			fmt.Fprintln(o.IO.ErrOut, l)
		}
	}
	progress := o.IO.IsStderrTTY() && !o.JSON
	rc, err := c.Purge(ctx, o.Request, func(ev api.PurgeEvent) error {
		if progress && ev.Receipt == nil {
			fmt.Fprintf(o.IO.ErrOut, "purge %s: %s\n", ev.Code, ev.Step)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return showReceipt(&o.baseOptions, rc, "Purged "+describeScope(o.Request)+".",
		fmt.Sprintf("purge %s finished but is not verified: see `impress privacy requests show %s`", rc.Code, rc.Code))
}

// showReceipt prints a receipt (JSON under --json, else headed by
// title when not empty) and fails with exit 1 and open when its scan
// found something nobody has settled yet.
func showReceipt(o *baseOptions, rc *api.Receipt, title, open string) error {
	if err := o.show(rc, func() {
		if title != "" {
			fmt.Fprintln(o.IO.Out, title)
		}
		printReceipt(o.IO.Out, rc)
	}); err != nil {
		return err
	}
	if !rc.Settled() {
		return exitf(ExitFailure, "%s", open)
	}
	return nil
}

// printReceipt writes a receipt for people.
func printReceipt(w io.Writer, rc *api.Receipt) {
	status := rc.Status
	if rc.Status == api.RequestDone {
		switch {
		case rc.Verified:
			status += ", verified"
		case rc.Reviewed:
			status += ", NOT verified, every finding acknowledged"
		default:
			status += ", NOT verified"
		}
	} else {
		status += " (step " + rc.Step + ")"
	}
	rows := [][]string{
		{"Receipt", rc.Code},
		{"Scope", rc.Scope + " (requested by " + rc.Source + ")"},
		{"Status", status},
		{"Started", rc.StartedAt.UTC().Format(time.RFC3339)},
	}
	if !rc.FinishedAt.IsZero() {
		rows = append(rows, []string{"Finished", rc.FinishedAt.UTC().Format(time.RFC3339)})
	}
	rows = append(rows, []string{"Removed", countsLine(rc.Counts)})
	for _, fx := range rc.Effects {
		rows = append(rows, []string{strings.ToUpper(fx.Action[:1]) + fx.Action[1:], fx.Note})
	}
	if rc.MasterKey != "" {
		rows = append(rows, []string{"Master key", "removed from the " + rc.MasterKey})
	}
	for _, r := range rc.Revocation {
		v := strings.ReplaceAll(r.Outcome, "_", " ")
		if r.Detail != "" {
			v += ": " + r.Detail
		}
		rows = append(rows, []string{"Revocation", v})
	}
	if s := rc.Scan; s != nil {
		v := fmt.Sprintf("%d files, %s, %d identifiers", s.Files, humanBytes(s.Bytes), s.Identifiers)
		if s.Shared > 0 || s.TooShort > 0 {
			v += fmt.Sprintf(" (%d kept as shared, %d too short to look for)", s.Shared, s.TooShort)
		}
		if len(s.Findings) == 0 {
			v += ": nothing found"
		} else {
			v += fmt.Sprintf(": %d found", len(s.Findings))
		}
		if s.At.After(rc.FinishedAt) && !rc.FinishedAt.IsZero() {
			v += " (scanned again " + s.At.UTC().Format(time.RFC3339) + ")"
		}
		rows = append(rows, []string{"Scan", v})
		for i, fd := range s.Findings {
			v := fd.Kind + " in " + fd.File
			if fd.Context != "" {
				v += ", " + fd.Context
			}
			if a := fd.Acknowledged; a != nil {
				v += "; acknowledged " + a.At.UTC().Format(time.RFC3339) + ": " + a.Reason
			}
			rows = append(rows, []string{fmt.Sprintf("  %d.", i+1), v})
		}
	}
	for _, n := range rc.Notes {
		rows = append(rows, []string{"Note", n})
	}
	table(w, nil, rows)
}

func newRequestsCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{
		Use:   "requests",
		Short: "Purge receipts and deletion requests (Meta's included)",
		Long: `Every purge, from the CLI or from Meta's data deletion callback, has a
confirmation code and, once done, a receipt. Receipts hold no personal data.
A receipt whose scan found something stays open (doctor warns, the deletion
status page says "being reviewed") until a re-scan finds nothing or every
finding is acknowledged with a reason.`,
	}, newRequestsListCmd(f, nil), newRequestsShowCmd(f, nil), newRequestsRescanCmd(f, nil), newRequestsAckCmd(f, nil))
}

// requestsListOptions are `impress privacy requests list`'s inputs.
type requestsListOptions struct{ baseOptions }

func newRequestsListCmd(f *Factory, runF func(context.Context, *requestsListOptions) error) *cobra.Command {
	o := &requestsListOptions{f.base()}
	cmd := &cobra.Command{Use: "list", Short: "List receipts and purges in progress, newest first", Args: noArgs}
	return runWith(cmd, o, "print JSON", runF, runRequestsList, nil)
}

func runRequestsList(ctx context.Context, o *requestsListOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.Receipt, error) { return nonNil(c.PrivacyRequests(ctx)) },
		func(rs []api.Receipt) error {
			return listTable(o.IO, rs, "no purges yet", []string{"CODE", "SCOPE", "SOURCE", "STATUS", "VERIFIED", "TIME"}, func(r api.Receipt) []string {
				verified := "-"
				if r.Status == api.RequestDone {
					verified = strconv.FormatBool(r.Verified)
				}
				when := r.StartedAt
				if !r.FinishedAt.IsZero() {
					when = r.FinishedAt
				}
				return []string{r.Code, r.Scope, r.Source, r.Status, verified, when.UTC().Format(time.RFC3339)}
			})
		})
}

// requestsShowOptions are `impress privacy requests show`'s inputs.
type requestsShowOptions struct {
	baseOptions
	Code string
}

func newRequestsShowCmd(f *Factory, runF func(context.Context, *requestsShowOptions) error) *cobra.Command {
	o := &requestsShowOptions{baseOptions: f.base()}
	cmd := &cobra.Command{Use: "show CODE", Short: "Show one receipt", Args: exactArgs(1)}
	return runWith(cmd, o, "print JSON", runF, runRequestsShow, firstArg(&o.Code))
}

func runRequestsShow(ctx context.Context, o *requestsShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.Receipt, error) { return c.PrivacyRequest(ctx, o.Code) },
		func(rc *api.Receipt) error {
			printReceipt(o.IO.Out, rc)
			return nil
		})
}

func newRetentionCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{
		Use:   "retention",
		Short: "Show or set how long each kind of data is kept",
		Long: `How long impress keeps each kind of data. The daemon deletes what expired at
start, every hour and right after a change, and then compacts the store so
the deleted bytes leave the file.

Kinds: events (webhook events, 30d), messages (DM summaries, 90d), comments
(cached comments, 90d), logs (daemon logs, 14d), publish (publish records:
"connection", i.e. as long as their connection exists, or a duration).
Durations: 30d, 36h, 90m. "default" restores the default.`,
	}, newRetentionShowCmd(f, nil), newRetentionSetCmd(f, nil))
}

// retentionShowOptions are `impress privacy retention show`'s inputs.
type retentionShowOptions struct{ baseOptions }

func newRetentionShowCmd(f *Factory, runF func(context.Context, *retentionShowOptions) error) *cobra.Command {
	o := &retentionShowOptions{f.base()}
	cmd := &cobra.Command{Use: "show", Short: "Show the retention policy", Args: noArgs}
	return runWith(cmd, o, "print JSON", runF, runRetentionShow, nil)
}

func runRetentionShow(ctx context.Context, o *retentionShowOptions) error {
	return fetchShow(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) ([]api.RetentionPolicy, error) {
			return nonNil(c.Retention(ctx))
		},
		func(pols []api.RetentionPolicy) error {
			rows := [][]string{}
			for _, p := range pols {
				def := "default"
				if !p.IsDefault {
					def = "default " + p.Default
				}
				rows = append(rows, []string{p.Kind, p.Value, def, p.Description})
			}
			return table(o.IO.Out, []string{"KIND", "KEPT", "", "WHAT"}, rows)
		})
}

// retentionSetOptions are `impress privacy retention set`'s inputs.
type retentionSetOptions struct {
	baseOptions
	Kind     string
	Duration string
}

func newRetentionSetCmd(f *Factory, runF func(context.Context, *retentionSetOptions) error) *cobra.Command {
	o := &retentionSetOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:     "set KIND DURATION",
		Short:   "Change how long one kind of data is kept (then sweep at once)",
		Example: "  impress privacy retention set events 7d\n  impress privacy retention set publish 180d\n  impress privacy retention set logs default",
		Args:    exactArgs(2),
	}
	return runWith(cmd, o, "print the new policy as JSON", runF, runRetentionSet, func(args []string) error {
		o.Kind, o.Duration = args[0], args[1]
		return nil
	})
}

func runRetentionSet(ctx context.Context, o *retentionSetOptions) error {
	return callAndSay(ctx, &o.baseOptions,
		func(ctx context.Context, c *api.Client) (*api.RetentionPolicy, error) {
			return c.SetRetention(ctx, o.Kind, o.Duration)
		},
		func(p *api.RetentionPolicy) string {
			return fmt.Sprintf("%s are kept %s (default %s); expired data was deleted now.", p.Kind, keptFor(p.Value), p.Default)
		})
}

func keptFor(v string) string {
	if v == api.RetainWhileConnected {
		return "while their connection exists"
	}
	return "for " + v
}

// exportOptions are `impress privacy export`'s inputs.
type exportOptions struct {
	baseOptions
	Out     string
	Request api.ExportRequest
}

func newExportCmd(f *Factory, runF func(context.Context, *exportOptions) error) *cobra.Command {
	o := &exportOptions{baseOptions: f.base()}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export everything impress holds as a zip of JSON (and media)",
		Long: `Write a zip of readable JSON files with everything impress holds (or one
connection's part with --connection): the account profile, connections
(never their tokens), cached comments, DM summaries, webhook events, publish
records, projects and their specs, receipts, the retention policy, and the
media files unless --no-media. --out - writes the zip to stdout.`,
		Example: "  impress privacy export --out me.zip\n  impress privacy export --connection brand --no-media --out brand.zip",
		Args:    noArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Out, "out", "", "zip file to write (default impress-export-<time>.zip; - for stdout)")
	fl.StringVar(&o.Request.Connection, "connection", "", "export only this connection's data")
	fl.BoolVar(&o.Request.NoMedia, "no-media", false, "leave media files out")
	return runWith(cmd, o, "", runF, runExport, func([]string) error {
		if o.Out == "-" && o.IO.IsStdoutTTY() {
			return flagErrorf("--out - would write a zip to the terminal; redirect stdout or give a file name")
		}
		return nil
	})
}

func runExport(ctx context.Context, o *exportOptions) error {
	out := o.Out
	if out == "" {
		out = "impress-export-" + time.Now().Format("20060102-150405") + ".zip"
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err := c.Export(ctx, o.Request, o.IO.Out)
		return err
	}
	if _, err := os.Stat(out); err == nil {
		return exitf(ExitUsage, "%s exists; remove it or choose another --out", out)
	}
	// Write beside the target and rename at the end: an export that
	// fails leaves no partial zip (it would hold personal data).
	tmp, err := os.CreateTemp(filepath.Dir(out), ".impress-export-*.part")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := c.Export(ctx, o.Request, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(o.IO.Out, "Exported %s to %s\n", humanBytes(n), out)
	return nil
}
