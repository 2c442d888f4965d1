package community

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// Direct messages (docs/META.md §12). Instagram lets a business answer
// only within 24 h of the person's last message (10/2534022 otherwise), and
// a comment may get one private reply within 7 days. The daemon checks both
// itself and refuses with the time the window closed (rejected) instead of
// letting Meta fail the send.

const (
	replyWindow        = records.ReplyWindow
	privateReplyWindow = 7 * 24 * time.Hour
	maxThreads         = 200 // threads read per `messages list`
	// pendingThreadPrefix keys a thread known only from a webhook (which
	// names the sender, not the conversation) until a listing finds it.
	pendingThreadPrefix = "u-"
)

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		s = string(r[:79]) + "…"
	}
	return s
}

func boolPtr(b bool) *bool { return &b }

// dmOwner is the node whose conversations and messages edges are used:
// the IG account (Instagram Login) or its Page (Facebook Login).
func dmOwner(ci feature.ConnInfo) string {
	if ci.Flavour == meta.FlavourFacebook && ci.PageID != "" {
		return ci.PageID
	}
	if ci.IGUserID != "" {
		return ci.IGUserID
	}
	return "me"
}

func isMe(ci feature.ConnInfo, u meta.User) bool {
	return u.ID != "" && (u.ID == ci.IGUserID || u.ID == ci.PageID || u.ID == ci.AppUserID) ||
		ci.Username != "" && u.Username == ci.Username
}

// summarize fills t from a thread's messages as Meta returned them.
func summarize(t *records.Thread, ci feature.ConnInfo, msgs []meta.Message) []records.Message {
	recs := make([]records.Message, 0, len(msgs))
	for _, m := range msgs {
		r := records.Message{ID: m.ID, FromID: m.From.ID, From: m.From.Username, FromMe: isMe(ci, m.From),
			Text: m.Text, CreatedAt: m.CreatedTime.Time.UTC()}
		for _, a := range m.Attachments {
			r.Attachments = append(r.Attachments, a.Type)
		}
		if !r.FromMe && t.ParticipantID == "" {
			t.ParticipantID, t.Participant = m.From.ID, m.From.Username
		}
		if r.FromMe && t.ParticipantID == "" && len(m.To) > 0 {
			t.ParticipantID, t.Participant = m.To[0].ID, m.To[0].Username
		}
		recs = append(recs, r)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].CreatedAt.After(recs[j].CreatedAt) })
	t.MessageCount = len(recs)
	t.CountCapped = len(recs) >= meta.MaxThreadMessages
	if len(recs) > 0 {
		n := recs[0]
		t.LastMessageAt, t.LastFromMe = n.CreatedAt, n.FromMe
		t.LastMessage = firstLine(n.Text)
		if t.LastMessage == "" && len(n.Attachments) > 0 {
			t.LastMessage = "[" + strings.Join(n.Attachments, ", ") + "]"
		}
		if n.FromMe {
			t.Unread = boolPtr(false)
		}
	}
	for _, r := range recs {
		if !r.FromMe && r.CreatedAt.After(t.LastInboundAt) {
			t.LastInboundAt = r.CreatedAt
		}
	}
	return recs
}

func (s *Service) loadThreads(ctx context.Context, conn string) (map[string]records.Thread, map[string]time.Time, error) {
	dk, err := s.accounts.ConnKey(ctx, conn)
	if err != nil {
		return nil, nil, err
	}
	entries, err := s.DB.Threads(conn)
	if err != nil {
		return nil, nil, err
	}
	out, at := map[string]records.Thread{}, map[string]time.Time{}
	for _, e := range entries {
		var t records.Thread
		if err := records.Open(dk, records.FieldThread, e.Data, &t); err != nil {
			s.Log.Warn("cached thread unreadable", "connection", conn, "err", err)
			continue
		}
		out[e.ThreadID], at[e.ThreadID] = t, e.At
	}
	return out, at, nil
}

