package meta_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
)

// These tests run the client against the independent emulator in
// meta/sandbox, so a misreading of docs/META.md on either side shows.

const redirect = "http://localhost:8788/callback"

func startSandbox(t *testing.T, o sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	if o.Seed == 0 {
		o.Seed = 1
	}
	s := sandbox.New(o)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, srv.URL
}

func newClient(t *testing.T, base string, f meta.Flavour, ts oauth2.TokenSource) *meta.Client {
	t.Helper()
	c, err := meta.New(meta.Config{Flavour: f, Endpoint: base, AppID: sandbox.DefaultAppID, AppSecret: sandbox.DefaultAppSecret,
		RedirectURL: redirect, TokenSource: ts, Retry: meta.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browse plays the browser: follow the authorize URL to its redirect and
// return the redirect's query.
func browse(t *testing.T, authURL string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != redirect {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func fastWait() meta.WaitOptions {
	return meta.WaitOptions{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, Timeout: 20 * time.Second}
}

func TestSandboxInstagramLogin(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{})
	login := newClient(t, base, meta.FlavourInstagram, nil)
	u, err := login.AuthCodeURL(meta.AuthURLOptions{State: "st-123"})
	if err != nil {
		t.Fatal(err)
	}
	q := browse(t, u)
	if q.Get("state") != "st-123" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}
	tok, err := login.ExchangeCode(t.Context(), q.Get("code"), "")
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	if tok.Expiry.Sub(s.Now()) < 59*24*time.Hour {
		t.Errorf("long-lived token expires %v", tok.Expiry)
	}
	if _, err := login.ExchangeCode(t.Context(), q.Get("code"), ""); !meta.ClassOf(err).Refused() {
		t.Errorf("reused code: %v (class %v), want a rejection", err, meta.ClassOf(err))
	}
	c := login.WithTokenSource(meta.StaticToken(tok.AccessToken))
	me, err := c.Me(t.Context())
	if err != nil || me.Username != sandbox.IGCreatorUsername || me.UserID != sandbox.IGCreatorID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if _, err := c.RefreshToken(t.Context(), tok.AccessToken); err == nil {
		t.Error("refresh of a token younger than 24 h must fail")
	}
	s.Advance(25 * time.Hour)
	fresh, err := c.RefreshToken(t.Context(), tok.AccessToken)
	if err != nil || fresh.AccessToken == "" {
		t.Fatalf("refresh after 25 h: %v", err)
	}
	s.ExpireTokens()
	_, err = newClient(t, base, meta.FlavourInstagram, meta.StaticToken(fresh.AccessToken)).Me(t.Context())
	if !meta.IsLoginNeeded(err) {
		t.Errorf("expired token: %v (class %v), want login needed", err, meta.ClassOf(err))
	}
}

func TestSandboxFacebookLogin(t *testing.T) {
	_, base := startSandbox(t, sandbox.Options{})
	login := newClient(t, base, meta.FlavourFacebook, nil)
	v := oauth2.GenerateVerifier()
	u, err := login.AuthCodeURL(meta.AuthURLOptions{State: "fb-st", Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	q := browse(t, u)
	if _, err := login.ExchangeCode(t.Context(), q.Get("code"), "wrong-verifier-0123456789012345678901234567"); err == nil {
		t.Error("a wrong PKCE verifier must be refused")
	}
	q = browse(t, u)
	tok, err := login.ExchangeCode(t.Context(), q.Get("code"), v)
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	c := login.WithTokenSource(meta.StaticToken(tok.AccessToken))
	pages, err := c.Pages(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ig := map[string]bool{}
	for _, p := range pages {
		if p.IGAccount != nil {
			ig[p.IGAccount.ID] = true
		}
	}
	if !ig[sandbox.IGCreatorID] || !ig[sandbox.IGBrandID] {
		t.Errorf("pages %v, want both IG accounts", pages)
	}
	info, err := c.DebugToken(t.Context(), tok.AccessToken)
	if err != nil || !info.IsValid || info.AppID != sandbox.DefaultAppID {
		t.Errorf("DebugToken = %+v, %v", info, err)
	}
	acct, err := c.IGAccount(t.Context(), sandbox.IGBrandID)
	if err != nil || acct.Username != sandbox.IGBrandUsername {
		t.Errorf("IGAccount = %+v, %v", acct, err)
	}
	if err := c.Revoke(t.Context()); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := c.Me(t.Context()); !meta.IsLoginNeeded(err) {
		t.Errorf("after revoke: %v, want login needed", err)
	}
}

// igClient mints an Instagram Login token for the creator account.
func igClient(t *testing.T, s *sandbox.Server, base string) *meta.Client {
	t.Helper()
	login := newClient(t, base, meta.FlavourInstagram, nil)
	u, _ := login.AuthCodeURL(meta.AuthURLOptions{State: "s"})
	tok, err := login.ExchangeCode(t.Context(), browse(t, u).Get("code"), "")
	if err != nil {
		t.Fatal(err)
	}
	return login.WithTokenSource(meta.StaticToken(tok.AccessToken))
}

func fbClient(t *testing.T, base string) *meta.Client {
	t.Helper()
	login := newClient(t, base, meta.FlavourFacebook, nil)
	v := oauth2.GenerateVerifier()
	u, _ := login.AuthCodeURL(meta.AuthURLOptions{State: "s", Verifier: v})
	tok, err := login.ExchangeCode(t.Context(), browse(t, u).Get("code"), v)
	if err != nil {
		t.Fatal(err)
	}
	return login.WithTokenSource(meta.StaticToken(tok.AccessToken))
}

func TestSandboxPublishReel(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{ProcessingTime: 30 * time.Millisecond})
	c := igClient(t, s, base)
	ctx := t.Context()
	lim, err := c.PublishingLimit(ctx, "me")
	if err != nil || lim.QuotaTotal != sandbox.DefaultPublishQuota {
		t.Fatalf("PublishingLimit = %+v, %v", lim, err)
	}
	ct, err := c.CreateContainer(ctx, sandbox.IGCreatorID, meta.ContainerRequest{MediaType: meta.MediaReels,
		VideoURL: "https://cdn.example.com/v.mp4", Caption: "Hello #go", ShareToFeed: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitContainer(ctx, ct.ID, fastWait())
	if err != nil || st.Code != meta.StatusFinished {
		t.Fatalf("WaitContainer: %+v %v", st, err)
	}
	if _, err := c.Publish(ctx, sandbox.IGCreatorID, ct.ID); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	pub := s.Published()
	if len(pub) != 1 {
		t.Fatalf("%d media published, want 1", len(pub))
	}
	m, err := c.Media(ctx, pub[0].ID)
	if err != nil || m.Permalink == "" || m.Caption != "Hello #go" || m.MediaProductType != "REELS" {
		t.Errorf("Media = %+v, %v", m, err)
	}
	if _, err := c.Publish(ctx, sandbox.IGCreatorID, ct.ID); !meta.ClassOf(err).Refused() {
		t.Errorf("second publish: %v (class %v), want permanent", err, meta.ClassOf(err))
	}
	list, _, err := c.ListMedia(ctx, "me", meta.ListMediaOptions{PageOptions: meta.PageOptions{Limit: 5}})
	if err != nil || len(list) == 0 {
		t.Errorf("ListMedia = %v, %v", list, err)
	}
	if st, _ := c.ContainerStatus(ctx, ct.ID); st.Code != meta.StatusPublished {
		t.Errorf("status after publish = %+v", st)
	}
}

func TestSandboxNotReadyAndDroppedPublish(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{ProcessingTime: time.Hour})
	c := igClient(t, s, base)
	ctx := t.Context()
	ct, err := c.CreateContainer(ctx, "me", meta.ContainerRequest{MediaType: meta.MediaReels, VideoURL: "https://cdn.example.com/v.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(ctx, "me", ct.ID)
	if !meta.IsNotReady(err) {
		t.Fatalf("publish before FINISHED: %v, want not-ready", err)
	}
	s.Advance(2 * time.Hour)
	s.DropNextPublishResponse()
	_, err = c.Publish(ctx, "me", ct.ID)
	if !meta.IsUnconfirmed(err) {
		t.Fatalf("dropped publish response: %v (class %v), want unconfirmed", err, meta.ClassOf(err))
	}
	st, err := c.ContainerStatus(ctx, ct.ID)
	if err != nil || st.Code != meta.StatusPublished || len(s.Published()) != 1 {
		t.Errorf("after a lost response: %+v %v, %d published", st, err, len(s.Published()))
	}
}

func TestSandboxContainerError(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{ProcessingTime: -1})
	c := igClient(t, s, base)
	s.FailNextContainers(1, "", 0, 0)
	ct, err := c.CreateContainer(t.Context(), "me", meta.ContainerRequest{MediaType: meta.MediaReels, VideoURL: "https://cdn.example.com/v.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitContainer(t.Context(), ct.ID, fastWait())
	if st.Code != meta.StatusError || !meta.ClassOf(err).Refused() {
		t.Errorf("failed container: %+v %v", st, err)
	}
	if _, err := c.CreateContainer(t.Context(), "me", meta.ContainerRequest{MediaType: meta.MediaReels, Resumable: true}); err == nil {
		t.Error("resumable on Instagram Login should be refused by the sandbox (video_url required)")
	}
}

func TestSandboxResumableUploadAndCarousel(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{ProcessingTime: -1})
	c := fbClient(t, base)
	ctx := t.Context()
	data := make([]byte, 3<<20)
	rand.Read(data)
	ct, err := c.CreateContainer(ctx, sandbox.IGCreatorID, meta.ContainerRequest{MediaType: meta.MediaReels, Resumable: true, Caption: "uploaded"})
	if err != nil {
		t.Fatal(err)
	}
	s.DropNextUpload(1<<20 + 777)
	var last int64
	if err := c.Upload(ctx, ct.ID, bytes.NewReader(data), int64(len(data)), meta.UploadOptions{URI: ct.UploadURI,
		Progress: func(sent, _ int64) { last = sent }}); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if last != int64(len(data)) {
		t.Errorf("progress ended at %d", last)
	}
	cs, ok := s.Container(ct.ID)
	if !ok || cs.Upload == nil {
		t.Fatalf("sandbox container %+v", cs)
	}
	if st, err := c.WaitContainer(ctx, ct.ID, fastWait()); err != nil || st.Code != meta.StatusFinished {
		t.Fatalf("WaitContainer: %+v %v", st, err)
	}
	if _, err := c.Publish(ctx, sandbox.IGCreatorID, ct.ID); err != nil {
		t.Fatal(err)
	}

	var kids []string
	for _, r := range []meta.ContainerRequest{
		{ImageURL: "https://cdn.example.com/a.jpg", IsCarouselItem: true},
		{MediaType: meta.MediaVideo, VideoURL: "https://cdn.example.com/b.mp4", IsCarouselItem: true},
	} {
		k, err := c.CreateContainer(ctx, sandbox.IGCreatorID, r)
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, k.ID)
	}
	parent, err := c.CreateContainer(ctx, sandbox.IGCreatorID, meta.ContainerRequest{MediaType: meta.MediaCarousel, Children: kids, Caption: "two"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitContainer(ctx, parent.ID, fastWait()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, sandbox.IGCreatorID, parent.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Published()); n != 2 {
		t.Errorf("%d published, want 2", n)
	}
}

func TestSandboxComments(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{})
	c := igClient(t, s, base)
	ctx := t.Context()
	var all []meta.Comment
	p := meta.PageOptions{Limit: 5}
	for range 10 {
		page, paging, err := c.Comments(ctx, sandbox.SeedReelID, p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if !paging.HasNext {
			break
		}
		p.After = paging.After
	}
	if len(all) != 12 {
		t.Errorf("%d top-level comments across pages, want 12", len(all))
	}
	target := all[0].ID
	if all[0].ID == sandbox.SeedHiddenCommentID {
		target = all[1].ID
	}
	id, err := c.ReplyComment(ctx, target, "thanks!")
	if err != nil || id == "" {
		t.Fatalf("ReplyComment: %q %v", id, err)
	}
	replies, _, err := c.Replies(ctx, target, meta.PageOptions{Limit: 10})
	found := false
	for _, r := range replies {
		found = found || r.ID == id
	}
	if err != nil || !found {
		t.Errorf("Replies = %v, %v; want the new reply", replies, err)
	}
	if err := c.HideComment(ctx, target, true); err != nil {
		t.Fatal(err)
	}
	if cm, err := c.Comment(ctx, target); err != nil || !cm.Hidden {
		t.Errorf("after hide: %+v %v", cm, err)
	}
	if err := c.HideComment(ctx, target, false); err != nil {
		t.Fatal(err)
	}
	mine, err := c.PostComment(ctx, sandbox.SeedReelID, "first comment")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteComment(ctx, mine); err != nil {
		t.Fatal(err)
	}
	mc, err := c.MentionedComment(ctx, sandbox.IGCreatorID, sandbox.SeedMentionCommentID)
	if err != nil || mc.ID != sandbox.SeedMentionCommentID {
		t.Errorf("MentionedComment = %+v, %v", mc, err)
	}
	mm, err := c.MentionedMedia(ctx, sandbox.IGCreatorID, sandbox.SeedBrandReelID)
	if err != nil || mm.ID != sandbox.SeedBrandReelID {
		t.Errorf("MentionedMedia = %+v, %v", mm, err)
	}
	if _, err := c.ReplyMention(ctx, sandbox.IGCreatorID, sandbox.SeedBrandReelID, sandbox.SeedMentionCommentID, "thanks for the mention"); err != nil {
		t.Errorf("ReplyMention: %v", err)
	}
}

func TestSandboxMessages(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{})
	c := igClient(t, s, base)
	ctx := t.Context()
	convs, _, err := c.Conversations(ctx, "me", meta.ConversationOptions{})
	if err != nil || len(convs) == 0 {
		t.Fatalf("Conversations = %v, %v", convs, err)
	}
	msgs, err := c.ConversationMessages(ctx, sandbox.ConvOpenID)
	if err != nil || len(msgs) == 0 || len(msgs) > meta.MaxThreadMessages {
		t.Fatalf("ConversationMessages: %d, %v", len(msgs), err)
	}
	if m, err := c.Message(ctx, msgs[0].ID); err != nil || m.ID != msgs[0].ID {
		t.Errorf("Message = %+v, %v", m, err)
	}
	if r, err := c.SendMessage(ctx, "me", sandbox.FanID, "Thanks for reaching out!"); err != nil || r.MessageID == "" {
		t.Errorf("SendMessage in window: %+v %v", r, err)
	}
	_, err = c.SendMessage(ctx, "me", sandbox.Fan2ID, "late")
	var e *meta.Error
	if !errors.As(err, &e) || e.Code != 10 || e.Subcode != 2534022 || !meta.ClassOf(err).Refused() {
		t.Errorf("SendMessage outside window: %v, want 10/2534022 (refused)", err)
	}
	cm, err := s.AddComment(sandbox.SeedReelID, sandbox.FanUsername, "price?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PrivateReply(ctx, "me", cm.ID, "Sent you the details in DM"); err != nil {
		t.Errorf("PrivateReply: %v", err)
	}
	if _, err := c.PrivateReply(ctx, "me", cm.ID, "again"); err == nil {
		t.Error("a second private reply to one comment must be refused")
	}
}

func TestSandboxRateLimitsAndUsage(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{})
	c := igClient(t, s, base)
	ctx := t.Context()
	if err := s.RateLimitNext(1, 4, 95, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(ctx); err != nil {
		t.Errorf("a single code-4 answer should be retried away: %v", err)
	}
	if err := s.RateLimitNext(1, 80002, 100, 10); err != nil {
		t.Fatal(err)
	}
	_, err := c.PublishingLimit(ctx, "me")
	var e *meta.Error
	if !meta.IsRateLimited(err) || !errors.As(err, &e) || e.RetryAfter != 10*time.Minute {
		t.Errorf("BUC limit: %v, want rate-limited with RetryAfter 10m", err)
	}
	if u := c.LastUsage(); !u.High() || u.RegainAccess() != 10*time.Minute {
		t.Errorf("usage after BUC limit = %+v", u)
	}
	s.SetUsage(-1)
	s.SetFailRate(1)
	_, err = c.Me(ctx)
	if !meta.IsTransient(err) {
		t.Errorf("fail-rate 1: %v, want transient", err)
	}
	s.SetFailRate(0)
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if c.LastUsage().App == nil {
		t.Error("no X-App-Usage parsed from the sandbox")
	}
}

func TestSandboxLatencyHonoursContext(t *testing.T) {
	s, base := startSandbox(t, sandbox.Options{})
	c := igClient(t, s, base)
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Me(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || meta.ClassOf(err).MayHaveActed() {
		t.Errorf("deadline: %v (class %v), want the deadline", err, meta.ClassOf(err))
	}
	s.SetLatency(0)
}
