package community

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/store"
)

// Webhooks (docs/META.md §13, docs/SECURITY.md §3).
//
// GET /webhooks/meta is Meta's subscription handshake: hub.challenge is
// echoed only when hub.mode is "subscribe" and hub.verify_token equals
// meta.webhook_verify_token (constant time).
//
// POST /webhooks/meta carries X-Hub-Signature-256: sha256=<hex HMAC-SHA256
// of the raw body with the app secret>. The signature is checked over the
// bytes as received, before any parsing (Meta escapes unicode and "/", so a
// re-serialised body never matches): missing → 401, wrong → 403, and
// nothing is stored. A valid delivery is split into events, de-duplicated
// per change (Meta retries for 36 h, delivers duplicates and out of order),
// sealed with each connection's data key and committed in fsync'd
// transactions of up to webhookPart events; then the comment and thread
// caches are updated and
// `events --follow` streams woken, and only then does the 200 go out.
//
// Events for an Instagram account that is not a connection are dropped
// (counted in the log): impress keeps no data of people it is not
// connected for.

func (s *Service) webhookVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := s.Settings().String(config.MetaWebhookVerify)
	if want == "" {
		s.Log.Warn("webhook verification refused: meta.webhook_verify_token is not set")
		public.Error(w, http.StatusForbidden, "forbidden")
		return
	}
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		s.Log.Warn("webhook verification refused: wrong mode or verify token")
		public.Error(w, http.StatusForbidden, "forbidden")
		return
	}
	challenge := q.Get("hub.challenge")
	if !isDigits(challenge) || len(challenge) > 32 {
		public.Error(w, http.StatusBadRequest, "bad challenge")
		return
	}
	s.Log.Info("webhook subscription verified")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, challenge)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkSignature verifies an X-Hub-Signature-256 header over body.
func checkSignature(header string, body []byte, secret string) bool {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return public.ValidMAC(got, body, secret)
}

