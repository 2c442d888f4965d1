package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Community tools: comments, direct messages and webhook events.
//
// Every call takes a connection name; "" picks the default connection (the
// only one, else the one named "default"). Offline variants read the copy
// the daemon keeps (sealed with the connection's data key, under the
// retention policy) and never call Meta.

// Comment is an Instagram comment or reply.
type Comment struct {
	ID        string    `json:"id"`
	MediaID   string    `json:"media_id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Text      string    `json:"text"`
	Username  string    `json:"username,omitempty"`
	FromID    string    `json:"from_id,omitempty"`
	Timestamp time.Time `json:"timestamp,omitzero"`
	LikeCount int       `json:"like_count"`
	Hidden    bool      `json:"hidden"`
	// PrivateReplied is true once impress sent the one private reply the
	// comment allows.
	PrivateReplied bool      `json:"private_replied,omitempty"`
	Replies        []Comment `json:"replies,omitempty"`
	// CachedAt is when the daemon last stored this comment.
	CachedAt time.Time `json:"cached_at,omitzero"`
}

// CommentList is the answer of GET /v1/comments.
type CommentList struct {
	Connection string    `json:"connection"`
	MediaID    string    `json:"media_id"`
	Offline    bool      `json:"offline"`
	Comments   []Comment `json:"comments"`
	// More is true when Meta has more pages than were read (use all).
	More bool `json:"more"`
}

// CommentsQuery selects GET /v1/comments. Media is a media id, a publish
// job id or "latest".
type CommentsQuery struct {
	Connection string
	Media      string
	All        bool
	Offline    bool
}

// Comments lists a media's comments with their replies.
func (c *Client) Comments(ctx context.Context, q CommentsQuery) (*CommentList, error) {
	v := url.Values{"media": {q.Media}}
	setConn(v, q.Connection)
	setFlags(v, map[string]bool{"all": q.All, "offline": q.Offline})
	return doJSON[CommentList](ctx, c, "GET", "/v1/comments?"+v.Encode(), nil)
}

// CommentAction is the body of the comment write calls.
type CommentAction struct {
	Connection string `json:"connection,omitempty"`
	Text       string `json:"text,omitempty"`
	// Hide is the wanted state for POST /v1/comments/{id}/hide.
	Hide bool `json:"hide,omitempty"`
}

// CommentResult says what a comment write did.
type CommentResult struct {
	ID      string `json:"id"`                 // the comment acted on
	ReplyID string `json:"reply_id,omitempty"` // a new reply's id
	Hidden  *bool  `json:"hidden,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

// ReplyComment replies publicly to a top-level comment.
func (c *Client) ReplyComment(ctx context.Context, conn, id, text string) (*CommentResult, error) {
	return c.commentWrite(ctx, "POST", "/v1/comments/"+url.PathEscape(id)+"/reply", CommentAction{Connection: conn, Text: text})
}

// HideComment hides (hide) or shows a comment.
func (c *Client) HideComment(ctx context.Context, conn, id string, hide bool) (*CommentResult, error) {
	return c.commentWrite(ctx, "POST", "/v1/comments/"+url.PathEscape(id)+"/hide", CommentAction{Connection: conn, Hide: hide})
}

// DeleteComment deletes a comment on the account's media.
func (c *Client) DeleteComment(ctx context.Context, conn, id string) (*CommentResult, error) {
	return c.commentWrite(ctx, "POST", "/v1/comments/"+url.PathEscape(id)+"/delete", CommentAction{Connection: conn})
}

func (c *Client) commentWrite(ctx context.Context, method, path string, body CommentAction) (*CommentResult, error) {
	return doJSON[CommentResult](ctx, c, method, path, body)
}

// Mention is a comment or caption of someone else's media that @mentions
// the account, as received by webhook (Meta offers no list of mentions).
type Mention struct {
	EventID    uint64    `json:"event_id"`
	MediaID    string    `json:"media_id"`
	CommentID  string    `json:"comment_id,omitempty"` // empty: mentioned in the caption
	Text       string    `json:"text,omitempty"`
	Permalink  string    `json:"permalink,omitempty"`
	Username   string    `json:"username,omitempty"`
	Timestamp  time.Time `json:"timestamp,omitzero"`
	ReceivedAt time.Time `json:"received_at"`
}

// Mentions lists mentions of the account (GET /v1/mentions); online it
// also reads each mention's text from Meta.
func (c *Client) Mentions(ctx context.Context, conn string, offline bool) ([]Mention, error) {
	return doList[Mention](ctx, c, "GET", "/v1/mentions?"+connQuery(conn, offline), nil)
}

// MentionReply answers a mention with a comment on that media.
type MentionReply struct {
	Connection string `json:"connection,omitempty"`
	MediaID    string `json:"media_id"`
	CommentID  string `json:"comment_id,omitempty"`
	Text       string `json:"text"`
}

// ReplyMention posts the answer to a mention (POST /v1/mentions/reply).
func (c *Client) ReplyMention(ctx context.Context, r MentionReply) (*CommentResult, error) {
	return doJSON[CommentResult](ctx, c, "POST", "/v1/mentions/reply", r)
}

// Thread is a DM thread summary. Instagram allows a reply only within 24 h
// of the other person's last message: ReplyAllowed and
// ReplyWindowClosesAt say where the thread stands.
type Thread struct {
	ID            string    `json:"id"`
	Participant   string    `json:"participant,omitempty"` // the other person's username
	ParticipantID string    `json:"participant_id,omitempty"`
	LastMessage   string    `json:"last_message,omitempty"` // first line of the newest message
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
	LastFromMe    bool      `json:"last_from_me"`
	MessageCount  int       `json:"message_count"`
	// CountCapped: Meta serves only the newest 20 messages, so the thread
	// may hold more than MessageCount.
	CountCapped bool `json:"message_count_capped,omitempty"`
	// Unread is nil when unknown (only webhooks tell).
	Unread              *bool     `json:"unread,omitempty"`
	LastInboundAt       time.Time `json:"last_inbound_at,omitzero"`
	ReplyAllowed        bool      `json:"reply_allowed"`
	ReplyWindowClosesAt time.Time `json:"reply_window_closes_at,omitzero"`
	// Kept is true when full message bodies are stored (show --keep).
	Kept      bool      `json:"kept,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Message is one DM.
type Message struct {
	ID          string    `json:"id"`
	From        string    `json:"from,omitempty"`
	FromID      string    `json:"from_id,omitempty"`
	FromMe      bool      `json:"from_me"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	Attachments []string  `json:"attachments,omitempty"`
}

// ThreadMessages is the answer of GET /v1/messages/{thread}.
type ThreadMessages struct {
	Thread   Thread    `json:"thread"`
	Messages []Message `json:"messages"`
	Offline  bool      `json:"offline"`
}

// Threads lists DM thread summaries (GET /v1/messages).
func (c *Client) Threads(ctx context.Context, conn string, offline bool) ([]Thread, error) {
	return doList[Thread](ctx, c, "GET", "/v1/messages?"+connQuery(conn, offline), nil)
}

// ThreadQuery selects GET /v1/messages/{thread}.
type ThreadQuery struct {
	Connection string
	Thread     string
	Offline    bool
	// Keep stores the message bodies (sealed) so they can be read offline.
	Keep bool
}

// ThreadMessages shows a thread's newest messages (Meta serves 20).
func (c *Client) ThreadMessages(ctx context.Context, q ThreadQuery) (*ThreadMessages, error) {
	v := url.Values{}
	setConn(v, q.Connection)
	setFlags(v, map[string]bool{"offline": q.Offline, "keep": q.Keep})
	return doJSON[ThreadMessages](ctx, c, "GET", "/v1/messages/"+url.PathEscape(q.Thread)+"?"+v.Encode(), nil)
}

// SendRequest is the body of a DM send or private reply.
type SendRequest struct {
	Connection string `json:"connection,omitempty"`
	Text       string `json:"text"`
}

// SendResult is what a send did.
type SendResult struct {
	ThreadID    string `json:"thread_id,omitempty"`
	CommentID   string `json:"comment_id,omitempty"`
	RecipientID string `json:"recipient_id,omitempty"`
	MessageID   string `json:"message_id"`
}

// SendMessage sends a DM in a thread. Outside the 24 h window the daemon
// refuses (rejected) without calling Meta.
func (c *Client) SendMessage(ctx context.Context, conn, thread, text string) (*SendResult, error) {
	return doJSON[SendResult](ctx, c, "POST", "/v1/messages/"+url.PathEscape(thread)+"/send", SendRequest{Connection: conn, Text: text})
}

// PrivateReply sends the one private DM reply a comment allows.
func (c *Client) PrivateReply(ctx context.Context, conn, commentID, text string) (*SendResult, error) {
	return doJSON[SendResult](ctx, c, "POST", "/v1/comments/"+url.PathEscape(commentID)+"/private-reply", SendRequest{Connection: conn, Text: text})
}

// Event is a stored webhook event. IDs increase strictly, across restarts.
// Type is Meta's webhook field name, one of the Event… constants:
// comments, live_comments, mentions, messages (Echo for the account's own
// sends), message_reactions, message_edits, messaging_seen, … Unknown
// fields keep their name and come with Raw only.
type Event struct {
	ID           uint64          `json:"id"`
	Type         string          `json:"type"`
	Connection   string          `json:"connection"`
	ReceivedAt   time.Time       `json:"received_at"`
	Time         time.Time       `json:"time,omitzero"`
	Object       string          `json:"object,omitempty"`
	Account      string          `json:"account,omitempty"`
	MediaID      string          `json:"media_id,omitempty"`
	MediaProduct string          `json:"media_product_type,omitempty"`
	CommentID    string          `json:"comment_id,omitempty"`
	ParentID     string          `json:"parent_id,omitempty"`
	FromID       string          `json:"from_id,omitempty"`
	FromUsername string          `json:"from_username,omitempty"`
	ToID         string          `json:"to_id,omitempty"`
	MessageID    string          `json:"message_id,omitempty"`
	Text         string          `json:"text,omitempty"`
	Echo         bool            `json:"echo,omitempty"`
	Deleted      bool            `json:"deleted,omitempty"`
	Attachments  []string        `json:"attachments,omitempty"`
	Reaction     string          `json:"reaction,omitempty"`
	Raw          json.RawMessage `json:"raw,omitempty"`
}

// Event types (Event.Type) are Meta's webhook field names, as subscribed
// in the app dashboard, so `impress events list --type comments` reads
// naturally. The daemon stores and answers them; the CLI words them.
const (
	EventComments      = "comments"
	EventLiveComments  = "live_comments"
	EventMentions      = "mentions"
	EventMessages      = "messages" // echo: true for the account's own sends
	EventReactions     = "message_reactions"
	EventEdits         = "message_edits"
	EventSeen          = "messaging_seen"
	EventPostbacks     = "messaging_postbacks"
	EventReferral      = "messaging_referral"
	EventOptins        = "messaging_optins"
	EventHandover      = "messaging_handover"
	EventStandby       = "standby"
	EventMessagingMisc = "messaging"
)

// EventsQuery selects GET /v1/events.
type EventsQuery struct {
	Since uint64 // only events with a greater id
	Type  string // only this type
	Limit int    // at most this many (0: all)
}

func (q EventsQuery) values() url.Values {
	v := url.Values{}
	if q.Since > 0 {
		v.Set("since", strconv.FormatUint(q.Since, 10))
	}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Events lists stored events, oldest first.
func (c *Client) Events(ctx context.Context, q EventsQuery) ([]Event, error) {
	return doList[Event](ctx, c, "GET", "/v1/events?"+q.values().Encode(), nil)
}

// FollowEvents streams stored events after q.Since and then new ones as
// webhooks deliver them, until ctx ends, fn fails, q.Limit events were
// sent, or the daemon stops (the stream ends; reconnect with Since set to
// the last id seen to continue without gaps).
func (c *Client) FollowEvents(ctx context.Context, q EventsQuery, fn func(Event) error) error {
	v := q.values()
	v.Set("follow", "1")
	return StreamEvents(ctx, c, "GET", "/v1/events?"+v.Encode(), nil, fn)
}

// connQuery is the query of a listing of one connection, online or from
// the stored copy.
func connQuery(conn string, offline bool) string {
	v := url.Values{}
	setConn(v, conn)
	setFlags(v, map[string]bool{"offline": offline})
	return v.Encode()
}

// setFlags sets each flag that is on to "1".
func setFlags(v url.Values, flags map[string]bool) {
	for name, on := range flags {
		if on {
			v.Set(name, "1")
		}
	}
}

func setConn(v url.Values, conn string) {
	if conn != "" {
		v.Set("connection", conn)
	}
}