// absorbPending merges the webhook-only summary of t's participant (keyed
// by the person, see applyMessage) into t and deletes it. The caller holds
// the cache lock and saves t.
func (s *Service) absorbPending(conn string, cached map[string]records.Thread, t *records.Thread) {
	p, ok := cached[pendingThreadPrefix+t.ParticipantID]
	if !ok || t.ParticipantID == "" || p.ID == t.ID {
		return
	}
	if p.Unread != nil && p.LastInboundAt.After(t.LastMessageAt.Add(-time.Second)) {
		t.Unread = p.Unread
	}
	if p.LastInboundAt.After(t.LastInboundAt) {
		t.LastInboundAt = p.LastInboundAt
	}
	if t.Participant == "" {
		t.Participant = p.Participant
	}
	s.DB.DeleteThread(conn, p.ID)
	delete(cached, p.ID)
}

func (s *Service) saveThread(ctx context.Context, conn string, t records.Thread) (time.Time, error) {
	dk, err := s.accounts.ConnKey(ctx, conn)
	if err != nil {
		return time.Time{}, err
	}
	sealed, err := records.Seal(dk, records.FieldThread, t)
	if err != nil {
		return time.Time{}, err
	}
	now := s.Now().UTC()
	return now, s.DB.PutThread(conn, store.ThreadEntry{ThreadID: t.ID, Blob: store.Blob{At: now, Data: sealed}})
}

func sortThreads(ts []api.Thread) []api.Thread {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].LastMessageAt.After(ts[j].LastMessageAt) })
	if ts == nil {
		ts = []api.Thread{}
	}
	return ts
}

func (s *Service) listThreads(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	conn := r.URL.Query().Get("connection")
	var out []api.Thread
	var err error
	if boolParam(r, "offline") {
		out, err = s.cachedThreads(ctx, conn)
	} else {
		out, err = s.fetchThreads(ctx, conn)
	}
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sortThreads(out))
}

func (s *Service) cachedThreads(ctx context.Context, conn string) ([]api.Thread, error) {
	c, err := s.accounts.ResolveConn(conn)
	if err != nil {
		return nil, err
	}
	ts, at, err := s.loadThreads(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []api.Thread
	for id, t := range ts {
		out = append(out, t.ToAPI(now, at[id]))
	}
	return out, nil
}

func (s *Service) fetchThreads(ctx context.Context, conn string) ([]api.Thread, error) {
	cl, ci, err := s.accounts.MetaPageClient(ctx, conn)
	if err != nil {
		return nil, err
	}
	var convs []meta.Conversation
	page := meta.PageOptions{}
	for len(convs) < maxThreads {
		list, paging, err := cl.Conversations(ctx, dmOwner(ci), meta.ConversationOptions{PageOptions: page})
		if err != nil {
			return nil, s.accounts.MetaFail(ci.Name, err)
		}
		convs = append(convs, list...)
		if !paging.HasNext || paging.After == "" {
			break
		}
		page.After = paging.After
	}
	// Read what changed without holding the cache lock: webhooks must not
	// wait for a listing's Meta calls.
	before, _, err := s.loadThreads(ctx, ci.Name)
	if err != nil {
		return nil, err
	}
	fetched := map[string][]meta.Message{}
	for _, cv := range convs {
		if checkID("thread", cv.ID) != nil {
			continue
		}
		if t, ok := before[cv.ID]; ok && !t.MetaUpdated.IsZero() && t.MetaUpdated.Equal(cv.UpdatedTime.Time.UTC()) {
			continue
		}
		msgs, err := cl.ConversationMessages(ctx, cv.ID)
		if err != nil {
			return nil, s.accounts.MetaFail(ci.Name, err)
		}
		fetched[cv.ID] = msgs
	}
	s.comm.cacheMu.Lock()
	defer s.comm.cacheMu.Unlock()
	cached, at, err := s.loadThreads(ctx, ci.Name)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []api.Thread
	for _, cv := range convs {
		msgs, ok := fetched[cv.ID]
		if !ok {
			if t, ok := cached[cv.ID]; ok {
				out = append(out, t.ToAPI(now, at[cv.ID]))
			}
			continue
		}
		t := cached[cv.ID]
		prev := t
		t.ID, t.MetaUpdated = cv.ID, cv.UpdatedTime.Time.UTC()
		for _, p := range cv.Participants {
			if !isMe(ci, p) {
				t.ParticipantID, t.Participant = p.ID, p.Username
			}
		}
		kept := len(t.Messages) > 0
		recs := summarize(&t, ci, msgs)
		if kept {
			t.Messages = recs
		}
		if prev.LastMessageAt.After(t.LastMessageAt) { // a webhook brought a newer one meanwhile
			t.LastMessage, t.LastMessageAt, t.LastFromMe, t.Unread = prev.LastMessage, prev.LastMessageAt, prev.LastFromMe, prev.Unread
		}
		s.absorbPending(ci.Name, cached, &t)
		when, err := s.saveThread(ctx, ci.Name, t)
		if err != nil {
			return nil, err
		}
		out = append(out, t.ToAPI(now, when))
	}
	for id, t := range cached { // webhook-only threads not listed yet
		if strings.HasPrefix(id, pendingThreadPrefix) {
			out = append(out, t.ToAPI(now, at[id]))
		}
	}
	return out, nil
}

func (s *Service) threadParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("thread")
	if err := checkID("thread", id); err != nil {
		s.Fail(w, err)
		return "", false
	}
	return id, true
}