func (s *Service) webhookReceive(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		public.Error(w, http.StatusUnsupportedMediaType, "want application/json")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Log.Warn("webhook refused: body over the cap", "cap", mbe.Limit)
			public.Error(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		public.Error(w, http.StatusBadRequest, "unreadable body")
		return
	}
	secret := s.Settings().String(config.MetaAppSecret)
	if secret == "" {
		s.Log.Warn("webhook refused: meta.app_secret is not set, deliveries cannot be verified")
		public.Error(w, http.StatusServiceUnavailable, "not configured")
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" {
		s.Log.Warn("webhook refused: no X-Hub-Signature-256")
		public.Error(w, http.StatusUnauthorized, "missing signature")
		return
	}
	if !checkSignature(sig, body, secret) {
		s.Log.Warn("webhook refused: signature does not match the app secret (an Instagram Login app signs with the Instagram app secret)")
		public.Error(w, http.StatusForbidden, "bad signature")
		return
	}
	if s.DB == nil {
		public.Error(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	evs, err := parseWebhook(body)
	if err != nil {
		s.Log.Warn("webhook refused: signed body is not a webhook payload")
		public.Error(w, http.StatusBadRequest, "not a webhook payload")
		return
	}
	if len(evs) > webhookPart {
		s.Log.Warn("webhook delivery with more events than Meta batches: stored in parts", "events", len(evs),
			"parts", (len(evs)+webhookPart-1)/webhookPart)
	}
	var stored []storedEvent
	for start := 0; start < len(evs); start += webhookPart {
		part, err := s.storeEvents(r.Context(), evs[start:min(start+webhookPart, len(evs))])
		if err != nil {
			// Meta retries: nothing is lost while the store is unhappy,
			// and the parts already stored are duplicates then.
			s.Log.Error("webhook not stored", "err", err, "from_event", start)
			public.Error(w, http.StatusInternalServerError, "not stored, retry")
			return
		}
		stored = append(stored, part...)
	}
	// The events are durable. The caches are updated before answering, so
	// that whoever sees Meta's delivery succeed also sees it in
	// `comments list --offline` (a few small writes; Meta only needs the
	// 200 within seconds). A cache failure loses nothing and is not
	// Meta's to retry.
	if len(stored) > 0 {
		s.applyEvents(r.Context(), stored)
		s.notifyFollowers()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "EVENT_RECEIVED\n")
}

// storedEvent is an event after its commit.
type storedEvent struct {
	id   uint64
	conn string
	rec  records.Event
}

// storeEvents maps events to connections, seals and stores them.
func (s *Service) storeEvents(ctx context.Context, evs []records.Event) ([]storedEvent, error) {
	conns := map[string]string{} // account → connection ("" unknown)
	keys := map[string]interface {
		Seal(string, []byte) ([]byte, error)
	}{}
	var news []store.NewEvent
	var recs []records.Event
	dropped := 0
	for _, ev := range evs {
		conn, seen := conns[ev.Account]
		if !seen {
			if ev.Account != "" {
				if c, err := s.DB.ConnByAccount(ev.Account); err == nil {
					conn = c
				} else if !store.IsNotFound(err) {
					return nil, err
				}
			}
			conns[ev.Account] = conn
		}
		if conn == "" {
			dropped++
			continue
		}
		dk, ok := keys[conn]
		if !ok {
			k, err := s.accounts.ConnKey(ctx, conn)
			if err != nil {
				return nil, err
			}
			dk, keys[conn] = k, k
		}
		sealed, err := records.Seal(dk, records.FieldEvent, ev)
		if err != nil {
			return nil, err
		}
		news = append(news, store.NewEvent{Conn: conn, Dedupe: ev.Dedupe, Data: sealed})
		recs = append(recs, ev)
	}
	if dropped > 0 {
		s.Log.Info("webhook events for accounts that are not connections dropped", "count", dropped)
	}
	if len(news) == 0 {
		return nil, nil
	}
	entries, err := s.DB.AppendEvents(news)
	if err != nil {
		return nil, err
	}
	// AppendEvents returns the stored ones in order, skipping duplicates;
	// match them back by position.
	var out []storedEvent
	j := 0
	for i, n := range news {
		if j < len(entries) && entries[j].Conn == n.Conn && string(entries[j].Data) == string(n.Data) {
			out = append(out, storedEvent{id: entries[j].Seq, conn: n.Conn, rec: recs[i]})
			j++
		}
	}
	s.Log.Info("webhook stored", "events", len(out), "duplicates", len(news)-len(out))
	return out, nil
}

// applyEvents updates the comment and thread caches from new events. It
// runs after the events are durable; a failure here loses nothing (the
// events stay, and the next listing refreshes the caches). New comments
// are cached per connection in one commit.
func (s *Service) applyEvents(ctx context.Context, evs []storedEvent) {
	comments := map[string][]records.Comment{}
	var conns []string
	for _, ev := range evs {
		switch {
		case (ev.rec.Type == api.EventComments || ev.rec.Type == api.EventLiveComments) && ev.rec.CommentID != "" && ev.rec.MediaID != "":
			if comments[ev.conn] == nil {
				conns = append(conns, ev.conn)
			}
			comments[ev.conn] = append(comments[ev.conn], records.Comment{ID: ev.rec.CommentID, MediaID: ev.rec.MediaID,
				ParentID: ev.rec.ParentID, Text: ev.rec.Text, Username: ev.rec.FromUsername, FromID: ev.rec.FromID,
				Timestamp: ev.rec.Time})
		case ev.rec.Type == api.EventMessages && !ev.rec.Deleted:
			if err := s.applyMessage(ctx, ev.conn, ev.rec); err != nil {
				s.Log.Warn("webhook event not applied to the cache", "event", ev.id, "err", err)
			}
		}
	}
	for _, conn := range conns {
		if err := s.putCachedComments(ctx, conn, comments[conn]); err != nil {
			s.Log.Warn("webhook comments not applied to the cache", "comments", len(comments[conn]), "err", err)
		}
	}
}

// applyMessage updates the summary of the thread with the message's other
// party. Webhooks name people, not conversations: a thread not cached yet
// is keyed by the person until `messages list` finds its conversation.
func (s *Service) applyMessage(ctx context.Context, conn string, ev records.Event) error {
	other := ev.FromID
	if ev.Echo {
		other = ev.ToID
	}
	if other == "" {
		return nil
	}
	s.comm.cacheMu.Lock()
	defer s.comm.cacheMu.Unlock()
	ts, _, err := s.loadThreads(ctx, conn)
	if err != nil {
		return err
	}
	var t records.Thread
	for _, c := range ts {
		if c.ParticipantID == other && (t.ID == "" || strings.HasPrefix(t.ID, pendingThreadPrefix)) {
			t = c
		}
	}
	if t.ID == "" {
		t = records.Thread{ID: pendingThreadPrefix + other, ParticipantID: other}
		if !ev.Echo {
			t.Participant = ev.FromUsername
		}
	}
	t.MessageCount++
	if !ev.Time.Before(t.LastMessageAt) { // out of order: an older message does not replace the newest
		t.LastMessageAt, t.LastFromMe = ev.Time, ev.Echo
		t.LastMessage = firstLine(ev.Text)
		if t.LastMessage == "" && len(ev.Attachments) > 0 {
			t.LastMessage = "[" + strings.Join(ev.Attachments, ", ") + "]"
		}
		t.Unread = boolPtr(!ev.Echo)
	}
	if !ev.Echo && ev.Time.After(t.LastInboundAt) {
		t.LastInboundAt = ev.Time
	}
	if len(t.Messages) > 0 { // the user keeps this thread's bodies
		t.Messages = append([]records.Message{{ID: ev.MessageID, FromID: ev.FromID, FromMe: ev.Echo, Text: ev.Text,
			CreatedAt: ev.Time, Attachments: ev.Attachments}}, t.Messages...)
	}
	_, err = s.saveThread(ctx, conn, t)
	return err
}

// deauthorize is Meta's Deauthorize callback: the user removed the app.
// The connection is marked disconnected and its tokens are deleted; its
// data stays until a purge (the data-deletion callback asks for that).
// The request must be fresh and counts once (public.Replays): a replay
// gets the first answer and disconnects nothing again. The answer carries
// a confirmation code, which `auth status` shows beside the disconnected
// connection; a user who is no connection gets the same kind of answer.
func (s *Service) deauthorize(w http.ResponseWriter, r *http.Request) {
	secret := s.Settings().String(config.MetaAppSecret)
	sr, ok := public.ReadSignedRequest(w, r, secret, s.Log)
	if !ok {
		return
	}
	if s.DB == nil {
		public.Error(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	now := s.Now()
	if err := public.CheckFresh(sr, now); err != nil {
		s.Log.Warn("public callback refused", "path", r.URL.Path, "reason", err.Error())
		public.Error(w, http.StatusBadRequest, "invalid signed_request")
		return
	}
	ans, err := s.deauthorizeOnce.Once(s.DB, sr, secret, now, nil, func() (string, error) {
		code, err := public.NewCode()
		if err != nil {
			return "", err
		}
		conn, err := s.DB.ConnByAccount(sr.UserID)
		if store.IsNotFound(err) {
			s.Log.Info("deauthorize callback for an account that is not a connection", "code", code)
			return code, nil
		}
		if err != nil {
			return "", err
		}
		if err := s.accounts.Disconnect(store.RemovedConn{Name: conn, Reason: store.RemovedByDeauthorize, Code: code, At: now.UTC()}); err != nil {
			return "", fmt.Errorf("disconnect %s: %w", conn, err)
		}
		s.Log.Warn("connection deauthorized by Meta: tokens deleted", "connection", conn, "code", code)
		return code, nil
	})
	if !public.Answered(w, s.Log, "deauthorize callback", ans, err) {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, deauthorizeAnswer{Success: true, ConfirmationCode: ans.Code})
}

// deauthorizeAnswer is the callback's answer: Meta reads only the status;
// the code names the event in `auth status` and the log.
type deauthorizeAnswer struct {
	Success          bool   `json:"success"`
	ConfirmationCode string `json:"confirmation_code"`
}

// --- events -----------------------------------------------------------

func (s *Service) notifyFollowers() {
	c := &s.comm
	c.mu.Lock()
	defer c.mu.Unlock()
	for ch := range c.followers {
		select {
		case ch <- struct{}{}:
		default: // already pending: the follower reads everything new anyway
		}
	}
}

func (s *Service) follow() (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c := &s.comm
	c.mu.Lock()
	if c.followers == nil {
		c.followers = map[chan struct{}]struct{}{}
	}
	c.followers[ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.followers, ch)
		c.mu.Unlock()
	}
}

// readEvents returns decrypted events after since, oldest first; typ
// filters by type, conn by connection ("" all). last is the highest id
// looked at (including skipped ones), where a follower continues.
func (s *Service) readEvents(ctx context.Context, since uint64, typ, conn string, limit int) (out []api.Event, last uint64, err error) {
	last = since
	entries, err := s.DB.Events(since, 0)
	if err != nil {
		return nil, last, err
	}
	type opener interface {
		Open(string, []byte) ([]byte, error)
	}
	keys := map[string]opener{}
	out = []api.Event{}
	for _, e := range entries {
		last = e.Seq
		if conn != "" && e.Conn != conn {
			continue
		}
		dk, ok := keys[e.Conn]
		if !ok {
			if k, err := s.accounts.ConnKey(ctx, e.Conn); err == nil {
				dk = k
			}
			keys[e.Conn] = dk
		}
		if dk == nil {
			continue // key gone (purge in progress): unreadable by design
		}
		var rec records.Event
		if err := records.Open(dk, records.FieldEvent, e.Data, &rec); err != nil {
			s.Log.Warn("stored event unreadable", "event", e.Seq, "err", err)
			continue
		}
		if typ != "" && rec.Type != typ {
			continue
		}
		out = append(out, eventToAPI(e.Seq, e.Conn, e.At, rec))
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, last, nil
}

func eventToAPI(id uint64, conn string, at time.Time, r records.Event) api.Event {
	return api.Event{ID: id, Connection: conn, ReceivedAt: at, EventData: r.EventData}
}

// connEvents returns a connection's events of one type.
func (s *Service) connEvents(ctx context.Context, conn, typ string) ([]api.Event, error) {
	evs, _, err := s.readEvents(ctx, 0, typ, conn, 0)
	return evs, err
}

func (s *Service) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since uint64
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.Fail(w, api.Errorf(api.CodeInvalid, "--since %q is not an event id", v))
			return
		}
		since = n
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.Fail(w, api.Errorf(api.CodeInvalid, "--limit %q is not a count", v))
			return
		}
		limit = n
	}
	typ := q.Get("type")
	if !boolParam(r, "follow") {
		evs, _, err := s.readEvents(r.Context(), since, typ, "", limit)
		httpx.Reply(w, s.Fail, evs, err)
		return
	}
	s.followEvents(w, r, since, typ, limit)
}

// followEvents streams stored events after since, then new ones as they
// are committed, until the client goes, limit is reached or the daemon
// stops. It subscribes before reading, so nothing committed in between is
// missed, and it tracks the last id sent, so nothing is sent twice.
func (s *Service) followEvents(w http.ResponseWriter, r *http.Request, since uint64, typ string, limit int) {
	wake, stop := s.follow()
	defer stop()
	s.Log.Info("events follower connected", "since", since)
	out := httpx.NewNDJSON(w)
	sent := 0
	// Headers go out at once so the client knows it is following.
	out.Start()
	for {
		evs, last, err := s.readEvents(r.Context(), since, typ, "", 0)
		if err != nil {
			out.Error(api.Errorf(api.CodeInternal, "read events: %v", err))
			return
		}
		since = last
		for _, ev := range evs { // readEvents already kept only typ
			if err := out.Send(ev); err != nil {
				return
			}
			sent++
			if limit > 0 && sent >= limit {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		}
	}
}
