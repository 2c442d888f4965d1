package sandbox

import (
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

var mediaFields = []string{"id", "media_type", "media_product_type", "permalink", "shortcode", "timestamp",
	"caption", "like_count", "comments_count", "media_url", "thumbnail_url", "is_comment_enabled",
	"is_shared_to_feed", "username", "owner", "children", "comments"}

// renderMediaLocked renders a media object for a fields selection. Caller
// holds s.mu.
func (s *Server) renderMediaLocked(c *call, md *media, sel []*fieldSel) (map[string]any, *GraphError) {
	out := map[string]any{"id": md.ID}
	for _, f := range sel {
		switch f.Name {
		case "id":
		case "media_type":
			out["media_type"] = md.MediaType
		case "media_product_type":
			out["media_product_type"] = md.ProductType
		case "permalink":
			if md.Permalink != "" {
				out["permalink"] = md.Permalink
			}
		case "shortcode":
			out["shortcode"] = md.Shortcode
		case "timestamp":
			out["timestamp"] = metaTime(md.Timestamp)
		case "caption":
			if md.Caption != "" {
				out["caption"] = md.Caption
			}
		case "like_count":
			out["like_count"] = md.LikeCount
		case "comments_count":
			out["comments_count"] = len(s.commentsOfLocked(md.ID, "", true))
		case "media_url":
			out["media_url"] = md.MediaURL
		case "thumbnail_url":
			if md.ThumbnailURL != "" {
				out["thumbnail_url"] = md.ThumbnailURL
			}
		case "is_comment_enabled":
			out["is_comment_enabled"] = md.CommentsEnabled
		case "is_shared_to_feed":
			if md.ProductType == "REELS" {
				out["is_shared_to_feed"] = md.SharedToFeed
			}
		case "username":
			out["username"] = s.st.personName(md.Owner)
		case "owner":
			out["owner"] = map[string]string{"id": md.Owner}
		case "children":
			if md.MediaType != "CAROUSEL_ALBUM" {
				continue
			}
			data, e := s.renderMediasLocked(c, nil, md.Children, subOr(f, "id"))
			if e != nil {
				return nil, e
			}
			out["children"] = map[string]any{"data": data}
		case "comments":
			data, e := s.renderCommentsLocked(nil, s.commentsOfLocked(md.ID, "", false), subOr(f, "id", "text", "timestamp"))
			if e != nil {
				return nil, e
			}
			out["comments"] = map[string]any{"data": data}
		default:
			return nil, errField(f.Name, "IGMedia")
		}
	}
	return out, nil
}

// checkMediaFields refuses a selection naming a field IGMedia does not
// have, before any object is read: Graph validates the selection itself,
// so an edge with no items (an account with no posts yet) still answers
// 100 for a misspelt field rather than an empty list.
func checkMediaFields(sel []*fieldSel) *GraphError {
	for _, f := range sel {
		if !slices.Contains(mediaFields, f.Name) {
			return errField(f.Name, "IGMedia")
		}
		if f.Name == "children" {
			if e := checkMediaFields(f.Sub); e != nil {
				return e
			}
		}
	}
	return nil
}

// timeParam reads since/until: a Unix timestamp, or (as Graph's
// strtotime-style values allow) an RFC 3339 time or a YYYY-MM-DD date.
func timeParam(c *call, key string) (time.Time, *GraphError) {
	v := c.params.Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errParam("Param " + key + " must be a unix timestamp or a date")
}

// listMedia serves GET /{ig-user-id}/media (newest first, no stories, no
// carousel children) and /stories (last 24 h).
func (s *Server) listMedia(c *call, owner string, stories bool) {
	s.replySelected(c, []string{"id"}, func(sel []*fieldSel) (any, *GraphError) {
		if e := checkMediaFields(sel); e != nil {
			return nil, e
		}
		now := s.now()
		since, e := timeParam(c, "since")
		if e != nil {
			return nil, e
		}
		until, e := timeParam(c, "until")
		if e != nil {
			return nil, e
		}
		var ids []string
		for i := len(s.st.mediaOrder) - 1; i >= 0; i-- {
			md := s.st.media[s.st.mediaOrder[i]]
			if md.Owner != owner || md.Deleted || md.Parent != "" || (md.ProductType == "STORY") != stories {
				continue
			}
			if stories && now.Sub(md.Timestamp) > 24*time.Hour {
				continue
			}
			if !since.IsZero() && md.Timestamp.Before(since) || !until.IsZero() && md.Timestamp.After(until) {
				continue
			}
			ids = append(ids, md.ID)
		}
		slices.SortStableFunc(ids, func(a, b string) int {
			return s.st.media[b].Timestamp.Compare(s.st.media[a].Timestamp)
		})
		page, paging, e := s.paginate(c, ids)
		if e != nil {
			return nil, e
		}
		data, e := s.renderMediasLocked(c, []map[string]any{}, page, sel)
		if e != nil {
			return nil, e
		}
		return withPaging(data, paging), nil
	})
}

// serveMedia serves /{ig-media-id} and its edges.
func (s *Server) serveMedia(c *call, id, edge, m string) {
	switch {
	case edge == "" && m == http.MethodGet:
		s.replySelected(c, []string{"id"}, func(sel []*fieldSel) (any, *GraphError) {
			if !c.tok.can(capBasic) {
				return nil, errPermission()
			}
			return s.renderMediaLocked(c, s.st.media[id], sel)
		})
	case edge == "" && m == http.MethodPost:
		s.reply(c, func() (any, *GraphError) {
			v := c.params.Get("comment_enabled")
			b, ok := parseBool(v)
			if !ok {
				return nil, errRequired("comment_enabled")
			}
			if !c.tok.can(capComments) {
				return nil, errPermission()
			}
			s.st.media[id].CommentsEnabled = b
			return success, nil
		})
	case edge == "" && m == http.MethodDelete:
		s.reply(c, func() (any, *GraphError) {
			// Documented only for Facebook Login (docs/META.md §15).
			if c.tok.Flavour != flavourFB || !c.tok.can(capPublish) {
				return nil, errNoObject(m, id)
			}
			md := s.st.media[id]
			md.Deleted = true
			for _, ch := range md.Children {
				s.st.media[ch].Deleted = true
			}
			return success, nil
		})
	case edge == "children" && m == http.MethodGet:
		s.replySelected(c, []string{"id"}, func(sel []*fieldSel) (any, *GraphError) {
			if e := checkMediaFields(sel); e != nil {
				return nil, e
			}
			data, e := s.renderMediasLocked(c, []map[string]any{}, s.st.media[id].Children, sel)
			if e != nil {
				return nil, e
			}
			return map[string]any{"data": data}, nil
		})
	case edge == "comments" && m == http.MethodGet:
		s.listComments(c, id, "")
	case edge == "comments" && m == http.MethodPost:
		s.createComment(c, id, "")
	case edge == "insights" && m == http.MethodGet:
		s.insights(c, id)
	case edge == "":
		s.fail(c, errNoObject(m, id))
	default:
		s.fail(c, errUnknownPath(edge))
	}
}

var (
	insightMetrics   = []string{"views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "ig_reels_avg_watch_time", "ig_reels_video_view_total_time", "follows", "profile_visits", "replies", "navigation"}
	insightTitles    = map[string]string{"views": "Views", "reach": "Accounts reached", "likes": "Likes", "comments": "Comments", "shares": "Shares", "saved": "Saved", "total_interactions": "Interactions"}
	insightDeprected = []string{"impressions", "plays", "clips_replays_count", "ig_reels_aggregated_all_plays_count", "video_views"}
)

// insights serves GET /{ig-media-id}/insights?metric=… with deterministic
// values derived from the media id.
func (s *Server) insights(c *call, id string) {
	s.reply(c, func() (any, *GraphError) {
		if !c.tok.can(capInsights) {
			return nil, errPermission()
		}
		raw := c.params.Get("metric")
		if raw == "" {
			return nil, errRequired("metric")
		}
		var data []map[string]any
		for i, name := range strings.Split(raw, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(insightMetrics, name) {
				msg := "(#100) metric[" + strconv.Itoa(i) + "] must be one of the following values: " + strings.Join(insightMetrics, ", ")
				if slices.Contains(insightDeprected, name) {
					msg = "(#100) The metric " + name + " is no longer supported. Use views instead."
				}
				return nil, gerr(400, 100, 0, typeOAuth, msg)
			}
			h := fnv.New32a()
			h.Write([]byte(id + name))
			title := insightTitles[name]
			if title == "" {
				title = name
			}
			data = append(data, map[string]any{
				"name": name, "period": "lifetime", "values": []map[string]int{{"value": int(h.Sum32() % 5000)}},
				"title": title, "description": "Sandbox metric " + name + ".", "id": id + "/insights/" + name + "/lifetime",
			})
		}
		return map[string]any{"data": data}, nil
	})
}
