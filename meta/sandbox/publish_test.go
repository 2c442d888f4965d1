package sandbox

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const mediaPath = "/v25.0/" + IGCreatorID + "/media"
const publishPath = "/v25.0/" + IGCreatorID + "/media_publish"

func (e *env) create(tok string, kv ...string) string {
	e.t.Helper()
	r := e.post(mediaPath, tok, kv...)
	wantStatus(e.t, r, 200)
	id := str(r.obj(e.t), "id")
	if id == "" {
		e.t.Fatalf("no container id: %s", r.body)
	}
	return id
}

func (e *env) status(tok, id string) (string, string) {
	e.t.Helper()
	m := e.get("/v25.0/"+id, tok, "fields", "status_code,status").obj(e.t)
	return str(m, "status_code"), str(m, "status")
}

func TestContainerStateMachineAndPublish(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.fbToken()
	cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4", "caption", "Hello #go")

	if code, text := e.status(tok, cid); code != StatusInProgress || !strings.HasPrefix(text, "In Progress") {
		t.Fatalf("fresh container %s %q", code, text)
	}
	// Unfinished → 9007/2207027, word for word the doc's envelope.
	r := e.post(publishPath, tok, "creation_id", cid)
	g := wantErr(t, r, 400, 9007, 2207027)
	if g.Message != "The media is not ready for publishing, please wait for a moment" || g.Type != "OAuthException" ||
		g.ErrorUserTitle != "Cannot Publish" || g.ErrorUserMsg != g.Message || g.IsTransient {
		t.Errorf("9007 envelope %s", r.body)
	}
	var raw map[string]map[string]any
	_ = json.Unmarshal(r.body, &raw)
	for _, k := range []string{"message", "type", "code", "error_subcode", "is_transient", "error_user_title", "error_user_msg", "fbtrace_id"} {
		if _, ok := raw["error"][k]; !ok {
			t.Errorf("envelope lacks %q", k)
		}
	}
	if r.header.Get("X-App-Usage") == "" || !strings.Contains(r.header.Get("X-Business-Use-Case-Usage"), IGCreatorID) {
		t.Errorf("usage headers missing on error: %v", r.header)
	}

	e.clock.Advance(time.Minute)
	if code, _ := e.status(tok, cid); code != StatusFinished {
		t.Fatalf("after processing time: %s", code)
	}
	r = e.post(publishPath, tok, "creation_id", cid)
	wantStatus(t, r, 200)
	mid := str(r.obj(t), "id")
	if code, _ := e.status(tok, cid); code != StatusPublished {
		t.Fatalf("after publish: %s", code)
	}
	// Publishing twice is refused and publishes nothing.
	wantErr(t, e.post(publishPath, tok, "creation_id", cid), 400, 100, 0)
	if n := len(e.s.Published()); n != 1 {
		t.Fatalf("published %d, want 1", n)
	}

	m := e.get("/v25.0/"+mid, tok, "fields", "id,media_type,media_product_type,permalink,shortcode,timestamp,caption,is_shared_to_feed").obj(t)
	if m["media_type"] != "VIDEO" || m["media_product_type"] != "REELS" || m["caption"] != "Hello #go" ||
		m["permalink"] != "https://www.instagram.com/reel/"+str(m, "shortcode")+"/" || m["timestamp"] != "2026-03-01T10:01:00+0000" ||
		m["is_shared_to_feed"] != true {
		t.Errorf("media %v", m)
	}
	wantErr(t, e.get("/v25.0/"+mid, tok, "fields", "id,bogus"), 400, 100, 0)

	// An unpublished container expires after 24 h; publishing it is -2/2207020.
	old := e.create(tok, "media_type", "STORIES", "image_url", "https://cdn.example.com/s.jpg")
	e.clock.Advance(24 * time.Hour)
	if code, _ := e.status(tok, old); code != StatusExpired {
		t.Fatalf("old container %s", code)
	}
	wantErr(t, e.post(publishPath, tok, "creation_id", old), 400, -2, 2207020)
	wantErr(t, e.post(publishPath, tok, "creation_id", "17900000000099999"), 400, 24, 2207006)
	wantErr(t, e.post(publishPath, tok), 400, 100, 0)
}

