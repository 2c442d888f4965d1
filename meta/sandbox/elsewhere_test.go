package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const listFields = "id,caption,media_type,media_product_type,timestamp,permalink,children{id,media_type}"

// TestListMediaPagesNewestFirst walks GET /{ig-user-id}/media page by page
// with the cursors Meta returns, over posts made through the API and from
// elsewhere, and checks the order, the shapes and where paging ends.
func TestListMediaPagesNewestFirst(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	// Three seeded media are 1–3 days old; add four more, one back-dated
	// behind a seeded one so creation order and timestamp order differ.
	reel, err := e.s.AddMedia(ElsewherePost{Caption: "from the phone", Ago: Duration(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	album, err := e.s.AddMedia(ElsewherePost{MediaType: "CAROUSEL", Caption: "three frames", Children: 3, Ago: Duration(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	old, err := e.s.AddMedia(ElsewherePost{MediaType: "IMAGE", Caption: "old still", Ago: Duration(60 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	story, err := e.s.AddMedia(ElsewherePost{MediaType: "STORIES"})
	if err != nil {
		t.Fatal(err)
	}

	var got []map[string]any
	var pages int
	after := ""
	for {
		kv := []string{"fields", listFields, "limit", "2"}
		if after != "" {
			kv = append(kv, "after", after)
		}
		r := e.get(mediaPath, tok, kv...)
		wantStatus(t, r, 200)
		body := r.obj(t)
		page := list(body, "data")
		if len(page) == 0 || len(page) > 2 {
			t.Fatalf("page %d has %d items: %s", pages, len(page), r.body)
		}
		got = append(got, page...)
		pages++
		paging, _ := body["paging"].(map[string]any)
		if str(paging, "cursors", "before") == "" || str(paging, "cursors", "after") == "" {
			t.Fatalf("page %d: paging.cursors.before/after missing: %s", pages, r.body)
		}
		next := str(paging, "next")
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		if err != nil || u.Query().Get("after") != str(paging, "cursors", "after") || u.Query().Get("fields") != listFields {
			t.Fatalf("next URL %q does not repeat the query with the after cursor", next)
		}
		after = str(paging, "cursors", "after")
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	// seeded: reel (3 d), image (2 d), carousel (1 d) + reel, album, old.
	wantIDs := []string{reel.ID, album.ID, SeedCarouselID, SeedImageID, old.ID, SeedReelID}
	if len(got) != len(wantIDs) || pages != 3 {
		t.Fatalf("listed %d media in %d pages, want %d in 3", len(got), pages, len(wantIDs))
	}
	var prev time.Time
	for i, m := range got {
		if m["id"] != wantIDs[i] {
			t.Errorf("item %d = %v, want %s", i, m["id"], wantIDs[i])
		}
		ts, err := time.Parse("2006-01-02T15:04:05-0700", str(m, "timestamp"))
		if err != nil {
			t.Fatalf("timestamp %q: %v", str(m, "timestamp"), err)
		}
		if i > 0 && ts.After(prev) {
			t.Errorf("item %d is newer than item %d", i, i-1)
		}
		prev = ts
		if m["id"] == story.ID {
			t.Error("a story is listed on /media")
		}
	}
	if a := got[1]; str(a, "media_type") != "CAROUSEL_ALBUM" || str(a, "media_product_type") != "FEED" ||
		str(a, "caption") != "three frames" || !strings.HasPrefix(str(a, "permalink"), "https://www.instagram.com/p/") {
		t.Errorf("carousel from elsewhere listed as %v", a)
	} else if ch := list(a["children"].(map[string]any), "data"); len(ch) != 3 || str(ch[1], "media_type") != "VIDEO" {
		t.Errorf("carousel children %v, want 3 (image, video, image)", ch)
	}
	if r := got[0]; str(r, "media_type") != "VIDEO" || str(r, "media_product_type") != "REELS" ||
		!strings.HasPrefix(str(r, "permalink"), "https://www.instagram.com/reel/") {
		t.Errorf("reel from elsewhere listed as %v", r)
	}
	if _, ok := got[0]["children"]; ok {
		t.Error("a reel has no children member")
	}

	// Stories are on /stories only; nothing from elsewhere counts as
	// published through the API or against the quota.
	st := list(e.get("/v25.0/"+IGCreatorID+"/stories", tok).obj(t), "data")
	if len(st) != 1 || st[0]["id"] != story.ID {
		t.Errorf("/stories = %v, want the story from elsewhere", st)
	}
	if p := e.s.Published(); len(p) != 0 {
		t.Errorf("Published() = %d media, want 0: posts from elsewhere are not API posts", len(p))
	}
	q := list(e.get("/v25.0/"+IGCreatorID+"/content_publishing_limit", tok, "fields", "quota_usage").obj(t), "data")
	if len(q) != 1 || q[0]["quota_usage"] != float64(0) {
		t.Errorf("quota usage %v, want 0", q)
	}
	live, err := e.s.Live(IGCreatorUsername)
	if err != nil || len(live) != 7 || live[0].ID != old.ID && live[0].ID != SeedReelID {
		t.Fatalf("Live = %d media (%v), want 7 oldest first", len(live), err)
	}
	for i := 1; i < len(live); i++ {
		if live[i].Timestamp.Before(live[i-1].Timestamp) {
			t.Errorf("Live is not oldest first at %d", i)
		}
	}
}

// TestListMediaWindowAndErrors: since/until bound the listing; a misspelt
// field is refused with Graph's envelope even where nothing would be listed.
func TestListMediaWindowAndErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	now := e.s.Now()
	since := strconv.FormatInt(now.Add(-36*time.Hour).Unix(), 10)
	data := list(e.get(mediaPath, tok, "fields", "id,timestamp", "since", since).obj(t), "data")
	if len(data) != 1 || data[0]["id"] != SeedCarouselID {
		t.Errorf("since 36 h ago: %v, want only the 1-day-old carousel", data)
	}
	day := now.Add(-48 * time.Hour).Format("2006-01-02")
	data = list(e.get(mediaPath, tok, "fields", "id", "until", day).obj(t), "data")
	if len(data) != 1 || data[0]["id"] != SeedReelID {
		t.Errorf("until %s: %v, want only the 3-day-old reel", day, data)
	}
	wantErr(t, e.get(mediaPath, tok, "since", "last tuesday"), 400, 100, 0)

	future := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	for _, fields := range []string{"id,captions", "id,children{id,colour}"} {
		r := e.get(mediaPath, tok, "fields", fields, "since", future)
		g := wantErr(t, r, 400, 100, 0)
		bad := "captions"
		if strings.Contains(fields, "colour") {
			bad = "colour"
		}
		if g.Type != "OAuthException" || g.Message != "(#100) Tried accessing nonexisting field ("+bad+") on node type (IGMedia)" {
			t.Errorf("fields=%s: %s", fields, r.body)
		}
	}
	wantErr(t, e.get(mediaPath, tok, "limit", "0"), 400, 100, 0)
	wantErr(t, e.get(mediaPath, tok, "after", "not-a-cursor!"), 400, 100, 0)
	wantErr(t, e.get(mediaPath, ""), 400, 104, 0)
}

func TestAddMediaAdminRoute(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.admin(http.MethodPost, "/media", map[string]any{"account": IGBrandUsername, "media_type": "CAROUSEL",
		"caption": "made in the app", "children": 4, "ago": "3h"})
	wantStatus(t, r, http.StatusCreated)
	var m Media
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Owner != IGBrandID || m.MediaType != "CAROUSEL_ALBUM" || len(m.Children) != 4 || m.ViaAPI ||
		!m.Timestamp.Equal(e.s.Now().Add(-3*time.Hour)) || m.Permalink == "" {
		t.Errorf("created %+v", m)
	}
	r = e.admin(http.MethodGet, "/live?account="+IGBrandID, nil)
	wantStatus(t, r, 200)
	var live struct {
		Count int     `json:"count"`
		Media []Media `json:"media"`
	}
	if err := json.Unmarshal(r.body, &live); err != nil || live.Count != 2 || live.Media[1].ID != m.ID {
		t.Errorf("GET /live = %s", r.body)
	}
	r = e.admin(http.MethodGet, "/live", nil)
	if err := json.Unmarshal(r.body, &live); err != nil || live.Count != 6 {
		t.Errorf("GET /live for every account = %s", r.body)
	}
	for _, c := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"media_type": "VIDEO"}, 400},
		{map[string]any{"media_type": "CAROUSEL", "children": 11}, 400},
		{map[string]any{"media_type": "REELS", "children": 2}, 400},
		{map[string]any{"media_type": "STORIES", "caption": "hi"}, 400},
		{map[string]any{"caption": strings.Repeat("#a ", 31)}, 400},
		{map[string]any{"ago": "-1h"}, 400},
		{map[string]any{"account": "nobody_here"}, 404},
	} {
		r := e.admin(http.MethodPost, "/media", c.body)
		if r.status != c.status || !strings.Contains(string(r.body), `"message"`) {
			t.Errorf("POST /media %v = %d %s, want %d", c.body, r.status, r.body, c.status)
		}
	}
	if _, err := e.s.AddMedia(ElsewherePost{Account: "nobody_here"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := e.s.Live("nobody_here"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Live of an unknown account: %v", err)
	}
}
