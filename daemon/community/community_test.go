package community

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// commEnv is the auth test environment (a Service with a real store, its
// local API on a unix socket, a sandbox) logged in as the sandbox creator
// on connection "main".
type commEnv struct {
	*authEnv
}

func newCommEnv(t *testing.T) *commEnv {
	t.Helper()
	e := &commEnv{newAuthEnv(t)}
	e.withToken(sandbox.TokenRequest{}, "main", "")
	return e
}

func countComments(cs []api.Comment) (top, replies int) {
	for _, c := range cs {
		top++
		replies += len(c.Replies)
	}
	return
}

func findComment(cs []api.Comment, id string) *api.Comment {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
		if r := findComment(cs[i].Replies, id); r != nil {
			return r
		}
	}
	return nil
}

func TestCommentsPaginationCacheAndOffline(t *testing.T) {
	e := newCommEnv(t)
	ctx := t.Context()
	// Offline before any listing: an empty copy, not an error.
	off, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID, Offline: true})
	if err != nil || len(off.Comments) != 0 || !off.Offline {
		t.Fatalf("offline before listing = %+v, %v", off, err)
	}
	// One page: the sandbox serves at most 10 a page, the reel has 12.
	first, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID})
	if err != nil {
		t.Fatal(err)
	}
	if top, _ := countComments(first.Comments); top != 10 || !first.More || first.Connection != "main" {
		t.Fatalf("first page: %d top-level, more=%v", top, first.More)
	}
	all, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID, All: true})
	if err != nil {
		t.Fatal(err)
	}
	top, replies := countComments(all.Comments)
	if top != 12 || all.More {
		t.Fatalf("--all: %d top-level, more=%v; want 12 and no more", top, all.More)
	}
	for i := 1; i < len(all.Comments); i++ {
		if all.Comments[i].Timestamp.Before(all.Comments[i-1].Timestamp) {
			t.Errorf("comments not sorted by time at %d", i)
		}
	}
	if h := findComment(all.Comments, sandbox.SeedHiddenCommentID); h == nil || !h.Hidden {
		t.Errorf("hidden comment = %+v", h)
	}
	off, err = e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	ot, or := countComments(off.Comments)
	if ot != top || or != replies || !off.Offline {
		t.Errorf("offline copy: %d/%d, online %d/%d", ot, or, top, replies)
	}
	// The copy is sealed: no comment text in the store file in clear.
	raw := testkit.ReadFile(t, e.dbPath)
	if len(all.Comments) > 0 && bytes.Contains(raw, []byte(all.Comments[0].Text)) {
		t.Errorf("comment text %q is in the store file in clear", all.Comments[0].Text)
	}
	// Offline never calls Meta: it works with the sandbox gone.
	e.setEnv("IMPRESS_META_ENDPOINT", "http://127.0.0.1:1")
	if again, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID, Offline: true}); err != nil || len(again.Comments) != top {
		t.Errorf("offline with Meta unreachable: %v", err)
	}
	_, err = e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedReelID})
	if daemontest.CodeOf(err) != api.CodeTransient {
		t.Errorf("online with Meta unreachable: %v (code %q), want transient", err, daemontest.CodeOf(err))
	}
}

func TestCommentsMediaArgument(t *testing.T) {
	e := newCommEnv(t)
	ctx := t.Context()
	j, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobDone, Conn: "main",
		Detail: json.RawMessage(`{"connection":"main","media_id":"` + sandbox.SeedImageID + `"}`)}, false)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobRunning, Conn: "main",
		Detail: json.RawMessage(`{"connection":"main"}`)}, false)
	jid := func(j store.Job) string { return strconv.FormatUint(j.ID, 10) }

	for _, tc := range []struct {
		media string
		want  string
		code  api.Code
	}{
		{jid(j), sandbox.SeedImageID, ""},
		{"latest", sandbox.SeedImageID, ""},  // the newest job with a media id
		{jid(pending), "", api.CodeConflict}, // not published yet
		{"999", "", api.CodeNotFound},        // no such job
		{"../me", "", api.CodeInvalid},       // not an id
		{sandbox.SeedCarouselID, sandbox.SeedCarouselID, ""},
	} {
		l, err := e.c.Comments(ctx, api.CommentsQuery{Media: tc.media})
		if daemontest.CodeOf(err) != tc.code {
			t.Errorf("media %q: %v (code %q), want code %q", tc.media, err, daemontest.CodeOf(err), tc.code)
			continue
		}
		if err == nil && l.MediaID != tc.want {
			t.Errorf("media %q resolved to %s, want %s", tc.media, l.MediaID, tc.want)
		}
	}
}