func TestContainerValidation(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.fbToken()
	v := "https://cdn.example.com/v.mp4"
	cases := []struct {
		name      string
		kv        []string
		code, sub int
		msg       string
	}{
		{"standalone VIDEO", []string{"media_type", "VIDEO", "video_url", v}, 100, 2207089, "Unsupported media type VIDEO"},
		{"unknown type", []string{"media_type", "GIF", "video_url", v}, 100, 2207023, ""},
		{"reel without video", []string{"media_type", "REELS"}, 100, 0, "(#100) The parameter video_url is required"},
		{"image without url", []string{"caption", "x"}, 100, 0, "(#100) The parameter image_url is required"},
		{"long caption", []string{"media_type", "REELS", "video_url", v, "caption", strings.Repeat("é", 2201)}, 36004, 2207010, ""},
		{"31 hashtags", []string{"media_type", "REELS", "video_url", v, "caption", strings.Repeat("#a ", 31)}, 36004, 2207010, ""},
		{"21 mentions", []string{"media_type", "REELS", "video_url", v, "caption", strings.Repeat("@a ", 21)}, 100, 2207040, ""},
		{"bad thumb_offset", []string{"media_type", "REELS", "video_url", v, "thumb_offset", "-5"}, 1, 2207057, ""},
		{"4 collaborators", []string{"media_type", "REELS", "video_url", v, "collaborators", `["a","b","c","d"]`}, 100, 0, ""},
		{"carousel of one", []string{"media_type", "CAROUSEL", "children", "1"}, 100, 2207028, ""},
		{"bad url", []string{"media_type", "REELS", "video_url", "ftp://x/v.mp4"}, 100, 0, ""},
		{"alt_text on reel", []string{"media_type", "REELS", "video_url", v, "alt_text", "x"}, 100, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := wantErr(t, e.post(mediaPath, tok, tc.kv...), 400, tc.code, tc.sub)
			if tc.msg != "" && g.Message != tc.msg {
				t.Errorf("message %q, want %q", g.Message, tc.msg)
			}
		})
	}
	// Limits are inclusive: exactly 2,200 characters, 30 hashtags, 20 mentions pass.
	e.create(tok, "media_type", "REELS", "video_url", v, "caption", strings.Repeat("é", 2200))
	e.create(tok, "media_type", "REELS", "video_url", v, "caption", strings.Repeat("#a ", 30)+strings.Repeat("@b ", 20))
	// A token without instagram_content_publish may not create containers.
	ro, _ := e.s.IssueToken(TokenRequest{Flavour: "facebook", Scopes: []string{"instagram_basic"}})
	wantErr(t, e.post(mediaPath, ro, "media_type", "REELS", "video_url", v), 403, 10, 0)
	// Another account's id is not reachable with an IG-Login token.
	wantErr(t, e.post("/v25.0/"+IGBrandID+"/media", e.igToken(), "media_type", "REELS", "video_url", v), 400, 100, 33)
}

