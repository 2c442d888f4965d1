package api

import (
	"context"
	"time"
)

// What the check against the account's live media said about an item
// (PublishDetail.Reconcile, ReconcileItem.Outcome). The rule is in package
// internal/reconcile; docs/ci.md says it for users.
const (
	// ReconcileKnown: the local store already has the item (done, or
	// part-way); no check is needed, its own record decides.
	ReconcileKnown = "known"
	// ReconcileNotLive: no live post matches; the item is published.
	ReconcileNotLive = "not_live"
	// ReconcileFoundLive: one live post is the item; it is recorded as
	// done and nothing is published.
	ReconcileFoundLive = "found_live"
	// ReconcileAmbiguous: live posts match but cannot be paired with the
	// item; nothing is created (unconfirmed).
	ReconcileAmbiguous = "ambiguous"
	// ReconcileIncomplete: the listing stopped before it covered the
	// window, so "not listed" does not mean "not live"; nothing is
	// created (unconfirmed).
	ReconcileIncomplete = "listing_incomplete"
	// ReconcileStory: stories are not listed with an account's media, so
	// the item cannot be checked; it is published.
	ReconcileStory = "story"
	// ReconcileOff: --force or `reconcile: false`; published unchecked.
	ReconcileOff = "off"
	// ReconcileFailed: the listing failed (Error); nothing is created for
	// the item.
	ReconcileFailed = "failed"
	// ReconcileInvalid: the item does not make a publish at all; its
	// publish request says why.
	ReconcileInvalid = "invalid"
)

// LivePost is a post on the account that matched an item.
type LivePost struct {
	MediaID   string     `json:"media_id"`
	Permalink string     `json:"permalink,omitempty"`
	Timestamp *time.Time `json:"timestamp,omitempty"`
}

// LiveRefusal is why an item was not published after the account's live
// media were checked: nothing was created.
type LiveRefusal struct {
	// Ambiguous: Candidates are every live post that matches.
	Ambiguous bool `json:"ambiguous,omitempty"`
	// ListingIncomplete: the listing hit its page cap inside the window.
	ListingIncomplete bool       `json:"listing_incomplete,omitempty"`
	Candidates        []LivePost `json:"candidates,omitempty"`
	// Error is the wire error the item ends with (unconfirmed,
	// or the listing's own error).
	Error *Error `json:"error,omitempty"`
}

// ReconcileRequest is the body of POST /v1/publish/reconcile: the items of
// one manifest run, checked together against the live media of their
// accounts (one listing per connection).
type ReconcileRequest struct {
	// Items are the run's items (this runner's shard).
	Items []PublishRequest `json:"items"`
	// Others are the manifest's items that other runners publish (other
	// --shard shares). They take part in the matching, so that items
	// with the same caption and type are told apart the same way on every
	// runner, but nothing is done or answered for them.
	Others []PublishRequest `json:"others,omitempty"`
}

// ReconcileItem is the verdict for one item, in the request's order.
type ReconcileItem struct {
	// Outcome is one of the Reconcile… constants.
	Outcome string `json:"outcome"`
	// Key is the item's idempotency key as the user knows it.
	Key string `json:"key,omitempty"`
	// Job is the record of the live post (found_live).
	Job *Job `json:"job,omitempty"`
	// LiveRefusal is set for ambiguous, listing_incomplete and failed.
	*LiveRefusal
}

// ReconcileAnswer answers POST /v1/publish/reconcile.
type ReconcileAnswer struct {
	Items []ReconcileItem `json:"items"`
	// Listings counts the account listings made (one per connection with
	// items to check) and Pages the Graph calls they took.
	Listings int `json:"listings"`
	Pages    int `json:"pages"`
}

// Reconcile checks a run's items against the accounts' live media (POST
// /v1/publish/reconcile). Items found live are recorded as done; submit
// the others with [PublishRequest.Reconciled] set.
func (c *Client) Reconcile(ctx context.Context, r ReconcileRequest) (*ReconcileAnswer, error) {
	var out ReconcileAnswer
	if err := c.Do(ctx, "POST", "/v1/publish/reconcile", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