func TestCommentWritesAndRefusals(t *testing.T) {
	e := newCommEnv(t)
	ctx := t.Context()
	l, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID, All: true})
	if err != nil || len(l.Comments) == 0 {
		t.Fatalf("list: %v", err)
	}
	target := l.Comments[0].ID
	r, err := e.c.ReplyComment(ctx, "", target, "thank you!")
	if err != nil || r.ReplyID == "" {
		t.Fatalf("reply: %+v, %v", r, err)
	}
	off, _ := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID, Offline: true})
	if c := findComment(off.Comments, r.ReplyID); c == nil || c.ParentID != target || c.Text != "thank you!" {
		t.Errorf("the reply is not in the stored copy: %+v", c)
	}
	if _, err := e.c.HideComment(ctx, "", target, true); err != nil {
		t.Fatal(err)
	}
	off, _ = e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID, Offline: true})
	if c := findComment(off.Comments, target); c == nil || !c.Hidden {
		t.Errorf("hide not reflected in the stored copy: %+v", c)
	}
	// Meta refuses replies to hidden comments: rejected, with the way out.
	_, err = e.c.ReplyComment(ctx, "", target, "hello?")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeRejected || !strings.Contains(ae.Hint, "unhide") {
		t.Errorf("reply to a hidden comment: %v", err)
	}
	if _, err := e.c.HideComment(ctx, "", target, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteComment(ctx, "", r.ReplyID); err != nil {
		t.Fatal(err)
	}
	off, _ = e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID, Offline: true})
	if c := findComment(off.Comments, r.ReplyID); c != nil {
		t.Errorf("deleted reply still in the stored copy")
	}
	// A comment on someone else's media cannot be deleted.
	_, err = e.c.DeleteComment(ctx, "", sandbox.SeedMentionCommentID)
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeRejected || !strings.Contains(ae.Hint, "your own media") {
		t.Errorf("delete on someone else's media: %v", err)
	}
	if _, err := e.c.ReplyComment(ctx, "", target, "   "); daemontest.CodeOf(err) != api.CodeInvalid {
		t.Errorf("empty reply: %v", err)
	}
	if _, err := e.c.ReplyComment(ctx, "ghost", target, "x"); daemontest.CodeOf(err) != api.CodeNotFound {
		t.Errorf("unknown connection: %v", err)
	}
}

