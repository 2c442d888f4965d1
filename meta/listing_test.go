package meta_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
)

// listingEnv is a sandbox whose creator account holds the three seeded
// media (1–3 days old) plus n reels posted from elsewhere, one per hour
// ago (1 h … n h), and a client for that account that counts the usage
// callbacks.
func listingEnv(t *testing.T, n int) (*sandbox.Server, *meta.Client, *atomic.Int32) {
	t.Helper()
	s, base := startSandbox(t, sandbox.Options{})
	for i := 1; i <= n; i++ {
		if _, err := s.AddMedia(sandbox.ElsewherePost{Caption: "post " + string(rune('a'+i-1)),
			Ago: sandbox.Duration(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := s.IssueToken(sandbox.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var usage atomic.Int32
	c, err := meta.New(meta.Config{Flavour: meta.FlavourInstagram, Endpoint: base, TokenSource: meta.StaticToken(tok),
		Retry:   meta.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
		OnUsage: func(meta.Usage) { usage.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, &usage
}

func TestMediaSincePagesWholeWindow(t *testing.T) {
	s, c, usage := listingEnv(t, 12)
	var calls int
	l, err := c.MediaSince(t.Context(), sandbox.IGCreatorID, s.Now().Add(-30*24*time.Hour), meta.MediaSinceOptions{
		PageSize: 4,
		Call: func(ctx context.Context, page func(context.Context) error) error {
			calls++
			return page(ctx)
		}})
	if err != nil {
		t.Fatal(err)
	}
	// 15 media at 4 a page: 4 pages, the last without a next.
	if len(l.Media) != 15 || l.Pages != 4 || calls != 4 || !l.Complete {
		t.Fatalf("listed %d media in %d pages (%d through Call), complete %v; want 15 in 4, complete",
			len(l.Media), l.Pages, calls, l.Complete)
	}
	if int(usage.Load()) != l.Pages {
		t.Errorf("OnUsage ran %d times for %d pages", usage.Load(), l.Pages)
	}
	seen := map[string]bool{}
	for i, m := range l.Media {
		if seen[m.ID] {
			t.Errorf("media %s listed twice", m.ID)
		}
		seen[m.ID] = true
		if i > 0 && m.Timestamp.After(l.Media[i-1].Timestamp.Time) {
			t.Errorf("item %d is newer than item %d", i, i-1)
		}
		if m.Caption == "" || m.MediaType == "" || m.MediaProductType == "" || m.Permalink == "" || m.Timestamp.IsZero() {
			t.Errorf("item %d lacks a reconcile field: %+v", i, m)
		}
	}
	if l.Media[0].Caption != "post a" || l.Media[14].ID != sandbox.SeedReelID {
		t.Errorf("first %q, last %s: want the newest post first and the seeded reel last", l.Media[0].Caption, l.Media[14].ID)
	}
	if got := l.Media[12]; got.ID != sandbox.SeedCarouselID || len(got.Children) != 2 {
		t.Errorf("seeded carousel listed as %s with %d children, want 2", got.ID, len(got.Children))
	}
}

func TestMediaSinceStopsAtWindow(t *testing.T) {
	s, c, _ := listingEnv(t, 12)
	since := s.Now().Add(-6*time.Hour - 30*time.Minute)
	l, err := c.MediaSince(t.Context(), "me", since, meta.MediaSinceOptions{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Pages: 1–3 h, 4–6 h, 7–9 h. The third reaches past the window, so
	// paging stops there although more pages exist.
	if len(l.Media) != 6 || l.Pages != 3 || !l.Complete {
		t.Fatalf("listed %d media in %d pages, complete %v; want 6 in 3, complete", len(l.Media), l.Pages, l.Complete)
	}
	for _, m := range l.Media {
		if m.Timestamp.Before(since) {
			t.Errorf("%s (%v) is older than the window", m.Caption, m.Timestamp)
		}
	}
	if !l.Oldest.Equal(s.Now().Add(-9 * time.Hour).Truncate(time.Second)) {
		t.Errorf("Oldest = %v, want the 9 h old post", l.Oldest)
	}

	// A window that starts in the future lists nothing, in one call.
	l, err = c.MediaSince(t.Context(), "me", s.Now().Add(time.Hour), meta.MediaSinceOptions{PageSize: 3})
	if err != nil || len(l.Media) != 0 || l.Pages != 1 || !l.Complete {
		t.Errorf("future window: %d media, %d pages, complete %v, %v", len(l.Media), l.Pages, l.Complete, err)
	}
}

func TestMediaSincePageCapIsIncomplete(t *testing.T) {
	s, c, _ := listingEnv(t, 12)
	l, err := c.MediaSince(t.Context(), "me", s.Now().Add(-30*24*time.Hour), meta.MediaSinceOptions{PageSize: 3, MaxPages: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Media) != 6 || l.Pages != 2 || l.Complete {
		t.Fatalf("listed %d media in %d pages, complete %v; want 6 in 2, incomplete", len(l.Media), l.Pages, l.Complete)
	}
	if !l.Oldest.Equal(s.Now().Add(-6 * time.Hour).Truncate(time.Second)) {
		t.Errorf("Oldest = %v, want the 6 h old post (what was seen)", l.Oldest)
	}
}

func TestMediaSinceCarouselChildren(t *testing.T) {
	s, c, _ := listingEnv(t, 0)
	album, err := s.AddMedia(sandbox.ElsewherePost{MediaType: "CAROUSEL", Caption: "four", Children: 4})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.MediaSince(t.Context(), "me", s.Now().Add(-time.Hour), meta.MediaSinceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Media) != 1 || l.Media[0].ID != album.ID || l.Media[0].MediaType != "CAROUSEL_ALBUM" || len(l.Media[0].Children) != 4 {
		t.Fatalf("listing %+v, want the album with 4 children", l.Media)
	}
	// Fields without timestamp get it added: the window needs it.
	l, err = c.MediaSince(t.Context(), "me", s.Now().Add(-time.Hour), meta.MediaSinceOptions{Fields: []string{"id", "children{timestamp}"}})
	if err != nil || len(l.Media) != 1 || l.Media[0].Timestamp.IsZero() {
		t.Errorf("listing without timestamp asked: %+v, %v", l.Media, err)
	}
}

func TestMediaSinceErrors(t *testing.T) {
	s, c, _ := listingEnv(t, 6)
	ctx := t.Context()
	since := s.Now().Add(-30 * 24 * time.Hour)

	_, err := c.MediaSince(ctx, "me", since, meta.MediaSinceOptions{Fields: []string{"id,captions"}})
	var e *meta.Error
	if !errors.As(err, &e) || e.Code != 100 || e.HTTPStatus != 400 || e.Type != "OAuthException" || e.TraceID == "" ||
		meta.ClassOf(err) != meta.ClassPermanent {
		t.Errorf("unknown field: %v (%+v), want Meta's 100 envelope, permanent", err, e)
	}
	if _, err := c.MediaSince(ctx, " ", since, meta.MediaSinceOptions{}); !errors.Is(err, meta.ErrInvalid) {
		t.Errorf("empty IG user: %v", err)
	}

	// A rate limit on the second page fails the whole listing: a partial
	// view would make a live post look absent.
	pages := 0
	l, err := c.MediaSince(ctx, "me", since, meta.MediaSinceOptions{PageSize: 2,
		Call: func(ctx context.Context, page func(context.Context) error) error {
			if pages++; pages == 2 {
				if err := s.RateLimitNext(5, 80002, 100, 30); err != nil {
					t.Fatal(err)
				}
			}
			return page(ctx)
		}})
	if !meta.IsRateLimited(err) || len(l.Media) != 0 || pages != 2 {
		t.Errorf("rate limit on page 2: %v, %d media after %d pages; want rate-limited and nothing", err, len(l.Media), pages)
	}
	if !c.LastUsage().High() {
		t.Error("the rate-limited answer's usage headers were not recorded")
	}
}
