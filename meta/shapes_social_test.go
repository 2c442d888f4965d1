package meta

import (
	"context"
	"testing"
)

// socialShapeCases are the comment, mention and messaging endpoints of
// [TestRequestShapes] (docs/META.md §11, §12).
func socialShapeCases() []shapeCase {
	return []shapeCase{
		{
			name: "comments with replies",
			reply: `{"data":[{"id":"17858893269000001","text":"nice!","username":"someone","timestamp":"2026-03-01T10:00:00+0000",
				"like_count":2,"hidden":false,"from":{"id":"17841","username":"someone"},
				"replies":{"data":[{"id":"1786","text":"thanks","username":"me","timestamp":"2026-03-01T11:00:00+0000"}]}}],
				"paging":{"cursors":{"before":"QVFIb","after":"QVFIa"},"next":"https://graph.instagram.com/v25.0/m/comments?after=QVFIa"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cm, p, err := c.Comments(ctx, "m1", PageOptions{})
				return []any{cm, p}, err
			},
			method: "GET", path: "/v25.0/m1/comments",
			query: map[string]string{"limit": "50",
				"fields": "id,text,username,timestamp,like_count,hidden,from{id,username},parent_id,replies{id,text,username,timestamp}"},
			check: func(t *testing.T, out any) {
				o := out.([]any)
				cm, p := o[0].([]Comment), o[1].(Paging)
				if len(cm) != 1 || cm[0].From == nil || cm[0].From.Username != "someone" || len(cm[0].Replies) != 1 ||
					cm[0].Replies[0].Text != "thanks" || p.After != "QVFIa" || !p.HasNext {
					t.Errorf("comments = %+v %+v", cm, p)
				}
			},
		},
		{
			name: "replies", reply: `{"data":[]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				_, _, err := c.Replies(ctx, "c1", PageOptions{After: "Z"})
				return nil, err
			},
			method: "GET", path: "/v25.0/c1/replies", query: map[string]string{"after": "Z"},
		},
		{
			name: "post comment", reply: `{"id":"179"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.PostComment(ctx, "m1", "first!") },
			method: "POST", path: "/v25.0/m1/comments", form: map[string]string{"message": "first!"},
		},
		{
			name: "reply comment", reply: `{"id":"180"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ReplyComment(ctx, "c1", "thanks") },
			method: "POST", path: "/v25.0/c1/replies", form: map[string]string{"message": "thanks"},
		},
		{
			name: "hide comment", reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.HideComment(ctx, "c1", true) },
			method: "POST", path: "/v25.0/c1", form: map[string]string{"hide": "true"},
		},
		{
			name: "unhide comment", reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.HideComment(ctx, "c1", false) },
			method: "POST", path: "/v25.0/c1", form: map[string]string{"hide": "false"},
		},
		{
			name: "delete comment", reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteComment(ctx, "c1") },
			method: "DELETE", path: "/v25.0/c1",
		},
		{
			name: "comments toggle", reply: `{"success":true}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.SetCommentsEnabled(ctx, "m1", false) },
			method: "POST", path: "/v25.0/m1", form: map[string]string{"comment_enabled": "false"},
		},
		{
			name:   "mentioned comment",
			reply:  `{"mentioned_comment":{"id":"c9","text":"@me hi","timestamp":"2026-03-01T10:00:00+0000","media":{"id":"m9","permalink":"https://x"}},"id":"1784"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.MentionedComment(ctx, "1784", "c9") },
			method: "GET", path: "/v25.0/1784",
			query: map[string]string{"fields": "mentioned_comment.comment_id(c9){id,text,timestamp,like_count,media{id,permalink}}"},
			check: func(t *testing.T, out any) {
				if cm := out.(Comment); cm.Text != "@me hi" || cm.Media == nil || cm.Media.ID != "m9" {
					t.Errorf("comment = %+v", cm)
				}
			},
		},
		{
			name:   "mentioned media",
			reply:  `{"mentioned_media":{"id":"m9","caption":"hi @me"},"id":"1784"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.MentionedMedia(ctx, "1784", "m9") },
			method: "GET", path: "/v25.0/1784",
			query: map[string]string{"fields": "mentioned_media.media_id(m9){id,caption,media_type,permalink,timestamp,username}"},
		},
		{
			name: "reply mention", reply: `{"id":"c10"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ReplyMention(ctx, "1784", "m9", "c9", "thanks!")
			},
			method: "POST", path: "/v25.0/1784/mentions",
			form: map[string]string{"media_id": "m9", "comment_id": "c9", "message": "thanks!"},
		},
		{
			name: "conversations",
			reply: `{"data":[{"id":"aWdfZAG1","updated_time":"2026-02-01T12:00:00+0000","participants":{"data":[{"username":"u","id":"IGSID1"}]}}],
				"paging":{"cursors":{"after":"n"},"next":"https://graph.instagram.com/next"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cv, _, err := c.Conversations(ctx, "me", ConversationOptions{UserID: "IGSID1"})
				return cv, err
			},
			method: "GET", path: "/v25.0/me/conversations",
			query: map[string]string{"platform": "instagram", "user_id": "IGSID1", "fields": "id,updated_time,participants"},
			check: func(t *testing.T, out any) {
				cv := out.([]Conversation)
				if len(cv) != 1 || cv[0].ID != "aWdfZAG1" || len(cv[0].Participants) != 1 || cv[0].UpdatedTime.Year() != 2026 {
					t.Errorf("conversations = %+v", cv)
				}
			},
		},
		{
			name: "conversation messages",
			reply: `{"messages":{"data":[{"id":"aWdfm1","created_time":"2026-02-01T12:00:00+0000","from":{"username":"u","id":"IGSID1"},
				"to":{"data":[{"username":"me","id":"1784"}]},"message":"hi"}]},"id":"aWdfZAG1"}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ConversationMessages(ctx, "aWdfZAG1") },
			method: "GET", path: "/v25.0/aWdfZAG1",
			query: map[string]string{"fields": "messages{id,created_time,from,to,message}"},
			check: func(t *testing.T, out any) {
				m := out.([]Message)
				if len(m) != 1 || m[0].Text != "hi" || m[0].From.ID != "IGSID1" || len(m[0].To) != 1 || m[0].To[0].ID != "1784" {
					t.Errorf("messages = %+v", m)
				}
			},
		},
		{
			name:   "message",
			reply:  `{"id":"aWdfm1","created_time":"2026-02-01T12:00:00+0000","from":{"username":"u","id":"IGSID1"},"message":"hi","attachments":{"data":[{"image_data":{"url":"https://lookaside/x"}}]}}`,
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Message(ctx, "aWdfm1") },
			method: "GET", path: "/v25.0/aWdfm1",
			query: map[string]string{"fields": "id,created_time,from,to,message,attachments,is_unsupported"},
			check: func(t *testing.T, out any) {
				if m := out.(Message); len(m.Attachments) != 1 || m.Attachments[0].URL != "https://lookaside/x" {
					t.Errorf("message = %+v", m)
				}
			},
		},
		{
			name: "send message", reply: `{"recipient_id":"IGSID1","message_id":"aWdfsent"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendMessage(ctx, "me", "IGSID1", "Thanks for reaching out!")
			},
			method: "POST", path: "/v25.0/me/messages", header: map[string]string{"Content-Type": "application/json"},
			json: `{"recipient":{"id":"IGSID1"},"message":{"text":"Thanks for reaching out!"}}`,
			check: func(t *testing.T, out any) {
				if r := out.(SendResult); r.MessageID != "aWdfsent" || r.RecipientID != "IGSID1" {
					t.Errorf("send = %+v", r)
				}
			},
		},
		{
			name: "send attachment", reply: `{"recipient_id":"IGSID1","message_id":"m"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendAttachment(ctx, "PAGE1", "IGSID1", Attachment{Type: "image", URL: "https://x/p.jpg"})
			},
			method: "POST", path: "/v25.0/PAGE1/messages",
			json: `{"recipient":{"id":"IGSID1"},"message":{"attachment":{"type":"image","payload":{"url":"https://x/p.jpg"}}}}`,
		},
		{
			name: "private reply", reply: `{"recipient_id":"IGSID1","message_id":"m"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PrivateReply(ctx, "me", "17858893269000001", "Sent you the details in DM")
			},
			method: "POST", path: "/v25.0/me/messages",
			json: `{"recipient":{"comment_id":"17858893269000001"},"message":{"text":"Sent you the details in DM"}}`,
		},
		{
			name: "subscribe app", reply: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SubscribeApp(ctx, "me", []string{"comments", "messages", "mentions"})
			},
			method: "POST", path: "/v25.0/me/subscribed_apps",
			form: map[string]string{"subscribed_fields": "comments,messages,mentions"},
		},
	}
}
