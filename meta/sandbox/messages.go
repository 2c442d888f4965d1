package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"
)

const (
	messageWindow     = 24 * time.Hour
	humanAgentWindow  = 7 * 24 * time.Hour
	privateReplyLimit = 7 * 24 * time.Hour
	maxMessageText    = 1000
	fetchableMessages = 20
)

func errOutsideWindow() *GraphError {
	return gerr(400, 10, 2534022, typeIGAPI, "This message is sent outside of allowed window.").user(
		"Message not sent", "This message is sent outside of allowed window.")
}

// lastInboundLocked is the time of the participant's last message.
func (s *Server) lastInboundLocked(cv *conversation) time.Time {
	for i := len(cv.Messages) - 1; i >= 0; i-- {
		if m := s.st.msgs[cv.Messages[i]]; m.Inbound {
			return m.Created
		}
	}
	return time.Time{}
}

func (s *Server) updatedLocked(cv *conversation) time.Time {
	if len(cv.Messages) == 0 {
		return time.Time{}
	}
	return s.st.msgs[cv.Messages[len(cv.Messages)-1]].Created
}

func (s *Server) convWithLocked(account, participant string) *conversation {
	for _, id := range s.st.convOrder {
		if cv := s.st.convs[id]; cv.Account == account && cv.Participant == participant {
			return cv
		}
	}
	return nil
}

// listConversations serves GET /{ig-user-id}/conversations?platform=instagram.
func (s *Server) listConversations(c *call, account string) {
	if c.params.Get("platform") != "instagram" {
		s.fail(c, errParam("Param platform must be instagram for Instagram conversations"))
		return
	}
	s.replySelected(c, []string{"id", "updated_time"}, func(sel []*fieldSel) (any, *GraphError) {
		var ids []string
		for _, id := range s.st.convOrder {
			cv := s.st.convs[id]
			if cv.Account != account {
				continue
			}
			if u := c.params.Get("user_id"); u != "" && cv.Participant != u {
				continue
			}
			ids = append(ids, id)
		}
		slices.SortStableFunc(ids, func(a, b string) int {
			return s.updatedLocked(s.st.convs[b]).Compare(s.updatedLocked(s.st.convs[a]))
		})
		page, paging, e := s.paginate(c, ids)
		if e != nil {
			return nil, e
		}
		data, e := s.renderConvsLocked(c, []map[string]any{}, page, sel)
		if e != nil {
			return nil, e
		}
		return withPaging(data, paging), nil
	})
}

// newestLocked returns the ids Meta serves: the 20 most recent, newest first.
func (s *Server) newestLocked(cv *conversation) []string {
	var out []string
	for i := len(cv.Messages) - 1; i >= 0 && len(out) < fetchableMessages; i-- {
		out = append(out, cv.Messages[i])
	}
	return out
}

func (s *Server) renderConvLocked(c *call, cv *conversation, sel []*fieldSel) (map[string]any, *GraphError) {
	out := map[string]any{"id": cv.ID}
	for _, f := range sel {
		switch f.Name {
		case "id":
		case "updated_time":
			out["updated_time"] = metaTime(s.updatedLocked(cv))
		case "participants":
			out["participants"] = map[string]any{"data": []map[string]string{
				{"username": s.st.personName(cv.Account), "id": cv.Account},
				{"username": s.st.personName(cv.Participant), "id": cv.Participant},
			}}
		case "messages":
			data, e := s.renderMsgsLocked([]map[string]any{}, s.newestLocked(cv), subOr(f, "id", "created_time"))
			if e != nil {
				return nil, e
			}
			out["messages"] = map[string]any{"data": data}
		default:
			return nil, errField(f.Name, "Conversation")
		}
	}
	return out, nil
}

func (s *Server) renderMsgLocked(m *message, sel []*fieldSel) (map[string]any, *GraphError) {
	out := map[string]any{"id": m.ID}
	for _, f := range sel {
		switch f.Name {
		case "id":
		case "created_time":
			out["created_time"] = metaTime(m.Created)
		case "from":
			out["from"] = map[string]string{"username": s.st.personName(m.FromID), "id": m.FromID}
		case "to":
			out["to"] = map[string]any{"data": []map[string]string{{"username": s.st.personName(m.ToID), "id": m.ToID}}}
		case "message":
			out["message"] = m.Text
		case "attachments":
			if len(m.Attachments) > 0 {
				var data []map[string]any
				for _, a := range m.Attachments {
					data = append(data, map[string]any{a.Type + "_data": map[string]string{"url": a.URL}})
				}
				out["attachments"] = map[string]any{"data": data}
			}
		case "is_unsupported":
			out["is_unsupported"] = false
		case "reactions", "shares", "story":
		default:
			return nil, errField(f.Name, "Message")
		}
	}
	return out, nil
}

// serveConversation serves GET /{conversation-id} and its messages edge.
func (s *Server) serveConversation(c *call, id, edge, m string) {
	if m != http.MethodGet {
		s.fail(c, errNoObject(m, id))
		return
	}
	switch edge {
	case "":
		s.replySelected(c, []string{"id"}, func(sel []*fieldSel) (any, *GraphError) {
			if !c.tok.can(capMessages) {
				return nil, errPermission()
			}
			return s.renderConvLocked(c, s.st.convs[id], sel)
		})
	case "messages":
		s.replySelected(c, []string{"id", "created_time"}, func(sel []*fieldSel) (any, *GraphError) {
			if !c.tok.can(capMessages) {
				return nil, errPermission()
			}
			page, paging, e := s.paginate(c, s.newestLocked(s.st.convs[id]))
			if e != nil {
				return nil, e
			}
			data, e := s.renderMsgsLocked([]map[string]any{}, page, sel)
			if e != nil {
				return nil, e
			}
			return withPaging(data, paging), nil
		})
	default:
		s.fail(c, errUnknownPath(edge))
	}
}