func (s *Service) showThread(w http.ResponseWriter, r *http.Request) {
	id, ok := s.threadParam(w, r)
	if !ok {
		return
	}
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	q := r.URL.Query()
	conn, keep := q.Get("connection"), boolParam(r, "keep")
	if boolParam(r, "offline") {
		c, err := s.accounts.ResolveConn(conn)
		if err != nil {
			s.Fail(w, err)
			return
		}
		ts, at, err := s.loadThreads(ctx, c.Name)
		if err != nil {
			s.Fail(w, err)
			return
		}
		t, ok := ts[id]
		if !ok {
			s.Fail(w, &api.Error{Code: api.CodeNotFound, Message: fmt.Sprintf("thread %s is not in the stored summaries of connection %q", id, c.Name),
				Hint: "run `impress messages list` online first"})
			return
		}
		out := api.ThreadMessages{Thread: t.ToAPI(s.Now(), at[id]), Offline: true, Messages: []api.Message{}}
		for _, m := range t.Messages {
			out.Messages = append(out.Messages, m.ToAPI())
		}
		httpx.WriteJSON(w, http.StatusOK, out)
		return
	}
	if strings.HasPrefix(id, pendingThreadPrefix) {
		s.Fail(w, api.Errorf(api.CodeNotFound, "thread %s is known only from a webhook; run `impress messages list` to find its conversation", id))
		return
	}
	cl, ci, err := s.accounts.MetaPageClient(ctx, conn)
	if err != nil {
		s.Fail(w, err)
		return
	}
	msgs, err := cl.ConversationMessages(ctx, id)
	if err != nil {
		s.Fail(w, s.accounts.MetaFail(ci.Name, err))
		return
	}
	s.comm.cacheMu.Lock()
	ts, _, err := s.loadThreads(ctx, ci.Name)
	if err != nil {
		s.comm.cacheMu.Unlock()
		s.Fail(w, err)
		return
	}
	t := ts[id]
	t.ID = id
	recs := summarize(&t, ci, msgs)
	s.absorbPending(ci.Name, ts, &t)
	t.Unread = boolPtr(false)
	t.Messages = nil
	if keep {
		t.Messages = recs
	}
	when, err := s.saveThread(ctx, ci.Name, t)
	s.comm.cacheMu.Unlock()
	if err != nil {
		s.Fail(w, err)
		return
	}
	out := api.ThreadMessages{Thread: t.ToAPI(s.Now(), when), Messages: []api.Message{}}
	for _, m := range recs {
		out.Messages = append(out.Messages, m.ToAPI())
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func checkDMText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return api.Errorf(api.CodeInvalid, "the message is empty")
	case utf8.RuneCountInString(text) > meta.MaxMessageRunes:
		return api.Errorf(api.CodeInvalid, "the message has %d characters; Instagram takes at most %d", utf8.RuneCountInString(text), meta.MaxMessageRunes)
	}
	return nil
}

