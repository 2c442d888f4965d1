package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
)

// When a publish runs: --at on the command line, at: in a manifest. Both
// follow one rule (README, "Scheduling and jobs"):
//
//   - a time in the future schedules the publish;
//   - a time within pastGrace of now counts as now;
//   - a time further in the past is accepted only for a publish that was
//     made before — a re-run finds it by its key and posts nothing, which
//     is how a manifest of last week is run again — and is otherwise
//     refused (exit 2): a past time typed by hand is usually a wrong day
//     or year, and publishing at once is not what a schedule asked for.
//
// +DURATION is relative to now, so it is never in the past.

// pastGrace is how far in the past a time still counts as now: the time
// it took to type the command.
const pastGrace = time.Minute

// atLayouts are the local-time forms of --at besides RFC 3339.
var atLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

// parseAt reads a time to publish at: RFC 3339, "YYYY-MM-DD HH:MM[:SS]"
// in local time, or +DURATION from now. The error says what was given and
// the forms it takes; the caller names the flag or the item.
func parseAt(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var t time.Time
	var err error
	switch {
	case strings.HasPrefix(s, "+"):
		var d time.Duration
		if d, err = time.ParseDuration(s[1:]); err == nil {
			t = now.Add(d)
		}
	default:
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			for _, layout := range atLayouts {
				if t, err = time.ParseInLocation(layout, s, time.Local); err == nil {
					break
				}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%q: want RFC 3339 (2030-12-01T10:00:00Z), \"2030-12-01 10:00\" (local time) or +DURATION (+2h)", s)
	}
	t = t.UTC()
	return &t, nil
}

// checkPastAt applies the rule above to a request about to be sent: a
// time in the past passes only when the daemon already holds a publish
// with the request's key (asked with a dry run, which sends nothing to
// Meta). what names the time in the refusal ("--at", "item x: at").
func checkPastAt(ctx context.Context, c *api.Client, req api.PublishRequest, what string, now time.Time) error {
	if req.At == nil || !req.At.Before(now.Add(-pastGrace)) {
		return nil
	}
	if !req.Force { // --force posts again: no earlier publish is reused
		dry := req
		dry.DryRun = true
		res, err := c.Publish(ctx, dry)
		if err != nil {
			return err
		}
		if res.Plan != nil && res.Plan.Existing != nil {
			return nil // a re-run: the earlier publish is found by its key
		}
	}
	return exitf(ExitUsage, "%s %s is %s in the past, and no earlier publish matches it: a new publish cannot be scheduled before now "+
		"(a wrong day or year is the usual cause); give a later time (e.g. +2h or %s), or leave it out to publish at once",
		what, req.At.Local().Format("2006-01-02 15:04 MST"), agoText(now.Sub(*req.At)), now.Add(2*time.Hour).Local().Format("2006-01-02 15:04"))
}

// pastAtLive looks for a publish with a past --at among the account's live
// media first, as a manifest's items are (reconcileManifest): on a fresh
// runner, a re-run of a publish made elsewhere is found there and not in
// this store. It answers the publish's result when that settles it (found
// live; or refused: several posts match, the listing stopped short), and
// nil when checkPastAt decides.
func pastAtLive(ctx context.Context, c *api.Client, req api.PublishRequest, now time.Time) (*api.PublishResult, error) {
	if req.At == nil || !req.At.Before(now.Add(-pastGrace)) || req.Force || req.DryRun || req.NoReconcile {
		return nil, nil
	}
	ans, err := c.Reconcile(ctx, api.ReconcileRequest{Items: []api.PublishRequest{req}})
	if err != nil || len(ans.Items) == 0 {
		return nil, err
	}
	switch v := ans.Items[0]; {
	case v.Outcome == api.ReconcileFoundLive && v.Job != nil:
		return &api.PublishResult{Job: v.Job, FoundLive: true}, nil
	case v.LiveRefusal != nil && v.LiveRefusal.Error != nil:
		return &api.PublishResult{LiveRefusal: v.LiveRefusal}, v.LiveRefusal.Error
	}
	return nil, nil
}

// agoText is a span for people: "3 days", "5 hours", "12 minutes".
func agoText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	default:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
}
