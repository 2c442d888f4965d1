package daemon

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

// TestEventsFollowAcrossRestart runs the real daemon (Run) with its public
// listener, follows events, restarts the daemon, and checks that the
// follower resumes after the last id it saw: ids keep increasing, nothing
// is repeated or skipped.
func TestEventsFollowAcrossRestart(t *testing.T) {
	t.Setenv("IMPRESS_KEYRING", "file")
	sb := sandbox.New(sandbox.Options{Seed: 11, ProcessingTime: -1})
	hs := httptest.NewServer(sb)
	defer func() { hs.Close(); sb.Close() }()
	p := testPaths(t)
	port := daemontest.FreePort(t)
	publicURL := fmt.Sprintf("http://127.0.0.1:%d/webhooks/meta", port)
	cfg := fmt.Sprintf("meta:\n  endpoint: %s\n  app_id: %q\n  app_secret: %q\n  webhook_verify_token: tok\n"+
		"daemon:\n  public_listen: 127.0.0.1:%d\n  public_url: https://hooks.example.com\n", hs.URL, sb.AppID(), sb.AppSecret(), port)
	testkit.WriteFile(t, p.ConfigFile, cfg)
	c, stop1, done1 := startDaemon(t, p)
	tok, err := sb.IssueToken(sandbox.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoginWithToken(t.Context(), api.TokenLogin{Connection: "main", Token: tok}); err != nil {
		t.Fatal(err)
	}
	h, err := c.Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(h.Checks), fmt.Sprintf("listening on 127.0.0.1:%d", port)) {
		t.Fatalf("health does not show the public listener: %+v", h.Checks)
	}
	deliver := func(id string) {
		t.Helper()
		body := daemontest.CommentPayload(sandbox.IGCreatorID, sandbox.FanID, sandbox.FanUsername, sandbox.SeedReelID, id, "hello "+id, time.Now().Unix())
		req, _ := http.NewRequest("POST", publicURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", sandbox.SignBody(sb.AppSecret(), body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %s: %d", id, resp.StatusCode)
		}
	}
	var mu sync.Mutex
	var seen []uint64
	follow := func(ctx context.Context, since uint64) error {
		return c.FollowEvents(ctx, api.EventsQuery{Since: since}, func(ev api.Event) error {
			mu.Lock()
			seen = append(seen, ev.ID)
			mu.Unlock()
			return nil
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }

	deliver("17858800000000001")
	ended := make(chan error, 1)
	go func() { ended <- follow(t.Context(), 0) }()
	daemontest.WaitFor(t, 10*time.Second, func() bool { return count() == 1 })
	deliver("17858800000000002")
	daemontest.WaitFor(t, 10*time.Second, func() bool { return count() == 2 })

	stop1()
	if err := <-done1; err != nil {
		t.Fatalf("daemon run: %v", err)
	}
	select {
	case <-ended: // the stream ends with the daemon
	case <-time.After(15 * time.Second):
		t.Fatal("the follow stream outlived the daemon")
	}

	c, _, _ = startDaemon(t, p)
	deliver("17858800000000002") // Meta's retry of an event stored before the restart
	deliver("17858800000000003")
	mu.Lock()
	last := seen[len(seen)-1]
	mu.Unlock()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { ended <- follow(ctx, last) }()
	daemontest.WaitFor(t, 10*time.Second, func() bool { return count() == 3 })
	deliver("17858800000000004")
	daemontest.WaitFor(t, 10*time.Second, func() bool { return count() == 4 })
	cancel()
	<-ended
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen) != "[1 2 3 4]" {
		t.Errorf("followed ids %v, want [1 2 3 4]", seen)
	}
}
