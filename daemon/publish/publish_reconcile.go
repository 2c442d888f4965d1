package publish

// Reconciliation with the account's live media (issue 12). Exactly once
// held only while the local store survived: a CI runner starts with an
// empty one, and a re-run elsewhere would post every item again. So before
// a job is made for an item the local store does not know, the account's
// recent media are listed (once per connection and run) and package
// internal/reconcile says whether the item is already live. Its package
// doc has the match rule and the decision table this file follows;
// docs/ci.md says it for users.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/reconcile"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

const (
	// maxRunItems bounds one reconciliation request (a manifest's items).
	maxRunItems = 5000
	// planWorkers plans a run's items side by side: hashing and probing
	// are the slow part, and the submits that follow find both cached.
	planWorkers = 4
)

// reconcileWindow is publish.reconcile_window: how far back a live post
// may match an item. A Go duration, or whole days ("30d").
func (s *Service) reconcileWindow() (time.Duration, error) {
	v := strings.TrimSpace(s.Settings().String(config.PublishReconcileWindow))
	if v == "" {
		return reconcile.DefaultWindow, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 && days <= 3650 {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, &api.Error{Code: api.CodeInvalid,
		Message: fmt.Sprintf("publish.reconcile_window is %q: want a positive duration such as 30d or 720h", v),
		Hint:    "`impress config set publish.reconcile_window 30d`, or unset it for the default (30d)"}
}

// shapeOf is how a publish of type typ with n items looks once live.
func shapeOf(typ string, n int) reconcile.Shape {
	switch typ {
	case api.PublishStory:
		return reconcile.Story
	case api.PublishImage:
		return reconcile.Image
	case api.PublishCarousel:
		return reconcile.Carousel(n)
	}
	return reconcile.Reel
}

// itemOf is a planned publish as reconcile matches it.
func itemOf(key string, d *api.PublishDetail) reconcile.Item {
	return reconcile.Item{Key: key, Caption: d.Caption, Shape: shapeOf(d.Type, len(d.Items))}
}

// postOf is a listed media as reconcile matches it.
func postOf(m meta.Media) reconcile.Post {
	return reconcile.Post{ID: m.ID, Permalink: m.Permalink, Caption: m.Caption, Timestamp: m.Timestamp.Time,
		Shape: reconcile.Shape{MediaType: m.MediaType, ProductType: m.MediaProductType, Children: len(m.Children)}}
}

// liveListing is one connection's media inside the window.
type liveListing struct {
	posts    []reconcile.Post
	complete bool
	pages    int
}

// listLive lists an account's media stamped at or after since, through
// the connection's pacer, paged only as far as since.
func (p *publisher) listLive(ctx context.Context, acct *pubAccount, since time.Time) (liveListing, error) {
	l, err := acct.Client.MediaSince(ctx, acct.IGUser, since, meta.MediaSinceOptions{Call: p.paced(acct.Conn, acct.Client)})
	if err != nil {
		e, ok := api.AsError(err)
		if !ok {
			e = p.s.accounts.MetaFail(acct.Conn, err)
		}
		return liveListing{}, &api.Error{Code: e.Code, Message: "checking what is already live on the account: " + e.Message,
			Hint: strings.TrimSpace(e.Hint + " (nothing was published; run it again, or publish with --force to skip the check)")}
	}
	out := liveListing{complete: l.Complete, pages: l.Pages}
	for _, m := range l.Media {
		out.posts = append(out.posts, postOf(m))
	}
	return out, nil
}

// liveOptions are the match options of a listing made now.
func (p *publisher) liveOptions(now time.Time, window time.Duration, l liveListing) (reconcile.Options, error) {
	claimed, err := p.claimedMedia(0)
	if err != nil {
		return reconcile.Options{}, err
	}
	return reconcile.Options{Now: now, Window: window, Exclude: claimed, Partial: !l.complete}, nil
}

// reconcileSubmit is the check for one publish request, after plan and
// before its job is made. It answers a result when the item must not
// become a job (found live: the record of the post; refused: why), and
// otherwise notes on pl.d what the check said.
//
// A lone publish is checked when it is declared — a --key, or a spec
// with a publish block — the way a manifest item is: those are what a
// pipeline re-runs. An ad-hoc `impress publish clip.mp4 --caption …` is a
// person's explicit act and is not second-guessed by its caption.
func (p *publisher) reconcileSubmit(ctx context.Context, req api.PublishRequest, pl *pubPlan, title string) (*api.PublishResult, error) {
	d := &pl.d
	switch {
	case req.Force || req.NoReconcile:
		d.Reconcile = api.ReconcileOff
		return nil, nil
	case d.Type == api.PublishStory:
		d.Reconcile = api.ReconcileStory
		return nil, nil
	case req.Reconciled:
		d.Reconcile = api.ReconcileNotLive
		return nil, nil
	case !pl.declared:
		return nil, nil
	}
	if _, err := p.s.DB.JobByKey(d.Key); err == nil {
		return nil, nil // the store knows the item: its own record decides
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	window, err := p.s.reconcileWindow()
	if err != nil {
		return nil, err
	}
	now := p.s.Now()
	l, err := p.listLive(ctx, pl.acct, now.Add(-window))
	if err != nil {
		return nil, err
	}
	o, err := p.liveOptions(now, window, l)
	if err != nil {
		return nil, err
	}
	v, err := p.verdict(pl, title, reconcile.Match(itemOf(d.Key, d), l.posts, o), window, l.pages)
	if err != nil || v.Outcome == api.ReconcileNotLive {
		return nil, err
	}
	if v.Outcome == api.ReconcileKnown {
		return p.reuseKnown(pl, req)
	}
	return &api.PublishResult{Job: v.Job, FoundLive: v.Job != nil, LiveRefusal: v.LiveRefusal}, nil
}

// reuseKnown answers a request whose key another request took while this
// one was checking: as a re-run, through CreateJob's reuse.
func (p *publisher) reuseKnown(pl *pubPlan, req api.PublishRequest) (*api.PublishResult, error) {
	j, err := p.s.DB.JobByKey(pl.d.Key)
	if err != nil {
		return nil, err
	}
	return p.reuse(j, pl, req)
}

// verdict acts on reconcile's answer for a planned item: none notes the
// check on the detail; one records the live post as the item's done job;
// ambiguous and unseen refuse it (nothing is created: unconfirmed).
func (p *publisher) verdict(pl *pubPlan, title string, r reconcile.Result, window time.Duration, pages int) (api.ReconcileItem, error) {
	out := api.ReconcileItem{Key: displayKey(pl.d.Key)}
	switch r.Outcome {
	case reconcile.OutcomeNone:
		pl.d.Reconcile = api.ReconcileNotLive
		out.Outcome = api.ReconcileNotLive
	case reconcile.OutcomeUnlistable:
		pl.d.Reconcile = api.ReconcileStory
		out.Outcome = api.ReconcileStory
	case reconcile.OutcomeOne:
		j, existed, err := p.recordFoundLive(pl, title, r.Matches[0], r.Shared)
		if err != nil {
			return out, err
		}
		if existed {
			out.Outcome = api.ReconcileKnown
			return out, nil
		}
		aj := jobs.ToAPI(j)
		out.Outcome, out.Job = api.ReconcileFoundLive, &aj
	case reconcile.OutcomeAmbiguous:
		out.Outcome = api.ReconcileAmbiguous
		out.LiveRefusal = ambiguousRefusal(r.Matches, window)
	case reconcile.OutcomeUnseen:
		out.Outcome = api.ReconcileIncomplete
		out.LiveRefusal = &api.LiveRefusal{ListingIncomplete: true, Error: &api.Error{Code: api.CodeUnconfirmed,
			Message: fmt.Sprintf("the account's media listing stopped after %d pages before it reached %s back; "+
				"whether this item is already live cannot be told, so nothing was published", pages, windowText(window)),
			Hint: "shorten publish.reconcile_window (`impress config set publish.reconcile_window 7d`), " +
				"or check the account and publish with --force"}}
	}
	return out, nil
}

func ambiguousRefusal(posts []reconcile.Post, window time.Duration) *api.LiveRefusal {
	out := &api.LiveRefusal{Ambiguous: true}
	links := make([]string, 0, len(posts))
	for _, m := range posts {
		lp := api.LivePost{MediaID: m.ID, Permalink: m.Permalink}
		if !m.Timestamp.IsZero() {
			t := m.Timestamp.UTC()
			lp.Timestamp = &t
		}
		out.Candidates = append(out.Candidates, lp)
		links = append(links, firstNonEmpty(m.Permalink, "media "+m.ID))
	}
	out.Error = &api.Error{Code: api.CodeUnconfirmed,
		Message: fmt.Sprintf("%d live posts of the last %s match this item (same caption and type), and which one it is cannot be told; "+
			"nothing was published, so as not to post it again:\n  %s", len(posts), windowText(window), strings.Join(links, "\n  ")),
		Hint: "look at those posts; if this item is not among them, publish it with --force (or `reconcile: false` on the manifest item)"}
	return out
}

// windowText says a window in days when it is whole days.
func windowText(w time.Duration) string {
	if w%(24*time.Hour) == 0 {
		return strconv.Itoa(int(w/(24*time.Hour))) + " days"
	}
	return w.String()
}

// recordFoundLive stores the item as a done publish job holding the live
// post, so that a re-run on this machine answers "reused". existed is true
// when another request stored the key first (that job is returned).
func (p *publisher) recordFoundLive(pl *pubPlan, title string, post reconcile.Post, shared bool) (store.Job, bool, error) {
	d := pl.d
	d.State, d.Reconcile, d.MediaID, d.Permalink = api.PubPublished, api.ReconcileFoundLive, post.ID, post.Permalink
	at := post.Timestamp
	if at.IsZero() {
		at = p.s.Now()
	}
	at = at.UTC()
	d.PublishedAt = &at
	d.Notes = append(d.Notes, fmt.Sprintf("found live on the account (media %s, posted %s): published earlier by another machine, "+
		"or by a run whose answer was lost; nothing was published now", post.ID, at.Format(time.RFC3339)))
	if shared {
		d.Notes = append(d.Notes, "items of this run share this caption and type, and as many posts match them: "+
			"they were paired by age, the oldest post to the first item")
	}
	detail, err := json.Marshal(d)
	if err != nil {
		return store.Job{}, false, err
	}
	j, err := p.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobDone, Stage: api.PubPublished, Percent: 100,
		Title: title + " (found live)", Conn: d.Connection, Key: d.Key, Detail: detail}, false)
	if errors.Is(err, store.ErrKeyExists) {
		return j, true, nil
	}
	if err != nil {
		return j, false, err
	}
	p.s.Log.Info("publish found live", "job", j.ID, "media", post.ID, "connection", d.Connection, "key", displayKey(d.Key))
	return j, false, nil
}

func (s *Service) postReconcile(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, s.Fail, s.pub.reconcileRun)
}

