package meta

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// shapeCase is one endpoint: the exact request Meta expects and the
// decoding of a response payload shaped as docs/META.md shows it.
type shapeCase struct {
	name    string
	cfg     Config
	reply   string
	call    func(ctx context.Context, c *Client) (any, error)
	method  string
	path    string
	query   map[string]string
	form    map[string]string
	header  map[string]string
	json    string   // expected JSON body
	absent  []string // query keys that must not be sent
	noAuthz bool     // no Authorization header
	check   func(t *testing.T, out any)
}

func bptr(b bool) *bool { return &b }

func TestRequestShapes(t *testing.T) {
	fb := Config{Flavour: FlavourFacebook, AppID: testAppID, AppSecret: testAppSecret, RedirectURL: "http://localhost:8788/callback"}
	ig := Config{Flavour: FlavourInstagram, AppID: testAppID, AppSecret: testAppSecret, RedirectURL: "http://localhost:8788/callback"}
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	thumb := 1500 * time.Millisecond
	x, y := 0.5, 0.8

	cases := []shapeCase{
		{
			name: "ig me", cfg: ig,
			reply:  `{"user_id":"17841400000000000","username":"impress.dev","name":"Impress","account_type":"BUSINESS","profile_picture_url":"https://scontent.example/p.jpg","id":"9000"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Me(ctx) },
			method: "GET", path: "/v25.0/me",
			query:  map[string]string{"fields": "id,user_id,username,name,account_type,profile_picture_url"},
			header: bearer, absent: []string{"access_token", "appsecret_proof"},
			check: func(t *testing.T, out any) {
				a := out.(*Account)
				if a.UserID != "17841400000000000" || a.Username != "impress.dev" || a.ID != "9000" || a.AccountType != "BUSINESS" {
					t.Errorf("Me = %+v", a)
				}
			},
		},
		{
			name: "fb me with appsecret_proof", cfg: fb,
			reply:  `{"id":"10150","name":"Ada"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Me(ctx) },
			method: "GET", path: "/v25.0/me",
			query:  map[string]string{"fields": "id,name", "appsecret_proof": appSecretProof(testToken, testAppSecret)},
			header: bearer, absent: []string{"access_token"},
		},
		{
			name: "fb pages", cfg: fb,
			reply:  `{"data":[{"id":"PAGE1","name":"Shop","access_token":"EAApagetoken0123456789","instagram_business_account":{"id":"17841400000000000","username":"shop"}},{"id":"PAGE2","name":"Blog","access_token":"EAApage2"}],"paging":{"cursors":{"before":"b","after":"a"}}}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Pages(ctx) },
			method: "GET", path: "/v25.0/me/accounts",
			query:  map[string]string{"fields": "id,name,access_token,instagram_business_account{id,username}"},
			header: bearer,
			check: func(t *testing.T, out any) {
				p := out.([]Page)
				if len(p) != 2 || p[0].IGAccount == nil || p[0].IGAccount.ID != "17841400000000000" || p[0].AccessToken != "EAApagetoken0123456789" || p[1].IGAccount != nil {
					t.Errorf("Pages = %v", p)
				}
			},
		},
		{
			name: "ig code exchange (data shape)", cfg: ig,
			reply: `{"data":[{"access_token":"IGAAshort000000000000","user_id":"10200","permissions":"instagram_business_basic,instagram_business_content_publish"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeCodeShortLived(ctx, "AQDcode123#_", "")
			},
			method: "POST", path: "/oauth/access_token", noAuthz: true,
			form: map[string]string{"client_id": testAppID, "client_secret": testAppSecret, "grant_type": "authorization_code",
				"redirect_uri": "http://localhost:8788/callback", "code": "AQDcode123"},
			absent: []string{"access_token"},
			check: func(t *testing.T, out any) {
				tok := out.(*Token)
				if tok.AccessToken != "IGAAshort000000000000" || tok.UserID != "10200" || len(tok.Permissions) != 2 {
					t.Errorf("token = %+v", *tok)
				}
			},
		},
		{
			name: "ig code exchange (flat shape, numeric user_id)", cfg: ig,
			reply: `{"access_token":"IGAAshort","user_id":17841400000000001,"permissions":["instagram_business_basic"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeCodeShortLived(ctx, "AQDcode123", "")
			},
			method: "POST", path: "/oauth/access_token", noAuthz: true,
			check: func(t *testing.T, out any) {
				if tok := out.(*Token); tok.UserID != "17841400000000001" || len(tok.Permissions) != 1 {
					t.Errorf("token = %+v", *tok)
				}
			},
		},
		{
			name: "ig long-lived exchange", cfg: ig,
			reply: `{"access_token":"IGAAlong","token_type":"bearer","expires_in":5183944}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeLongLived(ctx, &Token{AccessToken: "IGAAshortLIVED", UserID: "10200"})
			},
			method: "GET", path: "/access_token", noAuthz: true,
			query: map[string]string{"grant_type": "ig_exchange_token", "client_secret": testAppSecret, "access_token": "IGAAshortLIVED"},
			check: func(t *testing.T, out any) {
				tok := out.(*Token)
				if tok.AccessToken != "IGAAlong" || tok.UserID != "10200" || tok.ExpiresIn != 5183944 || time.Until(tok.Expiry) < 59*24*time.Hour {
					t.Errorf("token = %+v", *tok)
				}
			},
		},
		{
			name: "ig refresh", cfg: ig,
			reply:  `{"access_token":"IGAAnew","token_type":"bearer","expires_in":5183944}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.RefreshToken(ctx, "IGAAlongLIVED") },
			method: "GET", path: "/refresh_access_token", noAuthz: true,
			query:  map[string]string{"grant_type": "ig_refresh_token", "access_token": "IGAAlongLIVED"},
			absent: []string{"client_secret", "appsecret_proof"},
		},
		{
			name: "fb code exchange with PKCE verifier", cfg: fb,
			reply: `{"access_token":"EAAshort","token_type":"bearer","expires_in":5183}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeCodeShortLived(ctx, "fbcode999", "verifier-abc")
			},
			method: "GET", path: "/v25.0/oauth/access_token", noAuthz: true,
			query: map[string]string{"client_id": testAppID, "client_secret": testAppSecret, "code": "fbcode999",
				"redirect_uri": "http://localhost:8788/callback", "code_verifier": "verifier-abc"},
			absent: []string{"access_token", "appsecret_proof"},
		},
		{
			name: "fb long-lived exchange", cfg: fb,
			reply: `{"access_token":"EAAlong","token_type":"bearer","expires_in":5183944}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExchangeLongLived(ctx, &Token{AccessToken: "EAAshortLIVED"})
			},
			method: "GET", path: "/v25.0/oauth/access_token", noAuthz: true,
			query: map[string]string{"grant_type": "fb_exchange_token", "client_id": testAppID, "client_secret": testAppSecret,
				"fb_exchange_token": "EAAshortLIVED"},
			absent: []string{"access_token"},
		},
		{
			name: "debug_token", cfg: ig,
			reply: `{"data":{"app_id":"1234567890","type":"USER","application":"MyApp","data_access_expires_at":1767225600,"expires_at":1759449600,
				"is_valid":true,"issued_at":1754265600,"scopes":["instagram_basic","instagram_content_publish"],
				"granular_scopes":[{"scope":"instagram_basic","target_ids":["17841"]}],"user_id":"42"}}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.DebugToken(ctx, "EAAinputTOKEN") },
			method: "GET", path: "/v25.0/debug_token", noAuthz: true,
			query:  map[string]string{"input_token": "EAAinputTOKEN", "access_token": testAppID + "|" + testAppSecret},
			absent: []string{"appsecret_proof"},
			check: func(t *testing.T, out any) {
				i := out.(*TokenInfo)
				if !i.IsValid || i.ExpiresAt.Unix() != 1759449600 || len(i.Scopes) != 2 || i.GranularScopes[0].TargetIDs[0] != "17841" || i.UserID != "42" {
					t.Errorf("TokenInfo = %+v", *i)
				}
			},
		},
		{
			name: "revoke", cfg: fb, reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.Revoke(ctx) },
			method: "DELETE", path: "/v25.0/me/permissions", header: bearer,
		},
		{
			name: "revoke bare true", cfg: fb, reply: `true`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.Revoke(ctx) },
			method: "DELETE", path: "/v25.0/me/permissions",
		},
		{
			name: "reel container, every parameter", cfg: fb, reply: `{"id":"17889455560051444"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "17841400000000000", ContainerRequest{MediaType: MediaReels,
					VideoURL: "https://cdn.example.com/v.mp4", Caption: "Hello #go", ShareToFeed: bptr(true),
					CoverURL: "https://cdn.example.com/c.jpg", ThumbOffset: &thumb, AudioName: "Original",
					Collaborators: []string{"ann", "bob"}, UserTags: []UserTag{{Username: "ann"}}, LocationID: "110843418940484",
					TrialGraduation: "MANUAL"})
			},
			method: "POST", path: "/v25.0/17841400000000000/media", header: bearer,
			form: map[string]string{"media_type": "REELS", "video_url": "https://cdn.example.com/v.mp4", "caption": "Hello #go",
				"share_to_feed": "true", "cover_url": "https://cdn.example.com/c.jpg", "thumb_offset": "1500", "audio_name": "Original",
				"collaborators": `["ann","bob"]`, "user_tags": `[{"username":"ann"}]`, "location_id": "110843418940484",
				"trial_params": `{"graduation_strategy":"MANUAL"}`},
			check: func(t *testing.T, out any) {
				if c := out.(Container); c.ID != "17889455560051444" {
					t.Errorf("container = %+v", c)
				}
			},
		},
		{
			name: "single image", reply: `{"id":"1"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{ImageURL: "https://x/p.jpg", Caption: "c", AltText: "a cat",
					UserTags: []UserTag{{Username: "ann", X: &x, Y: &y}}})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"image_url": "https://x/p.jpg", "caption": "c", "alt_text": "a cat", "media_type": "",
				"user_tags": `[{"username":"ann","x":0.5,"y":0.8}]`},
		},
		{
			name: "carousel image item", reply: `{"id":"c1"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{ImageURL: "https://x/p.jpg", IsCarouselItem: true})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"image_url": "https://x/p.jpg", "is_carousel_item": "true", "media_type": ""},
		},
		{
			name: "carousel video item", reply: `{"id":"c2"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{MediaType: MediaVideo, VideoURL: "https://x/v.mp4", IsCarouselItem: true})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"media_type": "VIDEO", "video_url": "https://x/v.mp4", "is_carousel_item": "true"},
		},
		{
			name: "carousel parent", reply: `{"id":"parent"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{MediaType: MediaCarousel, Children: []string{"c1", "c2"}, Caption: "two"})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"media_type": "CAROUSEL", "children": "c1,c2", "caption": "two"},
		},
		{
			name: "story video", reply: `{"id":"s1"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{MediaType: MediaStories, VideoURL: "https://x/v.mp4"})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"media_type": "STORIES", "video_url": "https://x/v.mp4"},
		},
		{
			name: "story image", reply: `{"id":"s2"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "me", ContainerRequest{MediaType: MediaStories, ImageURL: "https://x/p.jpg"})
			},
			method: "POST", path: "/v25.0/me/media",
			form: map[string]string{"media_type": "STORIES", "image_url": "https://x/p.jpg"},
		},
		{
			name: "resumable reel", cfg: fb,
			reply: `{"id":"CID1","uri":"https://rupload.facebook.com/ig-api-upload/v25.0/CID1"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateContainer(ctx, "1784", ContainerRequest{MediaType: MediaReels, Resumable: true, Caption: "x"})
			},
			method: "POST", path: "/v25.0/1784/media",
			form: map[string]string{"media_type": "REELS", "upload_type": "resumable", "video_url": ""},
			check: func(t *testing.T, out any) {
				if c := out.(Container); c.UploadURI != "https://rupload.facebook.com/ig-api-upload/v25.0/CID1" {
					t.Errorf("container = %+v", c)
				}
			},
		},
		{
			name:   "container status",
			reply:  `{"status_code":"IN_PROGRESS","status":"In Progress: Media is still being processed.","id":"17889"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ContainerStatus(ctx, "17889") },
			method: "GET", path: "/v25.0/17889", header: bearer,
			query: map[string]string{"fields": "status_code,status"},
			check: func(t *testing.T, out any) {
				if s := out.(Status); s.Code != StatusInProgress || s.ID != "17889" {
					t.Errorf("status = %+v", s)
				}
			},
		},
		{
			name: "publish", reply: `{"id":"17920238422030506"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Publish(ctx, "1784", "17889") },
			method: "POST", path: "/v25.0/1784/media_publish", header: bearer,
			form: map[string]string{"creation_id": "17889"},
			check: func(t *testing.T, out any) {
				if out.(string) != "17920238422030506" {
					t.Errorf("media id = %v", out)
				}
			},
		},
		{
			name:   "publishing limit",
			reply:  `{"data":[{"quota_usage":2,"config":{"quota_total":50,"quota_duration":86400}}]}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.PublishingLimit(ctx, "1784") },
			method: "GET", path: "/v25.0/1784/content_publishing_limit",
			query: map[string]string{"fields": "quota_usage,config"},
			check: func(t *testing.T, out any) {
				l := out.(PublishingLimit)
				if l.QuotaUsage != 2 || l.QuotaTotal != 50 || l.QuotaDuration != 24*time.Hour || l.Remaining() != 48 {
					t.Errorf("limit = %+v", l)
				}
			},
		},
		{
			name: "media fields",
			reply: `{"id":"17920238422030506","media_type":"VIDEO","media_product_type":"REELS","permalink":"https://www.instagram.com/reel/DAbCdEf/",
				"shortcode":"DAbCdEf","timestamp":"2026-03-01T10:00:00+0000","caption":"Hello #go","like_count":0,"comments_count":0,
				"media_url":"https://scontent.example/v","thumbnail_url":"https://scontent.example/t","is_shared_to_feed":true,
				"children":{"data":[{"id":"k1","media_type":"IMAGE"}]}}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Media(ctx, "17920238422030506") },
			method: "GET", path: "/v25.0/17920238422030506",
			query: map[string]string{"fields": DefaultMediaFields},
			check: func(t *testing.T, out any) {
				m := out.(Media)
				want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
				if m.Permalink != "https://www.instagram.com/reel/DAbCdEf/" || !m.Timestamp.Equal(want) || m.MediaProductType != "REELS" ||
					m.IsSharedToFeed == nil || !*m.IsSharedToFeed || len(m.Children) != 1 || m.Children[0].ID != "k1" {
					t.Errorf("media = %+v", m)
				}
			},
		},
		{
			name:  "list media",
			reply: `{"data":[{"id":"m1","timestamp":"2026-03-01T10:00:00+0000","caption":"a"}],"paging":{"cursors":{"before":"B","after":"A"},"next":"https://graph.instagram.com/v25.0/1784/media?after=A"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				m, p, err := c.ListMedia(ctx, "1784", ListMediaOptions{PageOptions: PageOptions{Limit: 5, After: "X"},
					Since: time.Unix(1700000000, 0), Fields: []string{"id", "timestamp", "caption"}})
				return []any{m, p}, err
			},
			method: "GET", path: "/v25.0/1784/media",
			query: map[string]string{"fields": "id,timestamp,caption", "limit": "5", "after": "X", "since": "1700000000"},
			check: func(t *testing.T, out any) {
				o := out.([]any)
				if m, p := o[0].([]Media), o[1].(Paging); len(m) != 1 || p.After != "A" || !p.HasNext {
					t.Errorf("list = %+v %+v", m, p)
				}
			},
		},
		{
			name: "delete media", reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteMedia(ctx, "m1") },
			method: "DELETE", path: "/v25.0/m1",
		},
		{
			name: "token in query", cfg: Config{Flavour: FlavourInstagram, TokenInQuery: true},
			reply:  `{"id":"1"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Me(ctx) },
			method: "GET", path: "/v25.0/me", noAuthz: true,
			query: map[string]string{"access_token": testToken},
		},
		{
			name: "upload from url", cfg: fb, reply: `{"success":true,"message":"Upload successful."}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UploadFromURL(ctx, "CID1", "https://cdn.example.com/v.mp4", UploadOptions{})
			},
			method: "POST", path: "/ig-api-upload/v25.0/CID1",
			header: map[string]string{"Authorization": "OAuth " + testToken, "File_url": "https://cdn.example.com/v.mp4"},
			absent: []string{"access_token", "appsecret_proof"},
		},
		{
			name: "other version", cfg: Config{Flavour: FlavourFacebook, Version: "v24.0"}, reply: `{"id":"1"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Me(ctx) },
			method: "GET", path: "/v24.0/me",
		},
	}
	cases = append(cases, socialShapeCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, replyOK(tc.reply))
			c, _ := testClient(t, f, tc.cfg)
			out, err := tc.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			wantValues(t, "query", r.Query, tc.query)
			wantValues(t, "form", r.Form, tc.form)
			for k, v := range tc.header {
				if g := r.Header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			for _, k := range tc.absent {
				if r.Query.Has(k) || r.Form.Has(k) {
					t.Errorf("%s must not be sent", k)
				}
			}
			if tc.noAuthz && r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization header sent: the call must carry no header token")
			}
			if tc.json != "" {
				var got, want any
				if err := json.Unmarshal(r.Body, &got); err != nil {
					t.Fatalf("body %q: %v", r.Body, err)
				}
				json.Unmarshal([]byte(tc.json), &want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body = %s, want %s", r.Body, tc.json)
				}
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// TestHostsWithoutEndpoint checks the real hosts per flavour; no request
// is sent (the URLs are only built).
func TestHostsWithoutEndpoint(t *testing.T) {
	ig, _ := New(Config{Flavour: FlavourInstagram})
	fb, _ := New(Config{Flavour: FlavourFacebook})
	cases := []struct {
		c    *Client
		h    host
		want string
	}{
		{ig, hostGraph, "https://graph.instagram.com/x"},
		{fb, hostGraph, "https://graph.facebook.com/x"},
		{ig, hostFacebookGraph, "https://graph.facebook.com/x"},
		{ig, hostInstagramAPI, "https://api.instagram.com/x"},
		{ig, hostInstagramWWW, "https://www.instagram.com/x"},
		{fb, hostFacebookWWW, "https://www.facebook.com/x"},
		{fb, hostRupload, "https://rupload.facebook.com/x"},
	}
	for _, tc := range cases {
		if got := tc.c.hostURL(tc.h, "/x"); got != tc.want {
			t.Errorf("hostURL(%d) = %s, want %s", tc.h, got, tc.want)
		}
	}
	e, err := New(Config{Flavour: FlavourFacebook, Endpoint: "http://127.0.0.1:9999/base/"})
	if err != nil {
		t.Fatal(err)
	}
	for h := hostGraph; h <= hostRupload; h++ {
		if got := e.hostURL(h, "/v25.0/me"); got != "http://127.0.0.1:9999/base/v25.0/me" {
			t.Errorf("endpoint hostURL(%d) = %s", h, got)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Flavour: "tiktok"},
		{Flavour: FlavourInstagram, Version: "25"},
		{Flavour: FlavourInstagram, Endpoint: "ftp://x"},
		{Flavour: FlavourInstagram, Endpoint: "http://x/?access_token=IGAAsecretsecretsecretsecret"},
	} {
		_, err := New(cfg)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%+v) = %v, want invalid", cfg, err)
		}
		if err != nil && (contains(err.Error(), "IGAAsecret")) {
			t.Errorf("error leaks the endpoint's token: %v", err)
		}
	}
	c, err := New(Config{Flavour: " Facebook "})
	if err != nil || c.Flavour() != FlavourFacebook || c.Version() != DefaultVersion {
		t.Errorf("New(Facebook) = %v, %v", c, err)
	}
}
