package sandbox

import (
	"net/http"
	"slices"
	"unicode/utf8"
)

// commentsOfLocked lists live comment ids of a media: top-level ones
// (newest first) when parent is "", else the replies to parent (oldest
// first); all=true lists every comment including replies. Caller holds s.mu.
func (s *Server) commentsOfLocked(mediaID, parent string, all bool) []string {
	var out []string
	for _, id := range s.st.commentOrder {
		cm := s.st.comments[id]
		if cm.Deleted || cm.MediaID != mediaID {
			continue
		}
		if all || cm.ParentID == parent {
			out = append(out, id)
		}
	}
	if parent == "" && !all {
		slices.SortStableFunc(out, func(a, b string) int {
			return s.st.comments[b].Timestamp.Compare(s.st.comments[a].Timestamp)
		})
	} else {
		slices.SortStableFunc(out, func(a, b string) int {
			return s.st.comments[a].Timestamp.Compare(s.st.comments[b].Timestamp)
		})
	}
	return out
}

// renderCommentLocked renders a comment for a fields selection.
func (s *Server) renderCommentLocked(cm *comment, sel []*fieldSel) (map[string]any, *GraphError) {
	out := map[string]any{"id": cm.ID}
	for _, f := range sel {
		switch f.Name {
		case "id":
		case "text":
			out["text"] = cm.Text
		case "username":
			out["username"] = cm.FromUsername
		case "timestamp":
			out["timestamp"] = metaTime(cm.Timestamp)
		case "like_count":
			out["like_count"] = cm.LikeCount
		case "hidden":
			out["hidden"] = cm.Hidden
		case "from":
			out["from"] = map[string]string{"id": cm.FromID, "username": cm.FromUsername}
		case "parent_id":
			if cm.ParentID != "" {
				out["parent_id"] = cm.ParentID
			}
		case "user":
			if s.st.resolveIG(cm.FromID) != nil {
				out["user"] = map[string]string{"id": cm.FromID}
			}
		case "legacy_instagram_comment_id":
			out["legacy_instagram_comment_id"] = cm.ID
		case "media":
			md := s.st.media[cm.MediaID]
			v := map[string]any{"id": md.ID}
			for _, sf := range subOr(f, "id") {
				switch sf.Name {
				case "media_product_type":
					v["media_product_type"] = md.ProductType
				case "permalink":
					v["permalink"] = md.Permalink
				case "media_type":
					v["media_type"] = md.MediaType
				}
			}
			out["media"] = v
		case "replies":
			if cm.ParentID != "" {
				continue
			}
			data, e := s.renderCommentsLocked([]map[string]any{}, s.commentsOfLocked(cm.MediaID, cm.ID, false), subOr(f, "id", "text", "timestamp"))
			if e != nil {
				return nil, e
			}
			out["replies"] = map[string]any{"data": data}
		default:
			return nil, errField(f.Name, "IGComment")
		}
	}
	return out, nil
}

// listComments serves GET /{media-id}/comments and /{comment-id}/replies.
func (s *Server) listComments(c *call, mediaID, parent string) {
	s.replySelected(c, []string{"id", "text", "timestamp"}, func(sel []*fieldSel) (any, *GraphError) {
		if !c.tok.can(capComments) {
			return nil, errPermission()
		}
		page, paging, e := s.paginate(c, s.commentsOfLocked(mediaID, parent, false))
		if e != nil {
			return nil, e
		}
		data, e := s.renderCommentsLocked([]map[string]any{}, page, sel)
		if e != nil {
			return nil, e
		}
		return withPaging(data, paging), nil
	})
}

// createComment serves POST /{media-id}/comments and
// POST /{comment-id}/replies as the media owner.
func (s *Server) createComment(c *call, mediaID, parentID string) {
	var hook *comment
	s.reply(c, func() (any, *GraphError) {
		if !c.tok.can(capComments) {
			return nil, errPermission()
		}
		text := c.params.Get("message")
		if text == "" {
			return nil, errRequired("message")
		}
		if utf8.RuneCountInString(text) > maxCaption {
			return nil, errParam("The comment is too long")
		}
		md := s.st.media[mediaID]
		if !md.CommentsEnabled {
			return nil, errParam("Comments are disabled for this media")
		}
		if parentID != "" {
			p := s.st.comments[parentID]
			if p.ParentID != "" {
				return nil, errParam("Replies can only be made to top-level comments")
			}
			if p.Hidden {
				return nil, errParam("Cannot reply to a hidden comment")
			}
		}
		cm := s.addCommentLocked(md, parentID, md.Owner, text)
		hook = cm
		return map[string]string{"id": cm.ID}, nil
	})
	if hook != nil {
		s.commentWebhooks(hook)
	}
}

// addCommentLocked records a comment. Caller holds s.mu.
func (s *Server) addCommentLocked(md *media, parent, from, text string) *comment {
	cm := &comment{ID: s.st.newCommentID(), MediaID: md.ID, ParentID: parent, FromID: from,
		FromUsername: s.st.personName(from), Text: text, Timestamp: s.now()}
	s.st.comments[cm.ID] = cm
	s.st.commentOrder = append(s.st.commentOrder, cm.ID)
	return cm
}

// serveComment serves /{comment-id}: GET, POST hide=, DELETE, replies.
func (s *Server) serveComment(c *call, id, edge, m string) {
	switch {
	case edge == "" && m == http.MethodGet:
		s.replySelected(c, []string{"id", "text", "timestamp"}, func(sel []*fieldSel) (any, *GraphError) {
			if !c.tok.can(capComments) {
				return nil, errPermission()
			}
			return s.renderCommentLocked(s.st.comments[id], sel)
		})
	case edge == "" && m == http.MethodPost:
		s.reply(c, func() (any, *GraphError) {
			if !c.tok.can(capComments) {
				return nil, errPermission()
			}
			hide, ok := parseBool(c.params.Get("hide"))
			if !ok {
				return nil, errRequired("hide")
			}
			cm := s.st.comments[id]
			md := s.st.media[cm.MediaID]
			if !s.canAccessIG(c.tok, md.Owner) {
				return nil, errPermission()
			}
			if cm.FromID == md.Owner {
				return nil, errParam("Comments by the media owner are always visible and cannot be hidden")
			}
			cm.Hidden = hide
			return success, nil
		})
	case edge == "" && m == http.MethodDelete:
		s.reply(c, func() (any, *GraphError) {
			if !c.tok.can(capComments) {
				return nil, errPermission()
			}
			cm := s.st.comments[id]
			md := s.st.media[cm.MediaID]
			// Only comments on the user's media, or the user's own comments.
			if !s.canAccessIG(c.tok, md.Owner) && !s.canAccessIG(c.tok, cm.FromID) {
				return nil, errPermission()
			}
			cm.Deleted = true
			for _, rid := range s.commentsOfLocked(cm.MediaID, cm.ID, false) {
				s.st.comments[rid].Deleted = true
			}
			return success, nil
		})
	case edge == "replies" && m == http.MethodGet:
		s.mu.Lock()
		cm := s.st.comments[id]
		s.mu.Unlock()
		s.listComments(c, cm.MediaID, cm.ID)
	case edge == "replies" && m == http.MethodPost:
		s.mu.Lock()
		cm := s.st.comments[id]
		own := s.canAccessIG(c.tok, s.st.media[cm.MediaID].Owner)
		s.mu.Unlock()
		if !own {
			s.fail(c, errPermission())
			return
		}
		s.createComment(c, cm.MediaID, cm.ID)
	case edge == "":
		s.fail(c, errNoObject(m, id))
	default:
		s.fail(c, errUnknownPath(edge))
	}
}
