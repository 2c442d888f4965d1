package community

import (
	"context"
	"net/http"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/meta"
)

// Comment writes: reply, hide or unhide, delete; each goes to Meta, then
// to the cached copy.

// readAction decodes a comment write's body and checks the id.
func readAction(w http.ResponseWriter, r *http.Request, needText bool) (api.CommentAction, string, bool) {
	var a api.CommentAction
	if !httpx.DecodeBody(w, r, &a) {
		return a, "", false
	}
	id := r.PathValue("id")
	if err := checkID("comment", id); err != nil {
		httpx.WriteError(w, err)
		return a, "", false
	}
	if needText && strings.TrimSpace(a.Text) == "" {
		httpx.WriteError(w, api.Errorf(api.CodeInvalid, "the text is empty"))
		return a, "", false
	}
	return a, id, true
}

// commentRefusal explains Meta's refusals of comment writes in the user's
// terms; the class (exit code) stays Meta's.
func (s *Service) commentRefusal(conn, op, id string, err error) error {
	e := s.accounts.MetaFail(conn, err)
	if e.Code != api.CodeRejected {
		return e
	}
	switch op {
	case "reply":
		e.Hint = "Meta accepts replies only to top-level comments that are visible: reply to the parent comment, or unhide it first (`impress comments unhide " + id + "`)"
	case "delete":
		e.Hint = "you can delete only comments on your own media, or your own comments"
	case "hide":
		e.Hint = "you can hide only comments on your own media; comments you wrote yourself are always visible"
	case "private-reply":
		e.Hint = "Meta allows one private reply per comment, within 7 days of it"
	}
	return e
}

// commentWrite is what the comment writes share: read the action, open
// the connection's Graph client, run do (the Meta call and what follows it
// locally) and answer with its result. An error do returns is Meta's, and
// is explained in the user's terms for op.
func (s *Service) commentWrite(w http.ResponseWriter, r *http.Request, op string,
	do func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo, a api.CommentAction, id string) (api.CommentResult, error)) {
	a, id, ok := readAction(w, r, op == "reply")
	if !ok {
		return
	}
	s.metaWrite(w, r, a.Connection, func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo) (any, error) {
		res, err := do(ctx, cl, ci, a, id)
		if err != nil {
			return nil, s.commentRefusal(ci.Name, op, id, err)
		}
		return res, nil
	})
}

// metaWrite is how every community write on the Instagram account's
// Graph client ends once its request is read: open conn's client under
// the community deadline, run do and answer its result. do explains its
// own errors (each write words Meta's refusal its own way).
func (s *Service) metaWrite(w http.ResponseWriter, r *http.Request, conn string,
	do func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo) (any, error)) {
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	cl, ci, err := s.accounts.MetaClient(ctx, conn)
	if err != nil {
		s.Fail(w, err)
		return
	}
	res, err := do(ctx, cl, ci)
	httpx.Reply(w, s.Fail, res, err)
}

func (s *Service) replyComment(w http.ResponseWriter, r *http.Request) {
	s.commentWrite(w, r, "reply", func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo, a api.CommentAction, id string) (api.CommentResult, error) {
		newID, err := cl.ReplyComment(ctx, id, a.Text)
		if err != nil {
			return api.CommentResult{}, err
		}
		if parent, err := s.DB.FindComment(ci.Name, id); err == nil {
			s.putCachedComment(ctx, ci.Name, records.Comment{ID: newID, MediaID: parent.MediaID, ParentID: id, Text: a.Text,
				Username: ci.Username, FromID: ci.IGUserID, Timestamp: s.Now().UTC()})
		}
		s.Log.Info("comment reply sent", "connection", ci.Name, "comment", id)
		return api.CommentResult{ID: id, ReplyID: newID}, nil
	})
}

func (s *Service) hideComment(w http.ResponseWriter, r *http.Request) {
	s.commentWrite(w, r, "hide", func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo, a api.CommentAction, id string) (api.CommentResult, error) {
		if err := cl.HideComment(ctx, id, a.Hide); err != nil {
			return api.CommentResult{}, err
		}
		s.updateCachedComment(ctx, ci.Name, id, func(c *records.Comment) bool { c.Hidden = a.Hide; return false })
		hidden := a.Hide
		return api.CommentResult{ID: id, Hidden: &hidden}, nil
	})
}

func (s *Service) deleteComment(w http.ResponseWriter, r *http.Request) {
	s.commentWrite(w, r, "delete", func(ctx context.Context, cl *meta.Client, ci feature.ConnInfo, _ api.CommentAction, id string) (api.CommentResult, error) {
		if err := cl.DeleteComment(ctx, id); err != nil {
			return api.CommentResult{}, err
		}
		s.updateCachedComment(ctx, ci.Name, id, func(*records.Comment) bool { return true })
		s.Log.Info("comment deleted", "connection", ci.Name, "comment", id)
		return api.CommentResult{ID: id, Deleted: true}, nil
	})
}

// communityExport is everything the community feature keeps for one
// connection, decrypted: for `impress privacy export` (privacy feature).
type communityExport struct {
	Comments []api.Comment        `json:"comments"` // flat: replies carry parent_id
	Threads  []api.ThreadMessages `json:"threads"`  // messages only where kept (--keep)
	Events   []api.Event          `json:"events"`
}