// windowClosed is the refusal of a send outside the 24 h window.
func windowClosed(t records.Thread, now time.Time) *api.Error {
	hint := "wait until they write again; a comment can still get one private reply within 7 days (`impress messages private-reply COMMENT TEXT`)"
	if t.LastInboundAt.IsZero() {
		return &api.Error{Code: api.CodeRejected, Hint: hint,
			Message: fmt.Sprintf("cannot message thread %s: %s has not written to you, and Instagram allows a business to answer only within 24 h of the person's last message", t.ID, orSomeone(t.Participant))}
	}
	_, closes := t.Window(now)
	return &api.Error{Code: api.CodeRejected, Hint: hint,
		Message: fmt.Sprintf("the reply window of thread %s closed at %s (24 h after %s's last message at %s); Instagram refuses replies outside it",
			t.ID, closes.UTC().Format(time.RFC3339), orSomeone(t.Participant), t.LastInboundAt.UTC().Format(time.RFC3339))}
}

func orSomeone(u string) string {
	if u == "" {
		return "the other person"
	}
	return "@" + u
}

// startSend is what a DM and a private reply share before their Meta
// call: decode the request, check its text, run refuse (a refusal known
// locally; nil: none) and open the Page client of the connection. False
// means the error is written.
func (s *Service) startSend(ctx context.Context, w http.ResponseWriter, r *http.Request, refuse func() error) (api.SendRequest, *meta.Client, feature.ConnInfo, bool) {
	var req api.SendRequest
	if !httpx.DecodeBody(w, r, &req) {
		return req, nil, feature.ConnInfo{}, false
	}
	err := checkDMText(req.Text)
	if err == nil && refuse != nil {
		err = refuse()
	}
	if err != nil {
		s.Fail(w, err)
		return req, nil, feature.ConnInfo{}, false
	}
	cl, ci, err := s.accounts.MetaPageClient(ctx, req.Connection)
	if err != nil {
		s.Fail(w, err)
		return req, nil, ci, false
	}
	return req, cl, ci, true
}

