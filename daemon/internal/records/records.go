// Package records defines the records the community feature caches for a
// connection, each sealed with the connection's data key in the store
// (conns/<name>/…): comments, DM thread summaries with the messages kept
// on request, and webhook events. It is the one definition of their JSON:
// community writes and reads them, privacy opens them to export a
// connection's data and to collect what a purge must scan for.
package records

import (
	"encoding/json"
	"time"

	"github.com/impress-dev/impress/api"
)

// ReplyWindow is how long after a person's last message a business may
// answer them (Meta's rule); a thread says whether a reply is allowed.
const ReplyWindow = 24 * time.Hour

// Sealed field names (associated data), one per kind of cached value.
const (
	FieldComment = "comment"
	FieldThread  = "thread"
	FieldEvent   = "event"
)

// Seal seals v's JSON with a connection's data key under field; Open
// opens it into v.
func Seal(dk interface {
	Seal(string, []byte) ([]byte, error)
}, field string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return dk.Seal(field, raw)
}

func Open(dk interface {
	Open(string, []byte) ([]byte, error)
}, field string, sealed []byte, v any) error {
	raw, err := dk.Open(field, sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Comment is a cached comment (sealed as "comment").
type Comment struct {
	ID             string    `json:"id"`
	MediaID        string    `json:"media_id"`
	ParentID       string    `json:"parent_id,omitempty"`
	Text           string    `json:"text"`
	Username       string    `json:"username,omitempty"`
	FromID         string    `json:"from_id,omitempty"`
	Timestamp      time.Time `json:"timestamp,omitzero"`
	LikeCount      int       `json:"like_count,omitempty"`
	Hidden         bool      `json:"hidden,omitempty"`
	PrivateReplied bool      `json:"private_replied,omitempty"`
}

// ToAPI is the comment on the wire, cached at at.
func (r Comment) ToAPI(at time.Time) api.Comment {
	return api.Comment{ID: r.ID, MediaID: r.MediaID, ParentID: r.ParentID, Text: r.Text, Username: r.Username,
		FromID: r.FromID, Timestamp: r.Timestamp, LikeCount: r.LikeCount, Hidden: r.Hidden,
		PrivateReplied: r.PrivateReplied, CachedAt: at}
}

// Thread is a cached DM thread summary (sealed as "thread"). Message
// bodies are kept only when the user asked (show --keep).
type Thread struct {
	ID            string    `json:"id"`
	ParticipantID string    `json:"participant_id,omitempty"`
	Participant   string    `json:"participant,omitempty"`
	LastMessage   string    `json:"last_message,omitempty"`
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
	LastFromMe    bool      `json:"last_from_me,omitempty"`
	MessageCount  int       `json:"message_count"`
	CountCapped   bool      `json:"count_capped,omitempty"`
	Unread        *bool     `json:"unread,omitempty"`
	LastInboundAt time.Time `json:"last_inbound_at,omitzero"`
	// MetaUpdated is Meta's updated_time when the messages were last read:
	// an unchanged thread is not read again (≈2 calls/s per account).
	MetaUpdated time.Time `json:"meta_updated,omitzero"`
	Messages    []Message `json:"messages,omitempty"`
}

// Message is a DM kept in a thread (only with show --keep).
type Message struct {
	ID          string    `json:"id"`
	FromID      string    `json:"from_id,omitempty"`
	From        string    `json:"from,omitempty"`
	FromMe      bool      `json:"from_me,omitempty"`
	Text        string    `json:"text,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	Attachments []string  `json:"attachments,omitempty"`
}

// Window says whether a reply is allowed at now and when the window closes.
func (t Thread) Window(now time.Time) (bool, time.Time) {
	if t.LastInboundAt.IsZero() {
		return false, time.Time{}
	}
	closes := t.LastInboundAt.Add(ReplyWindow)
	return now.Before(closes), closes
}

// ToAPI is the thread summary on the wire at now, cached at at.
func (t Thread) ToAPI(now, at time.Time) api.Thread {
	ok, closes := t.Window(now)
	return api.Thread{ID: t.ID, Participant: t.Participant, ParticipantID: t.ParticipantID,
		LastMessage: t.LastMessage, LastMessageAt: t.LastMessageAt, LastFromMe: t.LastFromMe,
		MessageCount: t.MessageCount, CountCapped: t.CountCapped, Unread: t.Unread,
		LastInboundAt: t.LastInboundAt, ReplyAllowed: ok, ReplyWindowClosesAt: closes,
		Kept: len(t.Messages) > 0, UpdatedAt: at}
}

// ToAPI is the message on the wire.
func (m Message) ToAPI() api.Message {
	return api.Message{ID: m.ID, From: m.From, FromID: m.FromID, FromMe: m.FromMe, Text: m.Text,
		CreatedAt: m.CreatedAt, Attachments: m.Attachments}
}

// Event is a webhook event as the daemon keeps it: sealed with the
// connection's data key in conns/<name>/events/<id>. Type is one of api's
// Event… names.
type Event struct {
	Type    string `json:"type"`
	Object  string `json:"object"`
	Account string `json:"account"` // entry.id: the IG account (or Page) the event is for
	// Time is when it happened (message timestamp), else when Meta sent it.
	Time         time.Time `json:"time,omitzero"`
	MediaID      string    `json:"media_id,omitempty"`
	MediaProduct string    `json:"media_product_type,omitempty"`
	CommentID    string    `json:"comment_id,omitempty"`
	ParentID     string    `json:"parent_id,omitempty"`
	FromID       string    `json:"from_id,omitempty"`
	FromUsername string    `json:"from_username,omitempty"`
	ToID         string    `json:"to_id,omitempty"`
	MessageID    string    `json:"message_id,omitempty"`
	Text         string    `json:"text,omitempty"`
	Echo         bool      `json:"echo,omitempty"`
	Deleted      bool      `json:"deleted,omitempty"`
	// Attachments are the attachment types; their CDN URLs expire and stay
	// only in Raw.
	Attachments []string `json:"attachments,omitempty"`
	Reaction    string   `json:"reaction,omitempty"`
	// Raw is the change value or messaging item exactly as Meta sent it.
	Raw json.RawMessage `json:"raw,omitempty"`

	// Dedupe identifies the delivery: a Meta retry of the same change has
	// the same key (docs/META.md §13: per change, not per POST). It is the
	// store's dedupe key, not part of the sealed value.
	Dedupe string `json:"-"`
}
