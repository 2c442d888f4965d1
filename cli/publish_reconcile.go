package cli

import (
	"context"

	"github.com/impress-dev/impress/api"
)

// reconcileManifest checks a run's items against the accounts' live media
// before any is submitted: the daemon lists each connection once and
// matches every item (others are the manifest's items of other shards,
// which take part in the matching only). Items to submit are marked as
// checked (reqs[k].Reconciled), so their publish does not list again; the
// others get their final result here: found live (recorded, exit 0), or
// refused (ambiguous or unseen: exit 7; the listing failed: its error's
// code). outcomes[k] is what the check said of item k. A dry run checks
// nothing.
func reconcileManifest(ctx context.Context, c *api.Client, reqs, others []api.PublishRequest) (settled []*manifestResult, outcomes []string, err error) {
	settled, outcomes = make([]*manifestResult, len(reqs)), make([]string, len(reqs))
	if len(reqs) == 0 || reqs[0].DryRun {
		return settled, outcomes, nil
	}
	ans, err := c.Reconcile(ctx, api.ReconcileRequest{Items: reqs, Others: others})
	if err != nil {
		return nil, nil, err
	}
	for k, v := range ans.Items {
		if k >= len(reqs) {
			break
		}
		outcomes[k] = v.Outcome
		r := &manifestResult{Reconcile: v.Outcome}
		switch {
		case v.Outcome == api.ReconcileFoundLive && v.Job != nil:
			r.Job, r.FoundLive, r.State = v.Job, true, "published"
		case v.LiveRefusal != nil && v.LiveRefusal.Error != nil:
			r.Error, r.Candidates = v.LiveRefusal.Error, v.LiveRefusal.Candidates
			r.ExitCode = exitForCode(r.Error.Code)
			switch {
			case v.Ambiguous:
				r.State = "ambiguous"
			case v.ListingIncomplete:
				r.State = "unconfirmed"
			default:
				r.State = "refused"
			}
		default:
			reqs[k].Reconciled = true
			continue
		}
		settled[k] = r
	}
	return settled, outcomes, nil
}