// runConn is what one connection's listing is matched against: the run's
// items to check, and those that only take part in the grouping (items
// with reconciliation off, other runners' items); at[k] is the index in
// the request of items[k], -1 for the others.
type runConn struct {
	acct  *pubAccount
	items []reconcile.Item
	at    []int
	check bool // some item needs the listing
}

// reconcileRun checks a manifest run's items together: each is planned
// (as its publish will be), items the local store knows are left to their
// record, and every other one is matched against one listing of its
// connection. Items found live are recorded as done.
func (p *publisher) reconcileRun(ctx context.Context, req api.ReconcileRequest) (*api.ReconcileAnswer, error) {
	if len(req.Items) == 0 {
		return nil, api.Errorf(api.CodeInvalid, "reconcile: no items")
	}
	if len(req.Items)+len(req.Others) > maxRunItems {
		return nil, api.Errorf(api.CodeInvalid, "reconcile: %d items; at most %d in one run", len(req.Items)+len(req.Others), maxRunItems)
	}
	window, err := p.s.reconcileWindow()
	if err != nil {
		return nil, err
	}
	out := &api.ReconcileAnswer{Items: make([]api.ReconcileItem, len(req.Items))}
	plans := make([]*pubPlan, len(req.Items))
	parallel(len(req.Items), planWorkers, func(i int) {
		it := req.Items[i]
		it.DryRun = false
		if pl, err := p.plan(ctx, it); err == nil {
			plans[i] = pl
			out.Items[i].Key = displayKey(pl.d.Key)
		} else {
			out.Items[i].Outcome = api.ReconcileInvalid // its publish says why
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	conns := map[string]*runConn{}
	var order []string
	join := func(acct *pubAccount, it reconcile.Item, at int, check bool) {
		c := conns[acct.Conn]
		if c == nil {
			c = &runConn{acct: acct}
			conns[acct.Conn] = c
			order = append(order, acct.Conn)
		}
		c.items, c.at = append(c.items, it), append(c.at, at)
		c.check = c.check || check
	}
	for i, pl := range plans {
		if pl == nil {
			continue
		}
		it := req.Items[i]
		switch _, err := p.s.DB.JobByKey(pl.d.Key); {
		case pl.d.Type == api.PublishStory:
			out.Items[i].Outcome = api.ReconcileStory
		case it.Force || it.NoReconcile:
			// Published whatever is live, but its post will carry the
			// caption: it counts in its group.
			out.Items[i].Outcome = api.ReconcileOff
			join(pl.acct, itemOf(pl.d.Key, &pl.d), i, false)
		case err == nil:
			out.Items[i].Outcome = api.ReconcileKnown
		case !store.IsNotFound(err):
			return nil, err
		default:
			join(pl.acct, itemOf(pl.d.Key, &pl.d), i, true)
		}
	}
	for _, o := range req.Others {
		if it, acct, ok := p.otherItem(ctx, o); ok {
			join(acct, it, -1, false)
		}
	}

	var mu sync.Mutex
	parallel(len(order), len(order), func(n int) {
		c := conns[order[n]]
		if !c.check {
			return
		}
		now := p.s.Now()
		l, err := p.listLive(ctx, c.acct, now.Add(-window))
		var results []reconcile.Result
		if err == nil {
			var o reconcile.Options
			if o, err = p.liveOptions(now, window, l); err == nil {
				results = reconcile.MatchAll(c.items, l.posts, o)
			}
		}
		mu.Lock()
		out.Listings++
		out.Pages += l.pages
		mu.Unlock()
		for k, i := range c.at {
			if i < 0 || out.Items[i].Outcome != "" {
				continue
			}
			if err != nil {
				e, ok := api.AsError(err)
				if !ok {
					e = &api.Error{Code: api.CodeInternal, Message: p.s.RedactString(err.Error())}
				}
				out.Items[i].Outcome, out.Items[i].LiveRefusal = api.ReconcileFailed, &api.LiveRefusal{Error: e}
				continue
			}
			pl := plans[i]
			v, verr := p.verdict(pl, jobTitle(req.Items[i], &pl.d), results[k], window, l.pages)
			if verr != nil {
				v = api.ReconcileItem{Key: out.Items[i].Key, Outcome: api.ReconcileFailed,
					LiveRefusal: &api.LiveRefusal{Error: &api.Error{Code: api.CodeInternal, Message: verr.Error()}}}
			}
			out.Items[i] = v
		}
	})
	p.s.Log.Info("publish run reconciled", "items", len(req.Items), "others", len(req.Others), "listings", out.Listings, "pages", out.Pages)
	return out, nil
}

// otherItem is another runner's item as the grouping needs it: caption
// and shape, without reading its media. Items that cannot be outlined, and
// stories, take no part; so does an item whose --key this store knows (its
// post is excluded by media id already).
func (p *publisher) otherItem(ctx context.Context, req api.PublishRequest) (reconcile.Item, *pubAccount, bool) {
	o, err := p.outline(req)
	if err != nil || o.typ == api.PublishStory {
		return reconcile.Item{}, nil, false
	}
	acct, err := p.account(ctx, req.Connection)
	if err != nil {
		return reconcile.Item{}, nil, false
	}
	if req.Key != "" {
		if _, err := p.s.DB.JobByKey(idemKey(acct.Conn, req.Key, "")); err == nil {
			return reconcile.Item{}, nil, false
		}
	}
	return reconcile.Item{Key: "other", Caption: o.caption, Shape: shapeOf(o.typ, len(o.targets))}, acct, true
}

// parallel runs fn(0..n-1) on at most workers goroutines and waits.
func parallel(n, workers int, fn func(i int)) {
	if workers < 1 {
		workers = 1
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
