package community

import (
	"context"
	"net/http"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/meta"
)

// Mentions: comments and captions of other accounts that @mention the
// connected account. Meta has no endpoint that lists them; they arrive as
// "mentions" webhooks, and each one can be read (mentioned_comment,
// mentioned_media) and answered (POST /{ig-user}/mentions).

// listMentions lists the mentions webhooks delivered (Meta has no list
// endpoint); online, each one's text and permalink are read from Meta.
func (s *Service) listMentions(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	conn, offline := r.URL.Query().Get("connection"), boolParam(r, "offline")
	c, err := s.accounts.ResolveConn(conn)
	if err != nil {
		s.Fail(w, err)
		return
	}
	evs, err := s.connEvents(ctx, c.Name, api.EventMentions)
	if err != nil {
		s.Fail(w, err)
		return
	}
	var cl *meta.Client
	var ci feature.ConnInfo
	if !offline && len(evs) > 0 {
		if cl, ci, err = s.accounts.MetaClient(ctx, c.Name); err != nil {
			s.Fail(w, err)
			return
		}
	}
	out := []api.Mention{}
	for _, ev := range evs {
		m := api.Mention{EventID: ev.ID, MediaID: ev.MediaID, CommentID: ev.CommentID, ReceivedAt: ev.ReceivedAt, Timestamp: ev.Time}
		if cl != nil {
			s.enrichMention(ctx, cl, ci, &m)
		}
		out = append(out, m)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) enrichMention(ctx context.Context, cl *meta.Client, ci feature.ConnInfo, m *api.Mention) {
	if m.CommentID != "" {
		cm, err := cl.MentionedComment(ctx, ci.IGUserID, m.CommentID)
		if err != nil {
			s.Log.Warn("mentioned comment unreadable", "connection", ci.Name, "err", s.RedactString(err.Error()))
			return
		}
		m.Text, m.Username = cm.Text, cm.Username
		if !cm.Timestamp.IsZero() {
			m.Timestamp = cm.Timestamp.Time.UTC()
		}
		if cm.Media != nil {
			m.Permalink = cm.Media.Permalink
		}
		return
	}
	md, err := cl.MentionedMedia(ctx, ci.IGUserID, m.MediaID)
	if err != nil {
		s.Log.Warn("mentioned media unreadable", "connection", ci.Name, "err", s.RedactString(err.Error()))
		return
	}
	m.Text, m.Username, m.Permalink = md.Caption, md.Username, md.Permalink
	if !md.Timestamp.IsZero() {
		m.Timestamp = md.Timestamp.Time.UTC()
	}
}

func (s *Service) replyMention(w http.ResponseWriter, r *http.Request) {
	var req api.MentionReply
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	if err := checkID("media", req.MediaID); err != nil {
		s.Fail(w, err)
		return
	}
	if req.CommentID != "" {
		if err := checkID("comment", req.CommentID); err != nil {
			s.Fail(w, err)
			return
		}
	}
	if strings.TrimSpace(req.Text) == "" {
		s.Fail(w, api.Errorf(api.CodeInvalid, "the text is empty"))
		return
	}
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	cl, ci, err := s.accounts.MetaClient(ctx, req.Connection)
	if err != nil {
		s.Fail(w, err)
		return
	}
	id, err := cl.ReplyMention(ctx, ci.IGUserID, req.MediaID, req.CommentID, req.Text)
	if err != nil {
		s.Fail(w, s.accounts.MetaFail(ci.Name, err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, api.CommentResult{ID: req.CommentID, ReplyID: id})
}