func (s *Service) sendMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.threadParam(w, r)
	if !ok {
		return
	}
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	req, cl, ci, ok := s.startSend(ctx, w, r, func() error {
		if strings.HasPrefix(id, pendingThreadPrefix) {
			return api.Errorf(api.CodeNotFound, "thread %s is known only from a webhook; run `impress messages list` to find its conversation", id)
		}
		return nil
	})
	if !ok {
		return
	}
	ts, _, err := s.loadThreads(ctx, ci.Name)
	if err != nil {
		s.Fail(w, err)
		return
	}
	t := ts[id]
	t.ID = id
	now := s.Now()
	// A later message only extends the window, so a window that is open by
	// the stored summary is open; otherwise read the thread (it may have
	// news the webhooks did not bring) before deciding.
	if open, _ := t.Window(now); !open || t.ParticipantID == "" {
		msgs, err := cl.ConversationMessages(ctx, id)
		if err != nil {
			s.Fail(w, s.accounts.MetaFail(ci.Name, err))
			return
		}
		s.comm.cacheMu.Lock()
		if fresh, _, err := s.loadThreads(ctx, ci.Name); err == nil {
			t = fresh[id]
			t.ID = id
			recs := summarize(&t, ci, msgs)
			if len(t.Messages) > 0 {
				t.Messages = recs
			}
			s.absorbPending(ci.Name, fresh, &t)
			s.saveThread(ctx, ci.Name, t)
		} else {
			summarize(&t, ci, msgs)
		}
		s.comm.cacheMu.Unlock()
		if open, _ := t.Window(now); !open {
			s.Log.Info("DM refused locally: outside the 24 h window", "connection", ci.Name, "thread", id)
			s.Fail(w, windowClosed(t, now))
			return
		}
	}
	if t.ParticipantID == "" {
		s.Fail(w, api.Errorf(api.CodeNotFound, "thread %s has no other participant that Meta shows", id))
		return
	}
	res, err := cl.SendMessage(ctx, dmOwner(ci), t.ParticipantID, req.Text)
	if err != nil {
		e := s.accounts.MetaFail(ci.Name, err)
		if e.Code == api.CodeRejected {
			e.Hint = "Instagram allows replies only within 24 h of the person's last message; check `impress messages show " + id + "`"
		}
		s.Fail(w, e)
		return
	}
	s.comm.cacheMu.Lock()
	if ts, _, err := s.loadThreads(ctx, ci.Name); err == nil {
		t := ts[id]
		t.ID = id
		t.LastMessage, t.LastMessageAt, t.LastFromMe = firstLine(req.Text), now.UTC(), true
		t.MessageCount++
		t.Unread = boolPtr(false)
		s.saveThread(ctx, ci.Name, t)
	}
	s.comm.cacheMu.Unlock()
	s.Log.Info("DM sent", "connection", ci.Name, "thread", id)
	httpx.WriteJSON(w, http.StatusOK, api.SendResult{ThreadID: id, RecipientID: res.RecipientID, MessageID: res.MessageID})
}

// privateReply sends the one private reply a comment allows, refusing
// locally what Meta would refuse: a second reply impress already sent, or
// a comment older than 7 days (when the comment is cached).
func (s *Service) privateReply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := checkID("comment", id); err != nil {
		s.Fail(w, err)
		return
	}
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	req, cl, ci, ok := s.startSend(ctx, w, r, nil)
	if !ok {
		return
	}
	now := s.Now()
	if e, err := s.DB.FindComment(ci.Name, id); err == nil {
		var rec records.Comment
		if dk, err := s.accounts.ConnKey(ctx, ci.Name); err == nil && records.Open(dk, records.FieldComment, e.Data, &rec) == nil {
			if rec.PrivateReplied {
				s.Fail(w, api.Errorf(api.CodeRejected, "comment %s already got its private reply; Instagram allows one per comment", id))
				return
			}
			if !rec.Timestamp.IsZero() && now.Sub(rec.Timestamp) > privateReplyWindow {
				s.Fail(w, &api.Error{Code: api.CodeRejected,
					Message: fmt.Sprintf("comment %s was written at %s; its private-reply window closed at %s (Instagram allows 7 days)",
						id, rec.Timestamp.UTC().Format(time.RFC3339), rec.Timestamp.Add(privateReplyWindow).UTC().Format(time.RFC3339)),
					Hint: "reply publicly with `impress comments reply " + id + " TEXT`"})
				return
			}
		}
	}
	res, err := cl.PrivateReply(ctx, dmOwner(ci), id, req.Text)
	if err != nil {
		s.Fail(w, s.commentRefusal(ci.Name, "private-reply", id, err))
		return
	}
	s.updateCachedComment(ctx, ci.Name, id, func(c *records.Comment) bool { c.PrivateReplied = true; return false })
	s.Log.Info("private reply sent", "connection", ci.Name, "comment", id)
	httpx.WriteJSON(w, http.StatusOK, api.SendResult{CommentID: id, RecipientID: res.RecipientID, MessageID: res.MessageID})
}
