package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// serveIGUser serves /{ig-user-id} and its edges (the same for /me with an
// IG-Login token and for /{page-id}/… edges with FB-Login page tokens).
func (s *Server) serveIGUser(c *call, id, edge, m string) {
	c.account = id
	need := map[string]capability{
		"": capBasic, "media": capBasic, "stories": capBasic, "content_publishing_limit": capBasic,
		"media_publish": capPublish, "conversations": capMessages, "messages": capMessages,
		"mentions": capComments, "subscribed_apps": capBasic, "tags": capBasic,
	}
	if m == http.MethodPost && edge == "media" {
		need["media"] = capPublish
	}
	capNeeded, known := need[edge]
	if !known {
		s.fail(c, errUnknownPath(edge))
		return
	}
	s.mu.Lock()
	okCap := c.tok.can(capNeeded)
	s.mu.Unlock()
	if !okCap {
		s.fail(c, errPermission())
		return
	}
	switch {
	case edge == "" && m == http.MethodGet:
		s.getIGUser(c, id)
	case edge == "media" && m == http.MethodGet:
		s.listMedia(c, id, false)
	case edge == "stories" && m == http.MethodGet:
		s.listMedia(c, id, true)
	case edge == "tags" && m == http.MethodGet:
		s.ok(c, map[string]any{"data": []any{}})
	case edge == "media" && m == http.MethodPost:
		s.createContainer(c, id)
	case edge == "media_publish" && m == http.MethodPost:
		s.publish(c, id)
	case edge == "content_publishing_limit" && m == http.MethodGet:
		s.publishingLimit(c, id)
	case edge == "conversations" && m == http.MethodGet:
		s.listConversations(c, id)
	case edge == "messages" && m == http.MethodPost:
		s.sendMessage(c, id)
	case edge == "mentions" && m == http.MethodPost:
		s.replyToMention(c, id)
	case edge == "subscribed_apps":
		s.subscribedApps(c, id, m)
	default:
		s.fail(c, errNoObject(m, id))
	}
}

var igUserFields = []string{"id", "user_id", "ig_id", "username", "name", "account_type", "profile_picture_url",
	"followers_count", "follows_count", "media_count", "biography", "website",
	"mentioned_comment", "mentioned_media"}

func profilePicture(a *igAccount) string {
	return "https://scontent.sandbox.invalid/profile/" + a.Username + ".jpg"
}

func (s *Server) getIGUser(c *call, id string) {
	s.replySelected(c, []string{"id", "username"}, func(sel []*fieldSel) (any, *GraphError) {
		a := s.st.accounts[id]
		// IG Login: id is the app-scoped id, user_id the professional
		// account id (docs/META.md §2). FB Login: id is the IG user id.
		ownID := a.ID
		if c.tok.Flavour == flavourIG {
			ownID = a.AppScopedID
		}
		out := map[string]any{"id": ownID} // id is always answered
		for _, f := range sel {
			switch f.Name {
			case "id":
			case "user_id", "ig_id":
				out[f.Name] = a.ID
			case "username":
				out["username"] = a.Username
			case "name":
				out["name"] = a.Name
			case "account_type":
				out["account_type"] = a.AccountType
			case "profile_picture_url":
				out["profile_picture_url"] = profilePicture(a)
			case "followers_count":
				out["followers_count"] = a.Followers
			case "follows_count":
				out["follows_count"] = a.Follows
			case "media_count":
				n := 0
				for _, mid := range s.st.mediaOrder {
					if md := s.st.media[mid]; md.Owner == id && !md.Deleted && md.Parent == "" && md.ProductType != "STORY" {
						n++
					}
				}
				out["media_count"] = n
			case "biography":
				out["biography"] = a.Biography
			case "website":
				out["website"] = a.Website
			case "mentioned_comment":
				v, e := s.mentionedCommentLocked(a, f)
				if e != nil {
					return nil, e
				}
				out["mentioned_comment"] = v
			case "mentioned_media":
				v, e := s.mentionedMediaLocked(c, a, f)
				if e != nil {
					return nil, e
				}
				out["mentioned_media"] = v
			default:
				return nil, errField(f.Name, "IGUser")
			}
		}
		return out, nil
	})
}

