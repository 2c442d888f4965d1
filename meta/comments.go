package meta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Comment is an IG comment (docs/META.md §11). Replies are filled when the comment was
// listed with [Client.Comments]. Username and From need the
// manage-comments permission; comments of restricted users may be missing.
type Comment struct {
	ID        string        `json:"id"`
	Text      string        `json:"text"`
	Username  string        `json:"username"`
	Timestamp Time          `json:"timestamp"`
	LikeCount int           `json:"like_count"`
	Hidden    bool          `json:"hidden"`
	From      *User         `json:"from"`
	ParentID  string        `json:"parent_id"`
	Media     *Media        `json:"media"`
	Replies   Edge[Comment] `json:"replies,omitempty"`
}

// Field lists from docs/META.md §11.
const (
	commentListFields = "id,text,username,timestamp,like_count,hidden,from{id,username},parent_id,replies{id,text,username,timestamp}"
	commentFields     = "id,text,username,timestamp,hidden,like_count,replies,parent_id"
	replyFields       = "id,text,username,timestamp,like_count,hidden,from{id,username},parent_id"
)

// Comments lists the top-level comments of a media with their replies:
// GET /<ver>/<mediaID>/comments?fields=…&limit= (default 50). Do not rely
// on the order; sort by Timestamp and de-duplicate by ID.
func (c *Client) Comments(ctx context.Context, mediaID string, p PageOptions) ([]Comment, Paging, error) {
	if p.Limit == 0 {
		p.Limit = 50
	}
	return c.commentList(ctx, "comments", c.vpath(mediaID, "comments"), commentListFields, p)
}

// Replies lists the replies to a comment: GET /<ver>/<commentID>/replies.
func (c *Client) Replies(ctx context.Context, commentID string, p PageOptions) ([]Comment, Paging, error) {
	return c.commentList(ctx, "replies", c.vpath(commentID, "replies"), replyFields, p)
}

func (c *Client) commentList(ctx context.Context, op, path, fields string, p PageOptions) ([]Comment, Paging, error) {
	q := url.Values{"fields": {fields}}
	p.apply(q)
	var out list[Comment]
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, host: hostGraph, path: path, query: q,
		idempotent: true}, &out); err != nil {
		return nil, Paging{}, err
	}
	return out.Data, out.Paging.paging(), nil
}

// Comment reads one comment: GET /<ver>/<commentID>?fields=….
func (c *Client) Comment(ctx context.Context, commentID string) (Comment, error) {
	var cm Comment
	err := c.do(ctx, &request{op: "comment", method: http.MethodGet, host: hostGraph, path: c.vpath(commentID),
		query: url.Values{"fields": {commentFields}}, idempotent: true}, &cm)
	return cm, err
}

// PostComment comments on the account's own media:
// POST /<ver>/<mediaID>/comments with message. Returns the comment id.
// Not retried automatically (a lost response would post twice).
func (c *Client) PostComment(ctx context.Context, mediaID, message string) (string, error) {
	return c.postID(ctx, "post comment", c.vpath(mediaID, "comments"), url.Values{"message": {message}})
}

// ReplyComment replies to a top-level comment: POST /<ver>/<commentID>/
// replies with message. Meta refuses replies to replies, to hidden comments
// and to live-video comments. Not retried automatically.
func (c *Client) ReplyComment(ctx context.Context, commentID, message string) (string, error) {
	return c.postID(ctx, "reply comment", c.vpath(commentID, "replies"), url.Values{"message": {message}})
}

func (c *Client) postID(ctx context.Context, op, path string, form url.Values) (string, error) {
	if form.Get("message") == "" {
		return "", invalidf(op, "empty message")
	}
	var out idResponse
	if err := c.do(ctx, &request{op: op, method: http.MethodPost, host: hostGraph, path: path, form: form}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &Error{Op: op, Message: "no id in response"}
	}
	return string(out.ID), nil
}

// HideComment hides (hide=true) or shows a comment: POST /<ver>/
// <commentID> with hide. Setting a state is idempotent, so it is retried.
func (c *Client) HideComment(ctx context.Context, commentID string, hide bool) error {
	return c.expectSuccess(ctx, &request{op: "hide comment", method: http.MethodPost, host: hostGraph,
		path: c.vpath(commentID), form: url.Values{"hide": {strconv.FormatBool(hide)}}, idempotent: true})
}

// DeleteComment deletes a comment on the account's media (or its own
// comment): DELETE /<ver>/<commentID>.
func (c *Client) DeleteComment(ctx context.Context, commentID string) error {
	return c.expectSuccess(ctx, &request{op: "delete comment", method: http.MethodDelete, host: hostGraph,
		path: c.vpath(commentID), idempotent: true})
}

// MentionedComment reads a comment in which the account was @-mentioned:
// GET /<ver>/<igUser>?fields=mentioned_comment.comment_id(<id>){…}.
func (c *Client) MentionedComment(ctx context.Context, igUser, commentID string) (Comment, error) {
	return mentioned[Comment](ctx, c, igUser, "mentioned_comment.comment_id", commentID, "id,text,timestamp,like_count,media{id,permalink}")
}

// MentionedMedia reads a media whose caption @-mentions the account:
// GET /<ver>/<igUser>?fields=mentioned_media.media_id(<id>){…}.
func (c *Client) MentionedMedia(ctx context.Context, igUser, mediaID string) (Media, error) {
	return mentioned[Media](ctx, c, igUser, "mentioned_media.media_id", mediaID, "id,caption,media_type,permalink,timestamp,username")
}

// mentioned reads the object a mentioned_* field of the IG user names:
// fields=<edge>.<key>(<id>){<fields>} for edge.key; the answer holds it
// under the edge's name.
func mentioned[T any](ctx context.Context, c *Client, igUser, edgeKey, id, fields string) (T, error) {
	var v T
	edge, _, _ := strings.Cut(edgeKey, ".")
	op := strings.ReplaceAll(edge, "_", " ")
	var out map[string]json.RawMessage
	err := c.do(ctx, &request{op: op, method: http.MethodGet, host: hostGraph, path: c.vpath(igUser),
		query: url.Values{"fields": {edgeKey + "(" + id + "){" + fields + "}"}}, idempotent: true}, &out)
	if raw, ok := out[edge]; ok && err == nil {
		if jerr := json.Unmarshal(raw, &v); jerr != nil {
			// as c.do words a body it cannot read (a JSON type error names
			// types, never values)
			err = &Error{Op: op, HTTPStatus: http.StatusOK, Message: "malformed response: " + jerr.Error()}
		}
	}
	return v, err
}

// ReplyMention answers a mention with a comment on that media:
// POST /<ver>/<igUser>/mentions with media_id, comment_id (empty for a
// caption mention) and message. Not retried automatically.
func (c *Client) ReplyMention(ctx context.Context, igUser, mediaID, commentID, message string) (string, error) {
	f := url.Values{"media_id": {mediaID}, "message": {message}}
	if commentID != "" {
		f.Set("comment_id", commentID)
	}
	return c.postID(ctx, "reply mention", c.vpath(igUser, "mentions"), f)
}
