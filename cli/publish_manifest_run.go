// This file runs a loaded manifest: items submitted within the concurrency,
// each followed to its end (across a daemon restart), and the results
// printed as a table or one JSON array.

package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
)

// manifestResult is one item's outcome: a line of the table, an element
// of the --json array.
type manifestResult struct {
	Index  int      `json:"index"` // 1-based position in the manifest
	Item   string   `json:"item"`
	Job    *api.Job `json:"job,omitempty"`
	Reused bool     `json:"reused"`
	// Rescheduled: the item's job had not started and takes the time
	// its at: says now.
	Rescheduled bool             `json:"rescheduled,omitempty"`
	State       string           `json:"state"` // published | scheduled | failed | unconfirmed | ambiguous | refused | planned
	ExitCode    int              `json:"exit_code"`
	Error       *api.Error       `json:"error,omitempty"`
	Plan        *api.PublishPlan `json:"plan,omitempty"`

	// FoundLive: the item was already live on the account (posted by
	// another runner, or by a run whose answer was lost); nothing was
	// published. Reconcile is what the check against the live media said
	// (publish_reconcile.go); Candidates are the posts that made an item
	// ambiguous.
	FoundLive  bool           `json:"found_live"`
	Reconcile  string         `json:"reconcile,omitempty"`
	Candidates []api.LivePost `json:"candidates,omitempty"`
}