// mentionedCommentLocked serves
// fields=mentioned_comment.comment_id(<id>){id,text,timestamp,like_count,media{id,permalink}}.
func (s *Server) mentionedCommentLocked(a *igAccount, f *fieldSel) (any, *GraphError) {
	cid := f.Mods["comment_id"]
	if cid == "" {
		return nil, errRequired("comment_id")
	}
	cm, ok := s.st.comments[cid]
	if !ok || cm.Deleted || !mentions(cm.Text, a.Username) {
		return nil, errParam("The comment " + cid + " does not mention @" + a.Username)
	}
	return s.renderCommentLocked(cm, subOr(f, "id", "text", "timestamp"))
}

// mentionedMediaLocked serves
// fields=mentioned_media.media_id(<id>){id,caption,media_type,permalink,timestamp,username}.
func (s *Server) mentionedMediaLocked(c *call, a *igAccount, f *fieldSel) (any, *GraphError) {
	mid := f.Mods["media_id"]
	if mid == "" {
		return nil, errRequired("media_id")
	}
	md, ok := s.st.media[mid]
	if !ok || md.Deleted || !mentions(md.Caption, a.Username) {
		return nil, errParam("The media " + mid + " does not mention @" + a.Username)
	}
	return s.renderMediaLocked(c, md, subOr(f, "id", "caption", "media_type"))
}

// replyToMention serves POST /{ig-user-id}/mentions?media_id&comment_id&message:
// a comment by the account on the media where it was mentioned.
func (s *Server) replyToMention(c *call, id string) {
	var hook *comment
	s.reply(c, func() (any, *GraphError) {
		a := s.st.accounts[id]
		mid, cid, text := c.params.Get("media_id"), c.params.Get("comment_id"), c.params.Get("message")
		if mid == "" {
			return nil, errRequired("media_id")
		}
		if text == "" {
			return nil, errRequired("message")
		}
		md, ok := s.st.media[mid]
		if !ok || md.Deleted {
			return nil, errParam("The media " + mid + " does not exist")
		}
		parent := ""
		if cid != "" {
			cm, ok := s.st.comments[cid]
			if !ok || cm.Deleted || cm.MediaID != mid || !mentions(cm.Text, a.Username) {
				return nil, errParam("The comment " + cid + " does not mention @" + a.Username)
			}
			parent = cm.ID
			if cm.ParentID != "" {
				parent = cm.ParentID
			}
		} else if !mentions(md.Caption, a.Username) {
			return nil, errParam("The media " + mid + " does not mention @" + a.Username)
		}
		cm := s.addCommentLocked(md, parent, a.ID, text)
		hook = cm
		return map[string]string{"id": cm.ID}, nil
	})
	if hook != nil {
		s.commentWebhooks(hook)
	}
}

// subscribedApps serves /{ig-user-id}/subscribed_apps (GET, POST, DELETE).
func (s *Server) subscribedApps(c *call, id, m string) {
	s.reply(c, func() (any, *GraphError) {
		a := s.st.accounts[id]
		switch m {
		case http.MethodGet:
			var fields []string
			for f := range a.Subscribed {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			if len(fields) == 0 {
				return map[string]any{"data": []any{}}, nil
			}
			return map[string]any{"data": []map[string]any{{
				"id": s.opts.AppID, "name": s.opts.AppName, "subscribed_fields": fields}}}, nil
		case http.MethodPost:
			raw := c.params.Get("subscribed_fields")
			if raw == "" {
				return nil, errRequired("subscribed_fields")
			}
			for _, f := range strings.Split(raw, ",") {
				f = strings.TrimSpace(f)
				if !slices.Contains(webhookFields, f) {
					return nil, errParam("Param subscribed_fields must be one of {" + strings.Join(webhookFields, ", ") + "} - got \"" + f + "\"")
				}
				a.Subscribed[f] = true
			}
			return success, nil
		case http.MethodDelete:
			clear(a.Subscribed)
			return success, nil
		}
		return nil, errNoObject(m, id)
	})
}

var webhookFields = []string{"comments", "live_comments", "mentions", "messages", "message_reactions",
	"message_edits", "messaging_seen", "messaging_postbacks", "messaging_referral", "messaging_optins",
	"messaging_handover", "standby", "story_insights", "feed"}