// serveMessage serves GET /{message-id}; only the 20 newest messages of a
// conversation can be read in detail (docs/META.md §12).
func (s *Server) serveMessage(c *call, id, edge, m string) {
	if !s.getOnly(c, id, edge, m) {
		return
	}
	s.replySelected(c, []string{"id", "created_time"}, func(sel []*fieldSel) (any, *GraphError) {
		if !c.tok.can(capMessages) {
			return nil, errPermission()
		}
		msg := s.st.msgs[id]
		if !slices.Contains(s.newestLocked(s.st.convs[msg.ConvID]), id) {
			return nil, errParam("Only the 20 most recent messages of a conversation can be fetched")
		}
		return s.renderMsgLocked(msg, sel)
	})
}

type sendRequest struct {
	Recipient struct {
		ID        string `json:"id"`
		CommentID string `json:"comment_id"`
	} `json:"recipient"`
	Message struct {
		Text       string `json:"text"`
		Attachment *struct {
			Type    string `json:"type"`
			Payload struct {
				URL string `json:"url"`
			} `json:"payload"`
		} `json:"attachment"`
	} `json:"message"`
}

// sendMessage serves POST /{ig-user-id}/messages: DMs inside the 24 h
// window (7 days with tag HUMAN_AGENT) and one private reply per comment
// within 7 days.
func (s *Server) sendMessage(c *call, account string) {
	var req sendRequest
	if c.params.Get("recipient") == "" {
		s.fail(c, errRequired("recipient"))
		return
	}
	if c.params.Get("message") == "" {
		s.fail(c, errRequired("message"))
		return
	}
	if json.Unmarshal([]byte(c.params.Get("recipient")), &req.Recipient) != nil {
		s.fail(c, errParam("Param recipient must be a JSON object"))
		return
	}
	if json.Unmarshal([]byte(c.params.Get("message")), &req.Message) != nil {
		s.fail(c, errParam("Param message must be a JSON object"))
		return
	}
	var echo *message
	s.reply(c, func() (any, *GraphError) {
		msg := &message{FromID: account, Text: req.Message.Text}
		if a := req.Message.Attachment; a != nil {
			msg.Attachments = []attachment{{Type: a.Type, URL: a.Payload.URL}}
		}
		switch {
		case msg.Text == "" && len(msg.Attachments) == 0:
			return nil, errRequired("message")
		case utf8.RuneCountInString(msg.Text) > maxMessageText:
			return nil, errParam("Length of param message[text] must be less than or equal to 1000")
		}
		now := s.now()
		var cv *conversation
		switch {
		case req.Recipient.CommentID != "":
			cm, ok := s.st.comments[req.Recipient.CommentID]
			if !ok || cm.Deleted || s.st.media[cm.MediaID].Owner != account || cm.FromID == account {
				return nil, gerr(400, 100, 2018001, typeIGAPI, "(#100) No matching user found")
			}
			if cm.PrivateReply != "" {
				return nil, gerr(400, 10, 0, typeIGAPI, "(#10) Only one private reply can be sent for a comment")
			}
			if now.Sub(cm.Timestamp) > privateReplyLimit {
				return nil, errOutsideWindow()
			}
			cv = s.convWithLocked(account, cm.FromID)
			if cv == nil {
				cv = &conversation{ID: s.st.newConvID(), Account: account, Participant: cm.FromID}
				s.st.convs[cv.ID] = cv
				s.st.convOrder = append(s.st.convOrder, cv.ID)
			}
			msg.CommentID = cm.ID
			cm.PrivateReply = "pending"
		case req.Recipient.ID != "":
			cv = s.convWithLocked(account, req.Recipient.ID)
			if cv == nil {
				return nil, gerr(400, 100, 2018001, typeIGAPI, "(#100) No matching user found")
			}
			window := messageWindow
			if c.params.Get("messaging_type") == "MESSAGE_TAG" && c.params.Get("tag") == "HUMAN_AGENT" {
				window = humanAgentWindow
			}
			last := s.lastInboundLocked(cv)
			if last.IsZero() || now.Sub(last) > window {
				return nil, errOutsideWindow()
			}
		default:
			return nil, errRequired("recipient")
		}
		msg.ID, msg.ConvID, msg.ToID, msg.Created = s.st.newMsgID(), cv.ID, cv.Participant, now
		s.st.msgs[msg.ID] = msg
		cv.Messages = append(cv.Messages, msg.ID)
		if msg.CommentID != "" {
			s.st.comments[msg.CommentID].PrivateReply = msg.ID
		}
		echo = msg
		return map[string]string{"recipient_id": cv.Participant, "message_id": msg.ID}, nil
	})
	if echo != nil {
		s.messageWebhook(echo)
	}
}

// addInboundLocked records a message from a fan to an account, opening
// the 24 h window. Caller holds s.mu.
func (s *Server) addInboundLocked(account, from, text string) *message {
	cv := s.convWithLocked(account, from)
	if cv == nil {
		cv = &conversation{ID: s.st.newConvID(), Account: account, Participant: from}
		s.st.convs[cv.ID] = cv
		s.st.convOrder = append(s.st.convOrder, cv.ID)
	}
	m := &message{ID: s.st.newMsgID(), ConvID: cv.ID, FromID: from, ToID: account, Text: text,
		Created: s.now(), Inbound: true}
	s.st.msgs[m.ID] = m
	cv.Messages = append(cv.Messages, m.ID)
	return m
}
