package community

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// TestDeauthorizeFreshAndOnce: a correctly signed deauthorize from 2001
// or from the future changes nothing; a fresh one disconnects, with a
// confirmation code that `auth status` shows; the same request replayed
// (after the user connected again) gets the same code and disconnects
// nothing.
func TestDeauthorizeFreshAndOnce(t *testing.T) {
	e := newHookEnv(t)
	secret := e.sb.AppSecret()
	c, _ := e.s.DB.Conn("main")
	now := e.clock.Now()
	send := func(payload map[string]any) (int, deauthorizeAnswer) {
		t.Helper()
		form := url.Values{"signed_request": {daemontest.SignRequest(t, payload, secret)}}
		resp, body := e.post(t, "/meta/deauthorize", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
		var a deauthorizeAnswer
		if resp.StatusCode == 200 {
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				t.Fatalf("answer %q: %v", body, err)
			}
		}
		return resp.StatusCode, a
	}
	for name, issued := range map[string]time.Time{
		"2001":         time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC),
		"yesterday":    now.Add(-25 * time.Hour),
		"in an hour":   now.Add(time.Hour),
		"in 2100":      time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		"no issued_at": {},
	} {
		p := map[string]any{"algorithm": "HMAC-SHA256", "user_id": c.AppUserID, "expires": now.Add(time.Hour).Unix()}
		if !issued.IsZero() {
			p["issued_at"] = issued.Unix()
		}
		if st, _ := send(p); st != http.StatusBadRequest {
			t.Errorf("deauthorize issued %s: %d, want 400", name, st)
		}
	}
	if c, _ := e.s.DB.Conn("main"); c.State != store.ConnOK || len(c.SealedToken) == 0 {
		t.Fatalf("a stale deauthorize disconnected the connection: %+v", c)
	}

	payload := map[string]any{"algorithm": "HMAC-SHA256", "user_id": c.AppUserID, "issued_at": now.Unix(), "expires": now.Add(time.Hour).Unix()}
	st, first := send(payload)
	if st != 200 || !first.Success || !public.CodeRE().MatchString(first.ConfirmationCode) {
		t.Fatalf("fresh deauthorize: %d %+v", st, first)
	}
	as, err := e.c.AuthStatus(t.Context())
	if err != nil || len(as.Connections) != 1 {
		t.Fatalf("auth status: %+v, %v", as, err)
	}
	rm := as.Connections[0].Removal
	if as.Connections[0].State != api.ConnDisconnected || rm == nil || rm.Reason != api.RemovedByDeauthorize ||
		rm.Code != first.ConfirmationCode || rm.Fix != "impress auth login --connection main" || !rm.At.Equal(now) ||
		!strings.Contains(as.Connections[0].StateReason, first.ConfirmationCode) {
		t.Errorf("auth status after deauthorize: %+v (removal %+v)", as.Connections[0], rm)
	}

	// The user connects again; the captured request is replayed.
	e.withToken(sandbox.TokenRequest{}, "main", "")
	for range 5 {
		e.clock.Advance(time.Minute)
		st, again := send(payload)
		if st != 200 || again.ConfirmationCode != first.ConfirmationCode {
			t.Errorf("replay: %d %+v, want the first answer %s", st, again, first.ConfirmationCode)
		}
	}
	if c, _ := e.s.DB.Conn("main"); c.State != store.ConnOK || len(c.SealedToken) == 0 {
		t.Errorf("a replayed deauthorize disconnected the connection again: state %s", c.State)
	}
	if strings.Count(e.log.String(), "connection deauthorized by Meta") != 1 {
		t.Errorf("the log says the connection was deauthorized %d times, want 1", strings.Count(e.log.String(), "connection deauthorized by Meta"))
	}
	// An unknown user gets the same kind of answer (no oracle).
	st, unknown := send(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "98765", "issued_at": now.Unix()})
	if st != 200 || !unknown.Success || !public.CodeRE().MatchString(unknown.ConfirmationCode) {
		t.Errorf("unknown user: %d %+v", st, unknown)
	}
}

// TestWebhookOverMetasBatch: a signed delivery of 2,500 events (more
// than Meta batches, within the body cap) is stored whole, not cut at
// 2,000, and the log says it was unusual.
func TestWebhookOverMetasBatch(t *testing.T) {
	e := newHookEnv(t)
	const n = 2500
	var changes []string
	for i := range n {
		changes = append(changes, fmt.Sprintf(`{"field":"comments","value":{"id":"1785%011d","text":"c%d","from":{"id":"1","username":"u"},"media":{"id":%q}}}`,
			i, i, sandbox.SeedReelID))
	}
	body := fmt.Appendf(nil, `{"object":"instagram","entry":[{"id":%q,"time":%d,"changes":[%s]}]}`,
		sandbox.IGCreatorID, e.clock.Now().Unix(), strings.Join(changes, ","))
	if len(body) >= maxWebhookBody {
		t.Fatalf("test body of %d bytes is over the cap", len(body))
	}
	if code := e.deliver(t, body, e.sb.AppSecret()); code != 200 {
		t.Fatalf("delivery: %d", code)
	}
	if got := len(e.events(t)); got != n {
		t.Errorf("%d events stored, want %d", got, n)
	}
	if !strings.Contains(e.log.String(), "more events than Meta batches") {
		t.Error("an unusually large delivery was not logged")
	}
	// Delivered again (Meta's retry): nothing new.
	if code := e.deliver(t, body, e.sb.AppSecret()); code != 200 || len(e.events(t)) != n {
		t.Errorf("retry: %d, %d events", code, len(e.events(t)))
	}
}
