package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const redirect = "http://localhost:8788/callback"

var errStop = errors.New("stopped at loopback redirect")

// browse plays the browser: GET the authorize URL and stop at the
// redirect to the loopback callback, returning the Location.
func browse(t *testing.T, authorize string) (*http.Response, *url.URL) {
	t.Helper()
	var loc *url.URL
	client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		loc = req.URL
		return errStop
	}}
	res, err := client.Get(authorize)
	if err != nil && !errors.Is(err, errStop) {
		t.Fatalf("authorize: %v", err)
	}
	if res != nil {
		res.Body.Close()
	}
	return res, loc
}

func TestInstagramLoginFlow(t *testing.T) {
	e := newEnv(t, Options{})
	q := vals("client_id", DefaultAppID, "redirect_uri", redirect, "response_type", "code",
		"scope", "instagram_business_basic,instagram_business_content_publish", "state", "st4te")
	res, loc := browse(t, e.base+"/oauth/authorize?"+q.Encode())
	if res.StatusCode != http.StatusFound || loc == nil {
		t.Fatalf("authorize status %d, loc %v", res.StatusCode, loc)
	}
	raw := res.Header.Get("Location")
	if !strings.HasSuffix(raw, "#_") {
		t.Errorf("Location %q lacks Instagram's #_ suffix", raw)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Errorf("redirected to %s, want %s", got, redirect)
	}
	code, state := loc.Query().Get("code"), loc.Query().Get("state")
	if code == "" || state != "st4te" {
		t.Fatalf("code %q state %q", code, state)
	}

	exchange := func(code string) *resp {
		return e.do(http.MethodPost, "/oauth/access_token", vals("client_id", DefaultAppID,
			"client_secret", DefaultAppSecret, "grant_type", "authorization_code", "redirect_uri", redirect, "code", code), "")
	}
	r := exchange(code)
	wantStatus(t, r, 200)
	var ex struct {
		Data []struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
			Permissions string `json:"permissions"`
		} `json:"data"`
	}
	_ = json.Unmarshal(r.body, &ex)
	if len(ex.Data) != 1 || !strings.HasPrefix(ex.Data[0].AccessToken, "IGAA") {
		t.Fatalf("exchange body %s", r.body)
	}
	if ex.Data[0].Permissions != "instagram_business_basic,instagram_business_content_publish" {
		t.Errorf("permissions %q", ex.Data[0].Permissions)
	}
	short := ex.Data[0].AccessToken

	// The code is single use; the error is the flat api.instagram.com shape.
	r = exchange(code)
	wantStatus(t, r, 400)
	if m := r.obj(t); m["error_type"] != "OAuthException" || m["error_message"] != "Matching code was not found or was already used" || m["code"] != float64(400) {
		t.Errorf("reuse error %s", r.body)
	}

	// /me: user_id is the professional account id, id the app-scoped one.
	me := e.get("/v25.0/me", short, "fields", "user_id,username,id").obj(t)
	if me["user_id"] != IGCreatorID || me["username"] != IGCreatorUsername || me["id"] != ex.Data[0].UserID {
		t.Errorf("/me = %v (token user_id %s)", me, ex.Data[0].UserID)
	}

	// Short → long.
	r = e.get("/access_token", short, "grant_type", "ig_exchange_token", "client_secret", DefaultAppSecret)
	wantStatus(t, r, 200)
	m := r.obj(t)
	long := str(m, "access_token")
	if m["token_type"] != "bearer" || m["expires_in"] != float64(5184000) || long == "" || long == short {
		t.Fatalf("long-lived exchange %s", r.body)
	}
	wantErr(t, e.get("/access_token", short, "grant_type", "ig_exchange_token", "client_secret", "nope"), 400, 101, 0)

	// Refresh: refused under 24 h, as a POST, and for short tokens; fine after.
	g := wantErr(t, e.get("/refresh_access_token", long, "grant_type", "ig_refresh_token"), 400, 100, 0)
	if !strings.Contains(g.Message, "24 hours") {
		t.Errorf("young refresh message %q", g.Message)
	}
	g = wantErr(t, e.post("/refresh_access_token", long, "grant_type", "ig_refresh_token"), 400, 100, 0)
	if g.Message != "Unsupported request - method type: post" {
		t.Errorf("POST refresh message %q", g.Message)
	}
	e.clock.Advance(25 * time.Hour)
	wantErr(t, e.get("/refresh_access_token", short, "grant_type", "ig_refresh_token"), 400, 190, 463) // short one expired
	r = e.get("/refresh_access_token", long, "grant_type", "ig_refresh_token")
	wantStatus(t, r, 200)
	if str(r.obj(t), "access_token") == "" {
		t.Errorf("refresh body %s", r.body)
	}
	// An Instagram token on a Facebook-only path cannot be parsed there.
	wantErr(t, e.get("/v25.0/me/accounts", long), 400, 190, 0)
}

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t, Options{})
	cases := map[string]url.Values{
		"unregistered redirect": vals("client_id", DefaultAppID, "redirect_uri", "http://localhost:9999/callback", "response_type", "code", "scope", "instagram_business_basic"),
		"trailing slash":        vals("client_id", DefaultAppID, "redirect_uri", redirect+"/", "response_type", "code", "scope", "instagram_business_basic"),
		"wrong client_id":       vals("client_id", "123", "redirect_uri", redirect, "response_type", "code", "scope", "instagram_business_basic"),
		"deprecated scope":      vals("client_id", DefaultAppID, "redirect_uri", redirect, "response_type", "code", "scope", "business_basic"),
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/oauth/authorize", "/v25.0/dialog/oauth"} {
				if name == "deprecated scope" && path != "/oauth/authorize" {
					continue
				}
				res, loc := browse(t, e.base+path+"?"+q.Encode())
				if res.StatusCode != http.StatusBadRequest || loc != nil || res.Header.Get("Location") != "" {
					t.Errorf("%s: status %d location %v, want 400 without redirect", path, res.StatusCode, loc)
				}
			}
		})
	}
}