func TestCarousel(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.fbToken()
	c1 := e.create(tok, "is_carousel_item", "true", "image_url", "https://cdn.example.com/1.jpg")
	e.clock.Advance(30 * time.Second)
	c2 := e.create(tok, "is_carousel_item", "true", "media_type", "VIDEO", "video_url", "https://cdn.example.com/2.mp4")
	parent := e.create(tok, "media_type", "CAROUSEL", "children", c1+","+c2, "caption", "two")
	wantErr(t, e.post(publishPath, tok, "creation_id", c1), 400, 100, 2207089)

	e.clock.Advance(45 * time.Second) // c1 and the parent are done, c2 is not
	if code, _ := e.status(tok, c1); code != StatusFinished {
		t.Fatalf("c1 %s", code)
	}
	if code, _ := e.status(tok, parent); code != StatusInProgress {
		t.Fatalf("parent with an unfinished child: %s", code)
	}
	wantErr(t, e.post(publishPath, tok, "creation_id", parent), 400, 9007, 2207027)
	e.clock.Advance(time.Minute)
	r := e.post(publishPath, tok, "creation_id", parent)
	wantStatus(t, r, 200)
	m := e.get("/v25.0/"+str(r.obj(t), "id"), tok, "fields", "media_type,children{id,media_type,permalink},permalink").obj(t)
	kids := list(m["children"].(map[string]any), "data")
	if m["media_type"] != "CAROUSEL_ALBUM" || len(kids) != 2 || kids[0]["media_type"] != "IMAGE" || kids[1]["media_type"] != "VIDEO" {
		t.Fatalf("carousel %v", m)
	}
	if _, ok := kids[0]["permalink"]; ok || !strings.Contains(str(m, "permalink"), "/p/") {
		t.Errorf("permalinks: parent %q, child %v", str(m, "permalink"), kids[0])
	}
	pub := e.s.Published()
	if len(pub) != 1 || len(pub[0].Children) != 2 {
		t.Fatalf("Published %+v", pub)
	}
	// One carousel counts once against the quota.
	lim := e.get("/v25.0/"+IGCreatorID+"/content_publishing_limit", tok, "fields", "quota_usage,config").obj(t)
	row := list(lim, "data")[0]
	if row["quota_usage"] != float64(1) || row["config"].(map[string]any)["quota_total"] != float64(50) {
		t.Errorf("limit %v", lim)
	}
}

func TestPublishQuota(t *testing.T) {
	e := newEnv(t, Options{PublishQuota: 2, ProcessingTime: -1})
	tok := e.fbToken()
	for i := 0; i < 2; i++ {
		cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
		wantStatus(t, e.post(publishPath, tok, "creation_id", cid), 200)
	}
	cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	wantErr(t, e.post(publishPath, tok, "creation_id", cid), 400, 9, 2207042)
	// Default fields: quota_usage only.
	r := e.get("/v25.0/"+IGCreatorID+"/content_publishing_limit", tok)
	if row := list(r.obj(t), "data")[0]; row["quota_usage"] != float64(2) || row["config"] != nil {
		t.Errorf("limit default fields %s", r.body)
	}
	e.clock.Advance(24*time.Hour + time.Second)
	cid = e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	wantStatus(t, e.post(publishPath, tok, "creation_id", cid), 200)
}

func TestFailContainerKnob(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	e.s.FailNextContainers(1, "", 0, 0)
	cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	code, text := e.status(tok, cid)
	if code != StatusError || text != defaultFailStatus {
		t.Fatalf("status %s %q", code, text)
	}
	wantErr(t, e.post(publishPath, tok, "creation_id", cid), 400, 9004, 2207052)
	// Only one container was affected.
	if code, _ := e.status(tok, e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")); code != StatusFinished {
		t.Fatalf("next container %s", code)
	}
}

func TestDropPublishResponse(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	e.s.DropNextPublishResponse()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.base+publishPath,
		strings.NewReader(vals("creation_id", cid, "access_token", tok).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("publish answered %d; want a broken connection", res.StatusCode)
	}
	if n := len(e.s.Published()); n != 1 {
		t.Fatalf("published %d, want 1", n)
	}
	if code, _ := e.status(tok, cid); code != StatusPublished {
		t.Fatalf("container %s", code)
	}
	st := e.admin(http.MethodGet, "/state", nil).obj(t)
	if st["published_count"] != float64(1) {
		t.Errorf("state published_count %v", st["published_count"])
	}
	// The recent-media lookup a careful client does finds it.
	data := list(e.get(mediaPath, tok, "fields", "id,timestamp,caption", "limit", "5").obj(t), "data")
	if len(data) == 0 || str(data[0], "id") != e.s.Published()[0].ID {
		t.Errorf("recent media %v", data)
	}
}