func TestMessagesWindowAndKeep(t *testing.T) {
	e := newCommEnv(t)
	ctx := t.Context()
	ts, err := e.c.Threads(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]api.Thread{}
	for _, th := range ts {
		byID[th.ID] = th
	}
	open, closed := byID[sandbox.ConvOpenID], byID[sandbox.ConvClosedID]
	if open.Participant != sandbox.FanUsername || !open.ReplyAllowed || open.MessageCount != 20 || !open.CountCapped ||
		open.LastMessage == "" || open.LastMessageAt.IsZero() {
		t.Errorf("open thread = %+v", open)
	}
	if closed.Participant != sandbox.Fan2Username || closed.ReplyAllowed || closed.ReplyWindowClosesAt.IsZero() ||
		!closed.ReplyWindowClosesAt.Equal(closed.LastInboundAt.Add(24*time.Hour)) {
		t.Errorf("closed thread = %+v", closed)
	}
	// Outside the window: refused locally with the time it closed, and
	// Meta never sees a send.
	before := sandboxMessages(e.sb, sandbox.ConvClosedID)
	_, err = e.c.SendMessage(ctx, "", sandbox.ConvClosedID, "hi again")
	ae, ok := api.AsError(err)
	if !ok || ae.Code != api.CodeRejected || !strings.Contains(ae.Message, closed.ReplyWindowClosesAt.UTC().Format(time.RFC3339)) {
		t.Fatalf("send outside the window: %v", err)
	}
	if after := sandboxMessages(e.sb, sandbox.ConvClosedID); after != before {
		t.Errorf("the sandbox got a message (%d → %d)", before, after)
	}
	if _, err := e.c.SendMessage(ctx, "", sandbox.ConvOpenID, strings.Repeat("x", 1001)); daemontest.CodeOf(err) != api.CodeInvalid {
		t.Errorf("1001 characters: %v", err)
	}
	res, err := e.c.SendMessage(ctx, "", sandbox.ConvOpenID, "thanks for writing\nsecond line")
	if err != nil || res.MessageID == "" || res.RecipientID != sandbox.FanID {
		t.Fatalf("send inside the window: %+v, %v", res, err)
	}
	// Summaries are stored; bodies only with --keep.
	off, err := e.c.Threads(ctx, "", true)
	if err != nil || len(off) != len(ts) {
		t.Fatalf("offline list: %d, %v", len(off), err)
	}
	for _, th := range off {
		if th.ID == sandbox.ConvOpenID && (!th.LastFromMe || th.LastMessage != "thanks for writing …") {
			t.Errorf("summary after send = %+v", th)
		}
	}
	shown, err := e.c.ThreadMessages(ctx, api.ThreadQuery{Thread: sandbox.ConvOpenID})
	if err != nil || len(shown.Messages) != 20 || shown.Thread.Kept {
		t.Fatalf("show: %d messages, %v", len(shown.Messages), err)
	}
	if !shown.Messages[0].FromMe || shown.Messages[0].Text != "thanks for writing\nsecond line" {
		t.Errorf("newest message = %+v", shown.Messages[0])
	}
	if o, _ := e.c.ThreadMessages(ctx, api.ThreadQuery{Thread: sandbox.ConvOpenID, Offline: true}); len(o.Messages) != 0 {
		t.Errorf("bodies kept without --keep: %d", len(o.Messages))
	}
	raw := testkit.ReadFile(t, e.dbPath)
	if bytes.Contains(raw, []byte("thanks for writing")) {
		t.Error("a message body is in the store file in clear")
	}
	if _, err := e.c.ThreadMessages(ctx, api.ThreadQuery{Thread: sandbox.ConvOpenID, Keep: true}); err != nil {
		t.Fatal(err)
	}
	o, err := e.c.ThreadMessages(ctx, api.ThreadQuery{Thread: sandbox.ConvOpenID, Offline: true})
	if err != nil || len(o.Messages) != 20 || !o.Thread.Kept || o.Thread.Unread == nil || *o.Thread.Unread {
		t.Errorf("offline after --keep: %d messages, %+v, %v", len(o.Messages), o.Thread, err)
	}
	// The window closes with time.
	e.clock.Advance(48 * time.Hour)
	_, err = e.c.SendMessage(ctx, "", sandbox.ConvOpenID, "late")
	if daemontest.CodeOf(err) != api.CodeRejected {
		t.Errorf("send two days later: %v", err)
	}
}

func sandboxMessages(sb *sandbox.Server, conv string) int {
	for _, c := range sb.State().Conversations {
		if c.ID == conv {
			return len(c.Messages)
		}
	}
	return -1
}

func TestPrivateReplyOncePerComment(t *testing.T) {
	e := newCommEnv(t)
	ctx := t.Context()
	cm, err := e.sb.AddComment(sandbox.SeedImageID, sandbox.Fan3Username, "how much is it?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID}); err != nil {
		t.Fatal(err)
	}
	res, err := e.c.PrivateReply(ctx, "", cm.ID, "sent you the price")
	if err != nil || res.MessageID == "" {
		t.Fatalf("private reply: %+v, %v", res, err)
	}
	off, _ := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID, Offline: true})
	if c := findComment(off.Comments, cm.ID); c == nil || !c.PrivateReplied {
		t.Errorf("comment after private reply = %+v", c)
	}
	_, err = e.c.PrivateReply(ctx, "", cm.ID, "again")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeRejected || !strings.Contains(ae.Message, "already") {
		t.Errorf("second private reply: %v", err)
	}
	// Older than 7 days: refused before Meta is asked.
	old, _ := e.sb.AddComment(sandbox.SeedImageID, sandbox.Fan2Username, "old question")
	if _, err := e.c.Comments(ctx, api.CommentsQuery{Media: sandbox.SeedImageID}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(8 * 24 * time.Hour)
	_, err = e.c.PrivateReply(ctx, "", old.ID, "late")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeRejected || !strings.Contains(ae.Message, "7 days") {
		t.Errorf("private reply after 8 days: %v", err)
	}
}
