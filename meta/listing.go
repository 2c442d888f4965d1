package meta

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ReconcileFields are what a reconciliation listing asks of each media:
// enough to tell whether a local item is already live (caption, media
// type, product type, number of carousel children) and to report it
// (permalink, timestamp). docs/META.md §15.
const ReconcileFields = "id,caption,media_type,media_product_type,timestamp,permalink,children{id}"

// Defaults of [MediaSinceOptions].
const (
	DefaultListPageSize = 50
	DefaultListMaxPages = 20
	maxListPageSize     = 100
)

// MediaSinceOptions bound a [Client.MediaSince] listing.
type MediaSinceOptions struct {
	// Fields default to [ReconcileFields]. "timestamp" is added when
	// missing: the window cannot be cut without it.
	Fields []string
	// PageSize is the limit asked per page (default [DefaultListPageSize],
	// at most 100). Meta may send fewer; only the absence of a next page
	// ends the listing.
	PageSize int
	// MaxPages caps the pages read (default [DefaultListMaxPages]), so a
	// very busy account costs a bounded number of calls.
	MaxPages int
	// Call, if set, runs each page request, so the caller's pacing wraps
	// every call and not only the first: the daemon passes its
	// per-connection pacer, which waits while Meta's usage headers are
	// high (usage.go, docs/META.md §9). Nil calls directly.
	Call func(ctx context.Context, page func(context.Context) error) error
}

// MediaListing is what [Client.MediaSince] saw.
type MediaListing struct {
	// Media are newest first, each stamped at or after Since. A media
	// without a timestamp is kept: it cannot be shown to be outside.
	Media []Media
	// Since is the window's start as asked.
	Since time.Time
	// Pages is the number of calls made.
	Pages int
	// Complete is true when the listing reached Since or the end of the
	// account's media. False when MaxPages (or a page without a usable
	// cursor) stopped it first: posts between Since and Oldest were not
	// seen, and the caller must not treat "not listed" as "not live".
	Complete bool
	// Oldest is the oldest timestamp seen on the pages read.
	Oldest time.Time
}

// MediaSince lists the account's media stamped at or after since, newest
// first, paging with cursors until a page reaches past since, the account
// has no more media, or MaxPages is hit. It asks nothing of Meta's time
// filter (since/until): the window is cut here, because how Meta pages a
// time-filtered edge is not documented for this edge (docs/META.md §15)
// while cursor paging is. Stories are not on this edge (they live 24 h on
// /stories) and are never returned.
//
// Each page is an idempotent GET, retried on transient errors like any
// other; an error on any page fails the whole listing, because a partial
// view would make a live post look absent.
func (c *Client) MediaSince(ctx context.Context, igUser string, since time.Time, o MediaSinceOptions) (MediaListing, error) {
	if strings.TrimSpace(igUser) == "" {
		return MediaListing{}, fmt.Errorf("meta: list media: %w: no IG user id", ErrInvalid)
	}
	fields := o.Fields
	if len(fields) == 0 {
		fields = []string{ReconcileFields}
	}
	if !hasField(fields, "timestamp") {
		fields = append(fields, "timestamp")
	}
	size := o.PageSize
	if size <= 0 {
		size = DefaultListPageSize
	}
	size = min(size, maxListPageSize)
	maxPages := o.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultListMaxPages
	}
	call := o.Call
	if call == nil {
		call = func(ctx context.Context, page func(context.Context) error) error { return page(ctx) }
	}

	out := MediaListing{Since: since}
	seen := map[string]bool{}
	after := ""
	for out.Pages < maxPages {
		var page []Media
		var p Paging
		err := call(ctx, func(ctx context.Context) error {
			var err error
			page, p, err = c.ListMedia(ctx, igUser, ListMediaOptions{Fields: fields,
				PageOptions: PageOptions{Limit: size, After: after}})
			return err
		})
		if err != nil {
			return MediaListing{}, err
		}
		out.Pages++
		reachedSince := false
		for _, m := range page {
			ts := m.Timestamp.Time
			if !ts.IsZero() && (out.Oldest.IsZero() || ts.Before(out.Oldest)) {
				out.Oldest = ts
			}
			if !ts.IsZero() && ts.Before(since) {
				continue
			}
			if !seen[m.ID] {
				seen[m.ID] = true
				out.Media = append(out.Media, m)
			}
		}
		// The edge is newest first, so the page's last item is its
		// oldest. Only that one ends the walk: a pinned older post at the
		// top of a page must not cut the listing short.
		if n := len(page); n > 0 && !page[n-1].Timestamp.IsZero() && page[n-1].Timestamp.Before(since) {
			reachedSince = true
		}
		if reachedSince || len(page) == 0 || !p.HasNext {
			out.Complete = true
			return out, nil
		}
		if p.After == "" || p.After == after {
			return out, nil // a next page we cannot ask for: incomplete
		}
		after = p.After
	}
	return out, nil
}

// hasField reports whether a top-level field of a fields expression is
// name (nested selections such as children{timestamp} do not count).
func hasField(fields []string, name string) bool {
	expr := strings.Join(fields, ",")
	depth, start := 0, 0
	for i := 0; i <= len(expr); i++ {
		if i < len(expr) {
			switch expr[i] {
			case '{', '(':
				depth++
				continue
			case '}', ')':
				depth--
				continue
			case ',':
			default:
				continue
			}
			if depth > 0 {
				continue
			}
		}
		f := strings.TrimSpace(expr[start:i])
		if j := strings.IndexAny(f, "{.("); j >= 0 {
			f = f[:j]
		}
		if f == name {
			return true
		}
		start = i + 1
	}
	return false
}