func TestMediaListPagination(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.igToken()
	for i := 0; i < 6; i++ {
		e.clock.Advance(time.Minute)
		cid := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
		wantStatus(t, e.post(publishPath, tok, "creation_id", cid), 200)
	}
	var ids []string
	next := e.base + mediaPath + "?" + vals("access_token", tok, "fields", "id,timestamp").Encode()
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, next, nil)
		m := e.send(req).obj(t)
		for _, d := range list(m, "data") {
			ids = append(ids, str(d, "id"))
		}
		next = str(m, "paging", "next")
		if next != "" && !strings.Contains(next, "access_token=") {
			t.Errorf("next URL does not repeat the query: %s", next)
		}
	}
	if len(ids) != 9 { // 6 published + 3 seeded top-level (carousel children and stories excluded)
		t.Fatalf("listed %d media: %v", len(ids), ids)
	}
	if ids[0] != e.s.Published()[5].ID {
		t.Errorf("newest first: got %s", ids[0])
	}
	// since filters.
	since := time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC).Unix()
	d := list(e.get(mediaPath, tok, "since", strconv.FormatInt(since, 10)).obj(t), "data")
	if len(d) != 2 {
		t.Errorf("since: %d items", len(d))
	}
}

func TestIGResumableRefused(t *testing.T) {
	e := newEnv(t, Options{})
	g := wantErr(t, e.post(mediaPath, e.igToken(), "media_type", "REELS", "upload_type", "resumable"), 400, 100, 0)
	if g.Message != "(#100) The parameter video_url is required" {
		t.Errorf("message %q", g.Message)
	}
	e.s.SetIGResumable(true)
	r := e.post(mediaPath, e.igToken(), "media_type", "REELS", "upload_type", "resumable")
	wantStatus(t, r, 200)
}

func jpegBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoopbackImageFetch(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, image.NewRGBA(image.Rect(0, 0, 10, 10)))
	files := map[string][]byte{"/ok.jpg": jpegBytes(t, 100, 100), "/wide.jpg": jpegBytes(t, 300, 100), "/p.png": pngBuf.Bytes()}
	var uas []string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uas = append(uas, r.UserAgent())
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	defer origin.Close()

	cid := e.create(tok, "image_url", origin.URL+"/ok.jpg", "caption", "still")
	c, _ := e.s.Container(cid)
	if c.Fetch == nil || !c.Fetch.Fetched || !c.Fetch.OK || c.Fetch.Bytes != int64(len(files["/ok.jpg"])) {
		t.Fatalf("fetch record %+v", c.Fetch)
	}
	if len(uas) == 0 || !strings.HasPrefix(uas[0], "facebookexternalhit") {
		t.Errorf("user agents %v", uas)
	}
	wantErr(t, e.post(mediaPath, tok, "image_url", origin.URL+"/missing.jpg"), 400, 9004, 2207052)
	wantErr(t, e.post(mediaPath, tok, "image_url", origin.URL+"/p.png"), 400, 36001, 2207005)
	wantErr(t, e.post(mediaPath, tok, "image_url", origin.URL+"/wide.jpg"), 400, 36003, 2207009)
	// Stories take other aspect ratios.
	e.create(tok, "media_type", "STORIES", "image_url", origin.URL+"/wide.jpg")
}

func TestLoopbackVideoFetch(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	video := mp4(true)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v.mp4" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = w.Write(video)
	}))
	defer origin.Close()

	good := e.create(tok, "media_type", "REELS", "video_url", origin.URL+"/v.mp4")
	bad := e.create(tok, "media_type", "REELS", "video_url", origin.URL+"/gone.mp4")
	waitFor(t, "fetches", func() bool {
		a, _ := e.s.Container(good)
		b, _ := e.s.Container(bad)
		return a.Fetch.Done && b.Fetch.Done
	})
	if code, _ := e.status(tok, good); code != StatusFinished {
		t.Errorf("good video %s", code)
	}
	c, _ := e.s.Container(good)
	if c.Fetch.SHA256 != TokenSHA256(string(video)) || strings.Join(c.VideoBoxes, ",") != "ftyp,moov,mdat" {
		t.Errorf("fetch %+v boxes %v", c.Fetch, c.VideoBoxes)
	}
	if code, text := e.status(tok, bad); code != StatusError || !strings.Contains(text, "Media download has failed") {
		t.Errorf("bad video %s %q", code, text)
	}
}
