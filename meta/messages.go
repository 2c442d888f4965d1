package meta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// Conversation is an Instagram DM thread.
type Conversation struct {
	ID           string     `json:"id"`
	UpdatedTime  Time       `json:"updated_time"`
	Participants Edge[User] `json:"participants,omitempty"`
}

// Message is one DM. Ids of people are Instagram-scoped ids (IGSID).
type Message struct {
	ID            string           `json:"id"`
	CreatedTime   Time             `json:"created_time"`
	From          User             `json:"from"`
	To            Edge[User]       `json:"to,omitempty"`
	Text          string           `json:"message"`
	Attachments   Edge[Attachment] `json:"attachments,omitempty"`
	IsUnsupported bool             `json:"is_unsupported"`
}

// Attachment is a media attachment of a message. URLs from Meta's CDN
// expire; download promptly.
type Attachment struct {
	Type string // image, video, audio, file (for sending)
	URL  string
}

// UnmarshalJSON reads an attachment as Graph lists it: the URL sits under
// image_data or video_data by kind, else in file_url. Attachment has no
// JSON form of its own (sending builds a form from Type and URL).
func (a *Attachment) UnmarshalJSON(b []byte) error {
	var w struct {
		ImageData *struct {
			URL string `json:"url"`
		} `json:"image_data"`
		VideoData *struct {
			URL string `json:"url"`
		} `json:"video_data"`
		FileURL string `json:"file_url"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	switch {
	case w.ImageData != nil:
		*a = Attachment{Type: "image", URL: w.ImageData.URL}
	case w.VideoData != nil:
		*a = Attachment{Type: "video", URL: w.VideoData.URL}
	default:
		*a = Attachment{Type: "file", URL: w.FileURL}
	}
	return nil
}

// ConversationOptions filter [Client.Conversations].
type ConversationOptions struct {
	PageOptions
	UserID string // only the conversation with this IGSID
}

// Conversations lists DM threads: GET /<ver>/<owner>/conversations
// ?platform=instagram&fields=id,updated_time,participants. owner is "me"
// with Instagram Login, the Page id (with a Page token) with Facebook Login.
// Threads in Requests inactive for 30 days are not returned.
func (c *Client) Conversations(ctx context.Context, owner string, o ConversationOptions) ([]Conversation, Paging, error) {
	q := url.Values{"platform": {"instagram"}, "fields": {"id,updated_time,participants"}}
	if o.UserID != "" {
		q.Set("user_id", o.UserID)
	}
	o.PageOptions.apply(q)
	var out list[Conversation]
	if err := c.do(ctx, &request{op: "conversations", method: http.MethodGet, host: hostGraph,
		path: c.vpath(owner, "conversations"), query: q, idempotent: true}, &out); err != nil {
		return nil, Paging{}, err
	}
	return out.Data, out.Paging.paging(), nil
}

// MaxThreadMessages is how many of a thread's newest messages Meta serves.
const MaxThreadMessages = 20

// ConversationMessages returns the newest messages of a thread (Meta
// serves only the 20 most recent in detail): GET /<ver>/<conversationID>
// ?fields=messages{id,created_time,from,to,message}.
func (c *Client) ConversationMessages(ctx context.Context, conversationID string) ([]Message, error) {
	var out struct {
		Messages list[Message] `json:"messages"`
	}
	if err := c.do(ctx, &request{op: "conversation messages", method: http.MethodGet, host: hostGraph,
		path: c.vpath(conversationID), query: url.Values{"fields": {"messages{id,created_time,from,to,message}"}},
		idempotent: true}, &out); err != nil {
		return nil, err
	}
	msgs := out.Messages.Data
	if len(msgs) > MaxThreadMessages {
		msgs = msgs[:MaxThreadMessages]
	}
	return msgs, nil
}

// Message reads one message: GET /<ver>/<messageID>?fields=id,
// created_time,from,to,message,attachments,is_unsupported.
func (c *Client) Message(ctx context.Context, messageID string) (Message, error) {
	var m Message
	err := c.do(ctx, &request{op: "message", method: http.MethodGet, host: hostGraph, path: c.vpath(messageID),
		query: url.Values{"fields": {"id,created_time,from,to,message,attachments,is_unsupported"}}, idempotent: true}, &m)
	return m, err
}

// SendResult is Meta's answer to a send.
type SendResult struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// MaxMessageRunes bounds a DM's text (Meta: under 1,000 characters).
const MaxMessageRunes = 1000

// SendMessage sends a text DM: POST /<ver>/<owner>/messages with
// {"recipient":{"id":IGSID},"message":{"text":…}}. Meta allows it only
// within 24 h of the user's last message (else 10/2534022, permanent).
// Not retried automatically.
func (c *Client) SendMessage(ctx context.Context, owner, recipientID, text string) (SendResult, error) {
	return c.sendText(ctx, "send message", owner, map[string]string{"id": recipientID}, text)
}

// SendAttachment sends a media DM by URL (type image, video, audio or
// file): {"message":{"attachment":{"type":…,"payload":{"url":…}}}}.
func (c *Client) SendAttachment(ctx context.Context, owner, recipientID string, a Attachment) (SendResult, error) {
	switch a.Type {
	case "image", "video", "audio", "file":
	default:
		return SendResult{}, invalidf("send attachment", "attachment type %q", a.Type)
	}
	return c.send(ctx, "send attachment", owner, map[string]any{
		"recipient": map[string]string{"id": recipientID},
		"message": map[string]any{"attachment": map[string]any{
			"type": a.Type, "payload": map[string]string{"url": a.URL}}},
	})
}

// PrivateReply answers a comment in the commenter's DMs: POST /<ver>/
// <owner>/messages with {"recipient":{"comment_id":…}}. One per comment,
// within 7 days of it. Not retried automatically.
func (c *Client) PrivateReply(ctx context.Context, owner, commentID, text string) (SendResult, error) {
	return c.sendText(ctx, "private reply", owner, map[string]string{"comment_id": commentID}, text)
}

// sendText sends text to recipient (a user, or the author of a comment):
// the two text DMs differ only in how the recipient is named.
func (c *Client) sendText(ctx context.Context, op, owner string, recipient map[string]string, text string) (SendResult, error) {
	if err := checkText(op, text); err != nil {
		return SendResult{}, err
	}
	return c.send(ctx, op, owner, map[string]any{
		"recipient": recipient,
		"message":   map[string]string{"text": text},
	})
}

func checkText(op, text string) error {
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return invalidf(op, "empty text")
	case n > MaxMessageRunes:
		return invalidf(op, "text has %d characters, max %d", n, MaxMessageRunes)
	}
	return nil
}

func (c *Client) send(ctx context.Context, op, owner string, body map[string]any) (SendResult, error) {
	var out SendResult
	err := c.do(ctx, &request{op: op, method: http.MethodPost, host: hostGraph, path: c.vpath(owner, "messages"),
		json: body}, &out)
	return out, err
}
