package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// delivery is one webhook POST (with its retries).
type delivery struct {
	ID        int
	Account   string
	Field     string
	Body      []byte
	Attempts  int
	Status    int
	Error     string
	Delivered bool
	Done      bool
	Created   time.Time
}

// SignBody returns the X-Hub-Signature-256 value for a webhook body:
// "sha256=" + lowercase hex HMAC-SHA256(body, app secret).
func SignBody(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// metaJSON marshals v the way Meta serialises webhook bodies: non-ASCII as
// \uXXXX escapes and "/" as "\/". A receiver that re-serialises the JSON
// before checking the signature gets a different byte string (docs/META.md §13).
func metaJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	raw := bytes.TrimRight(buf.Bytes(), "\n")
	var out bytes.Buffer
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		switch {
		case r == '/':
			out.WriteString(`\/`)
		case r >= 0x10000:
			r1, r2 := surrogates(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		case r >= 0x80:
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.WriteByte(raw[0])
		}
		raw = raw[n:]
	}
	return out.Bytes()
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// wantsLocked reports whether an account's webhooks for field go out.
func (s *Server) wantsLocked(account, field string) bool {
	if s.knobs.WebhookURL == "" {
		return false
	}
	if !s.knobs.RequireSubscription {
		return true
	}
	a := s.st.accounts[account]
	return a != nil && a.Subscribed[field]
}

// entryLocked wraps one change for an account in Meta's envelope.
func (s *Server) entryLocked(account, field string, value any) map[string]any {
	e := map[string]any{"id": account, "time": s.now().Unix()}
	if s.knobs.WebhookFlat {
		e["field"], e["value"] = field, value
	} else {
		e["changes"] = []map[string]any{{"field": field, "value": value}}
	}
	return map[string]any{"object": "instagram", "entry": []any{e}}
}

// queueLocked records a delivery; the caller starts it after unlocking.
func (s *Server) queueLocked(account, field string, payload any) *delivery {
	d := &delivery{ID: len(s.st.deliveries) + 1, Account: account, Field: field, Body: metaJSON(payload), Created: s.now()}
	s.st.deliveries = append(s.st.deliveries, d)
	return d
}

// commentWebhooks queues "comments" for the media owner and "mentions" for
// every other account the text @-mentions.
func (s *Server) commentWebhooks(cm *comment) {
	s.mu.Lock()
	md := s.st.media[cm.MediaID]
	var ds []*delivery
	if s.wantsLocked(md.Owner, "comments") {
		v := map[string]any{
			"from":  map[string]string{"id": cm.FromID, "username": cm.FromUsername},
			"media": map[string]string{"id": md.ID, "media_product_type": md.ProductType},
			"id":    cm.ID, "text": cm.Text,
		}
		if cm.ParentID != "" {
			v["parent_id"] = cm.ParentID
		}
		ds = append(ds, s.queueLocked(md.Owner, "comments", s.entryLocked(md.Owner, "comments", v)))
	}
	for _, id := range s.st.accountOrder {
		a := s.st.accounts[id]
		if id != md.Owner && id != cm.FromID && mentions(cm.Text, a.Username) && s.wantsLocked(id, "mentions") {
			v := map[string]string{"media_id": md.ID, "comment_id": cm.ID}
			ds = append(ds, s.queueLocked(id, "mentions", s.entryLocked(id, "mentions", v)))
		}
	}
	s.mu.Unlock()
	for _, d := range ds {
		s.deliver(d)
	}
}

// messageWebhook queues a "messages" event (echoes for the account's own sends).
func (s *Server) messageWebhook(m *message) {
	s.mu.Lock()
	cv := s.st.convs[m.ConvID]
	if !s.wantsLocked(cv.Account, "messages") {
		s.mu.Unlock()
		return
	}
	body := map[string]any{"mid": m.ID, "text": m.Text, "is_echo": !m.Inbound}
	if len(m.Attachments) > 0 {
		var as []map[string]any
		for _, a := range m.Attachments {
			as = append(as, map[string]any{"type": a.Type, "payload": map[string]string{"url": a.URL}})
		}
		body["attachments"] = as
	}
	ev := map[string]any{
		"sender": map[string]string{"id": m.FromID}, "recipient": map[string]string{"id": m.ToID},
		"timestamp": m.Created.UnixMilli(), "message": body,
	}
	payload := map[string]any{"object": "instagram", "entry": []any{map[string]any{
		"id": cv.Account, "time": s.now().Unix(), "messaging": []any{ev}}}}
	d := s.queueLocked(cv.Account, "messages", payload)
	s.mu.Unlock()
	s.deliver(d)
}

// deliver POSTs a delivery in the background, retrying non-2xx answers and
// transport errors with doubling backoff, a bounded number of times.
func (s *Server) deliver(d *delivery) {
	s.mu.Lock()
	target := s.knobs.WebhookURL
	s.mu.Unlock()
	sig := SignBody(s.opts.AppSecret, d.Body)
	mac := hmac.New(sha1.New, []byte(s.opts.AppSecret))
	mac.Write(d.Body)
	legacy := "sha1=" + hex.EncodeToString(mac.Sum(nil))
	started := s.goBackground(func(ctx context.Context) {
		wait := s.opts.WebhookBackoff
		for attempt := 0; ; attempt++ {
			status, err := s.post(ctx, target, d.Body, sig, legacy)
			s.mu.Lock()
			d.Attempts++
			d.Status = status
			d.Error = ""
			if err != nil {
				d.Error = redactURL(err.Error(), target)
			}
			ok := err == nil && status/100 == 2
			d.Delivered = ok
			last := ok || attempt >= s.opts.WebhookRetries
			d.Done = last
			s.mu.Unlock()
			if last {
				return
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				s.mu.Lock()
				d.Done = true
				s.mu.Unlock()
				return
			case <-t.C:
			}
			wait *= 2
		}
	})
	if !started {
		s.mu.Lock()
		d.Done, d.Error = true, "sandbox closed"
		s.mu.Unlock()
	}
}

func (s *Server) post(ctx context.Context, target string, body []byte, sig, legacy string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", sig)
	req.Header.Set("X-Hub-Signature", legacy)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// FlushWebhooks waits until every queued webhook delivery has succeeded
// or used up its retries, or ctx ends.
func (s *Server) FlushWebhooks(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		pending := 0
		for _, d := range s.st.deliveries {
			if !d.Done {
				pending++
			}
		}
		s.mu.Unlock()
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sandbox: flush webhooks: %d pending: %w", pending, ctx.Err())
		case <-t.C:
		}
	}
}