func runManifest(ctx context.Context, o *publishOptions) error {
	m, err := loadManifest(o.Manifest)
	if err != nil {
		return err
	}
	si, sn, err := parseShard(o.Shard)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Dir(o.Manifest))
	if err != nil {
		return exitf(ExitUsage, "manifest %s: %v", o.Manifest, err)
	}
	// Every item is read and checked before anything is sent.
	type work struct {
		idx  int
		item *manifestItem
		req  api.PublishRequest
	}
	var todo []work
	var others []api.PublishRequest // other shards' items, for reconciliation
	var problems []string
	now := time.Now()
	for i := range m.Items {
		it := &m.Items[i]
		if !inShard(it, si, sn) {
			if req, err := it.request(dir, m, o, now); err == nil {
				others = append(others, req)
			}
			continue
		}
		req, err := it.request(dir, m, o, now)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		todo = append(todo, work{i + 1, it, req})
	}
	if len(problems) > 0 {
		return exitf(ExitUsage, "manifest %s: nothing was published:\n  %s", o.Manifest, strings.Join(problems, "\n  "))
	}
	conc := o.Concurrency
	if conc == 0 {
		conc = m.Concurrency
	}
	if conc <= 0 {
		conc = 4
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	reqs := make([]api.PublishRequest, len(todo))
	for k, w := range todo {
		reqs[k] = w.req
	}
	settled, outcomes, err := reconcileManifest(ctx, c, reqs, others)
	if err != nil {
		return err
	}
	// A past at: follows the rule of --at: only a publish made before
	// (a re-run) may have one — here, or found live on the account by
	// another runner's run.
	for k, w := range todo {
		if settled[k] != nil && settled[k].FoundLive {
			continue
		}
		if err := checkPastAt(ctx, c, w.req, fmt.Sprintf("item %s (line %d): at", w.item.display(), w.item.line), now); err != nil {
			if exitCode(err, false) != ExitUsage {
				return err
			}
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return exitf(ExitUsage, "manifest %s: nothing was published:\n  %s", o.Manifest, strings.Join(problems, "\n  "))
	}
	results := make([]manifestResult, len(todo))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	progress := "none"
	if o.Progress == "json" {
		progress = "json"
	}
	for k, w := range todo {
		if settled[k] != nil {
			results[k] = *settled[k]
			results[k].Index, results[k].Item = w.idx, w.item.display()
			continue
		}
		w.req = reqs[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[k] = manifestResult{Index: w.idx, Item: w.item.display(), State: "cancelled", ExitCode: ExitCancelled}
				return
			}
			defer func() { <-sem }()
			r := publishItem(ctx, &o.baseOptions, c, w.req, progress)
			r.Index, r.Item, r.Reconcile = w.idx, w.item.display(), outcomes[k]
			results[k] = r
			mu.Lock()
			finished++
			if !o.JSON && o.IO.IsStderrTTY() {
				fmt.Fprintf(o.IO.ErrOut, "[%d/%d] %s: %s\n", finished, len(todo), r.Item, r.State)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	worst := ExitOK
	for _, r := range results {
		worst = worse(worst, r.ExitCode)
	}
	if err := o.show(results, func() { printManifestResults(o.IO, results, len(m.Items)-len(todo)) }); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if worst != 0 {
		return errSilent{code: worst}
	}
	return nil
}

// publishItem submits one item and follows it.
// A daemon restarting meanwhile is brought back and the item followed on
// (submitAgain, followJob): the batch does not fail for a parked job.
func publishItem(ctx context.Context, o *baseOptions, c *api.Client, req api.PublishRequest, progress string) manifestResult {
	res, err := submitAgain(ctx, o, !req.Force, func() (*api.PublishResult, error) { return c.Publish(ctx, req) })
	if err != nil {
		return manifestResult{State: "refused", ExitCode: exitCode(err, ctx.Err() != nil), Error: resultError(err)}
	}
	if res.Plan != nil {
		return manifestResult{State: "planned", Plan: res.Plan}
	}
	if n := captionNotice(res); n != "" {
		fmt.Fprintf(o.IO.ErrOut, "note: %s: %s\n", req.Display, n)
	}
	j, err := followPublish(ctx, o, c, res, progress)
	r := manifestResult{Job: j, Reused: res.Reused, Rescheduled: res.Rescheduled}
	switch {
	case err != nil:
		r.ExitCode, r.Error = exitCode(err, ctx.Err() != nil), resultError(err)
		r.State = "failed"
		if r.Error.Code == api.CodeUnconfirmed {
			r.State = "unconfirmed"
		}
	case j != nil && j.State == api.JobDone:
		r.State = "published"
	case j != nil && !j.Terminal():
		r.State = "scheduled"
	default:
		r.State = "failed"
		r.ExitCode = ExitFailure
	}
	return r
}

// resultError is err as an item's result shows it: the daemon's wire
// error, or anything else (a file not read, …) as internal.
func resultError(err error) *api.Error {
	if e, ok := api.AsError(err); ok {
		return e
	}
	return &api.Error{Code: api.CodeInternal, Message: err.Error()}
}

func printManifestResults(ios *IOStreams, rs []manifestResult, skipped int) {
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		job, link, note := "-", "-", ""
		if r.Job != nil {
			job = r.Job.ID
			if d := api.PublishDetailOf(r.Job); d != nil {
				link = firstOf(d.Permalink, d.MediaID, "-")
				if d.At != nil && r.State == "scheduled" {
					note = "at " + d.At.Local().Format("2006-01-02 15:04")
				}
			}
		}
		switch {
		case r.Rescheduled:
			note = strings.TrimSpace("rescheduled " + note)
		case r.Reused:
			note = strings.TrimSpace("reused " + note)
		}
		if r.FoundLive {
			note = "found live: nothing published"
		}
		if r.Error != nil {
			note = r.Error.Message
			if i := strings.IndexByte(note, '\n'); i > 0 {
				note = note[:i] + " …"
			}
		}
		if r.Plan != nil {
			note = fmt.Sprintf("would make %d call(s), key %s", len(r.Plan.Calls), r.Plan.Key)
		}
		rows = append(rows, []string{strconv.Itoa(r.Index), r.Item, job, r.State, link, note})
	}
	table(ios.Out, []string{"#", "ITEM", "JOB", "STATE", "MEDIA", "NOTE"}, rows)
	if skipped > 0 {
		fmt.Fprintf(ios.ErrOut, "%d item(s) belong to other shards\n", skipped)
	}
	// The table keeps one line per item; the whole message and its next
	// step come below it.
	for _, r := range rs {
		if r.Error != nil && (strings.Contains(r.Error.Message, "\n") || r.Error.Hint != "") {
			fmt.Fprintf(ios.ErrOut, "item %d (%s): %s\n", r.Index, r.Item, errorText(r.Error))
		}
	}
}
