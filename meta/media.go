package meta

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultMediaFields are the fields [Client.Media] and [Client.ListMedia]
// ask for by default (docs/META.md §15). like_count may be absent when the owner hides
// likes, media_url for copyrighted content, permalink on carousel children.
const DefaultMediaFields = "id,media_type,media_product_type,permalink,shortcode,timestamp,caption," +
	"like_count,comments_count,media_url,thumbnail_url,is_comment_enabled,is_shared_to_feed,username"

// Media is an IG media object.
type Media struct {
	ID               string      `json:"id"`
	MediaType        string      `json:"media_type"`         // IMAGE, VIDEO (also Reels), CAROUSEL_ALBUM
	MediaProductType string      `json:"media_product_type"` // AD, FEED, STORY, REELS
	Permalink        string      `json:"permalink"`
	Shortcode        string      `json:"shortcode"`
	Timestamp        Time        `json:"timestamp"`
	Caption          string      `json:"caption"`
	LikeCount        int         `json:"like_count"`
	CommentsCount    int         `json:"comments_count"`
	MediaURL         string      `json:"media_url"`
	ThumbnailURL     string      `json:"thumbnail_url"`
	IsCommentEnabled *bool       `json:"is_comment_enabled"`
	IsSharedToFeed   *bool       `json:"is_shared_to_feed"`
	Username         string      `json:"username"`
	Owner            *User       `json:"owner"`
	Children         Edge[Media] `json:"children,omitempty"`
}

// User is a person or account as Graph embeds it (from, owner, participants).
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// Media reads GET /<ver>/<mediaID>?fields=… (default [DefaultMediaFields]). After a
// publish, treat failures as "try later", not as a failed publish: Meta has
// answered 100/33 for fresh media during incidents (docs/META.md §7).
func (c *Client) Media(ctx context.Context, mediaID string, fields ...string) (Media, error) {
	f := DefaultMediaFields
	if len(fields) > 0 {
		f = strings.Join(fields, ",")
	}
	var m Media
	err := c.do(ctx, &request{op: "media", method: http.MethodGet, host: hostGraph, path: c.vpath(mediaID),
		query: url.Values{"fields": {f}}, idempotent: true}, &m)
	return m, err
}

// ListMediaOptions select a page of GET /<ig-user>/media.
type ListMediaOptions struct {
	PageOptions
	Since, Until time.Time // optional bounds on the media timestamp
	Fields       []string  // default [DefaultMediaFields]
}

// ListMedia lists the account's media, newest first, one page at a time
// (Meta serves at most the 10,000 most recent). Used to find a media that a
// lost publish response hid (docs/META.md §7).
func (c *Client) ListMedia(ctx context.Context, igUser string, o ListMediaOptions) ([]Media, Paging, error) {
	f := DefaultMediaFields
	if len(o.Fields) > 0 {
		f = strings.Join(o.Fields, ",")
	}
	q := url.Values{"fields": {f}}
	o.PageOptions.apply(q)
	if !o.Since.IsZero() {
		q.Set("since", strconv.FormatInt(o.Since.Unix(), 10))
	}
	if !o.Until.IsZero() {
		q.Set("until", strconv.FormatInt(o.Until.Unix(), 10))
	}
	var out list[Media]
	if err := c.do(ctx, &request{op: "list media", method: http.MethodGet, host: hostGraph,
		path: c.vpath(igUser, "media"), query: q, idempotent: true}, &out); err != nil {
		return nil, Paging{}, err
	}
	return out.Data, out.Paging.paging(), nil
}

// DeleteMedia deletes a published media: DELETE /<ver>/<mediaID>.
// Documented for Facebook Login (instagram_manage_contents); [UNVERIFIED]
// for Instagram Login, where Meta may answer with a permission error.
func (c *Client) DeleteMedia(ctx context.Context, mediaID string) error {
	return c.expectSuccess(ctx, &request{op: "delete media", method: http.MethodDelete, host: hostGraph,
		path: c.vpath(mediaID), idempotent: true})
}

// SetCommentsEnabled turns commenting on a media on or off:
// POST /<ver>/<mediaID>?comment_enabled=true|false.
func (c *Client) SetCommentsEnabled(ctx context.Context, mediaID string, enabled bool) error {
	return c.expectSuccess(ctx, &request{op: "set comments enabled", method: http.MethodPost, host: hostGraph,
		path: c.vpath(mediaID), form: url.Values{"comment_enabled": {strconv.FormatBool(enabled)}}, idempotent: true})
}