func TestDenyLogin(t *testing.T) {
	e := newEnv(t, Options{})
	e.s.DenyNextLogin()
	q := vals("client_id", DefaultAppID, "redirect_uri", redirect, "response_type", "code", "scope", "instagram_business_basic", "state", "s")
	_, loc := browse(t, e.base+"/oauth/authorize?"+q.Encode())
	if loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("error_reason") != "user_denied" || loc.Query().Get("code") != "" {
		t.Fatalf("denied redirect %v", loc)
	}
	_, loc = browse(t, e.base+"/oauth/authorize?"+q.Encode())
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("second login should succeed: %v", loc)
	}
}

func pkce(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestFacebookLoginPKCEAndPages(t *testing.T) {
	e := newEnv(t, Options{})
	verifier := "verifier-0123456789-0123456789-0123456789"
	authorize := func() string {
		q := vals("client_id", DefaultAppID, "redirect_uri", redirect, "state", "xyz",
			"scope", "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement",
			"code_challenge", pkce(verifier), "code_challenge_method", "S256")
		res, loc := browse(t, e.base+"/v25.0/dialog/oauth?"+q.Encode())
		if res.StatusCode != http.StatusFound || loc.Query().Get("state") != "xyz" {
			t.Fatalf("dialog: %d %v", res.StatusCode, loc)
		}
		if strings.Contains(res.Header.Get("Location"), "#") {
			t.Errorf("facebook redirect has a fragment: %s", res.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	exch := func(code, v string) *resp {
		return e.get("/v25.0/oauth/access_token", "", "client_id", DefaultAppID, "client_secret", DefaultAppSecret,
			"redirect_uri", redirect, "code", code, "code_verifier", v)
	}
	code := authorize()
	wantErr(t, exch(code, "wrong-verifier"), 400, 100, 0)
	wantErr(t, exch(code, verifier), 400, 100, 36009) // consumed by the failed attempt

	code = authorize()
	r := exch(code, verifier)
	wantStatus(t, r, 200)
	user := str(r.obj(t), "access_token")
	if !strings.HasPrefix(user, "EAA") || r.obj(t)["expires_in"] != float64(5184000) {
		t.Fatalf("fb exchange %s", r.body)
	}
	if r.header.Get("X-App-Usage") == "" {
		t.Error("Graph token exchange lacks X-App-Usage")
	}
	// Redirect mismatch on a fresh code: 100/36008.
	code = authorize()
	wantErr(t, e.get("/v25.0/oauth/access_token", "", "client_id", DefaultAppID, "client_secret", DefaultAppSecret,
		"redirect_uri", "http://127.0.0.1:8788/callback", "code", code, "code_verifier", verifier), 400, 100, 36008)

	// fb_exchange_token → long-lived user token.
	r = e.get("/v25.0/oauth/access_token", "", "grant_type", "fb_exchange_token", "client_id", DefaultAppID,
		"client_secret", DefaultAppSecret, "fb_exchange_token", user)
	wantStatus(t, r, 200)

	// Two pages, each with its IG account and a page token.
	r = e.get("/v25.0/me/accounts", user, "fields", "id,name,access_token,instagram_business_account{id,username}")
	wantStatus(t, r, 200)
	pages := list(r.obj(t), "data")
	if len(pages) != 2 {
		t.Fatalf("pages %s", r.body)
	}
	want := map[string]string{PageCreatorID: IGCreatorUsername, PageBrandID: IGBrandUsername}
	for _, p := range pages {
		if str(p, "instagram_business_account", "username") != want[str(p, "id")] || str(p, "access_token") == "" {
			t.Errorf("page %v", p)
		}
	}
	pageTok := str(pages[1], "access_token")
	me := e.get("/v25.0/me", pageTok, "fields", "id,instagram_business_account").obj(t)
	if str(me, "id") != PageBrandID || str(me, "instagram_business_account", "id") != IGBrandID {
		t.Errorf("page /me %v", me)
	}
	// The page token reaches its own IG account, not the other one.
	wantStatus(t, e.get("/v25.0/"+IGBrandID, pageTok, "fields", "username"), 200)
	wantErr(t, e.get("/v25.0/"+IGCreatorID, pageTok, "fields", "username"), 400, 100, 33)
	// The user token reaches both.
	wantStatus(t, e.get("/v25.0/"+IGCreatorID+"/media", user), 200)

	// debug_token with the app token.
	r = e.get("/v25.0/debug_token", DefaultAppID+"|"+DefaultAppSecret, "input_token", user)
	d, _ := r.obj(t)["data"].(map[string]any)
	if d["is_valid"] != true || d["user_id"] != FBOwnerID || d["app_id"] != DefaultAppID {
		t.Errorf("debug_token %s", r.body)
	}

	// Revoking permissions kills the user's tokens and page tokens: 190/458.
	wantStatus(t, e.do(http.MethodDelete, "/v25.0/me/permissions", nil, user), 200)
	wantErr(t, e.get("/v25.0/me", user), 400, 190, 458)
	wantErr(t, e.get("/v25.0/me", pageTok), 400, 190, 458)
	r = e.get("/v25.0/debug_token", DefaultAppID+"|"+DefaultAppSecret, "input_token", user)
	if d, _ := r.obj(t)["data"].(map[string]any); d["is_valid"] != false {
		t.Errorf("debug_token after revoke %s", r.body)
	}
}

func TestSoloUserHasOnePage(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.s.LoginAs("", FBSoloID); err != nil {
		t.Fatal(err)
	}
	q := vals("client_id", DefaultAppID, "redirect_uri", redirect, "scope", "instagram_basic,pages_show_list")
	_, loc := browse(t, e.base+"/v25.0/dialog/oauth?"+q.Encode())
	r := e.get("/v25.0/oauth/access_token", "", "client_id", DefaultAppID, "client_secret", DefaultAppSecret,
		"redirect_uri", redirect, "code", loc.Query().Get("code"))
	tok := str(r.obj(t), "access_token")
	pages := list(e.get("/v25.0/me/accounts", tok, "fields", "instagram_business_account").obj(t), "data")
	if len(pages) != 1 || str(pages[0], "instagram_business_account", "id") != IGSoloID {
		t.Fatalf("solo pages %v", pages)
	}
	noPages, _ := e.s.IssueToken(TokenRequest{Flavour: "facebook", User: FBSoloID, Scopes: []string{"instagram_basic"}})
	wantErr(t, e.get("/v25.0/me/accounts", noPages), 403, 200, 0)
}

func TestCodeExpires(t *testing.T) {
	e := newEnv(t, Options{})
	q := vals("client_id", DefaultAppID, "redirect_uri", redirect, "response_type", "code", "scope", "instagram_business_basic")
	_, loc := browse(t, e.base+"/oauth/authorize?"+q.Encode())
	e.clock.Advance(61 * time.Minute)
	r := e.do(http.MethodPost, "/oauth/access_token", vals("client_id", DefaultAppID, "client_secret", DefaultAppSecret,
		"grant_type", "authorization_code", "redirect_uri", redirect, "code", loc.Query().Get("code")), "")
	if r.status != 400 || r.obj(t)["error_message"] != "This authorization code has expired." {
		t.Fatalf("expired code: %d %s", r.status, r.body)
	}
}