// VerifyWebhook performs Meta's subscription handshake against target:
// GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=<digits> and
// expects 200 with the challenge echoed as the body.
func (s *Server) VerifyWebhook(ctx context.Context, target string) error {
	s.mu.Lock()
	challenge := strconv.FormatUint(s.trace.Uint64()%9_000_000_000+1_000_000_000, 10)
	s.mu.Unlock()
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("sandbox: verify webhook: bad url")
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", s.opts.WebhookVerifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("sandbox: verify webhook: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox: verify webhook: %s", redactURL(err.Error(), u.String()))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != challenge {
		return fmt.Errorf("sandbox: verify webhook: status %d, challenge not echoed", resp.StatusCode)
	}
	return nil
}

// SignedRequest returns a Meta signed_request for a user id:
// base64url(HMAC-SHA256(payload, app secret)) "." base64url(payload), with
// payload {"algorithm":"HMAC-SHA256","expires","issued_at","user_id"}.
func (s *Server) SignedRequest(userID string) string {
	now := s.Now()
	payload, _ := json.Marshal(map[string]any{
		"algorithm": "HMAC-SHA256", "expires": now.Add(time.Hour).Unix(), "issued_at": now.Unix(), "user_id": userID,
	})
	enc := base64.RawURLEncoding.EncodeToString(payload)
	m := hmac.New(sha256.New, []byte(s.opts.AppSecret))
	m.Write([]byte(enc))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)) + "." + enc
}

// SignedRequestRecord is one data-deletion or deauthorize callback sent by
// [Server.SendSignedRequest].
type SignedRequestRecord struct {
	URL    string    `json:"url"`
	UserID string    `json:"user_id"`
	Status int       `json:"status"`
	Body   string    `json:"body"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at"`
}

// SendSignedRequest POSTs signed_request=<SignedRequest(userID)> as a form
// to target (a data-deletion or deauthorize callback) and returns what the
// callback answered (body capped at 64 KiB).
func (s *Server) SendSignedRequest(ctx context.Context, target, userID string) (SignedRequestRecord, error) {
	rec := SignedRequestRecord{URL: target, UserID: userID, At: s.Now()}
	form := url.Values{"signed_request": {s.SignedRequest(userID)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return rec, fmt.Errorf("sandbox: signed request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err == nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		rec.Status, rec.Body = resp.StatusCode, string(body)
	} else {
		rec.Error = redactURL(err.Error(), target)
	}
	s.mu.Lock()
	s.st.signed = append(s.st.signed, rec)
	s.mu.Unlock()
	if err != nil {
		return rec, fmt.Errorf("sandbox: signed request: %s", rec.Error)
	}
	return rec, nil
}
