package sandbox

import (
	"net/http"
	"strconv"
	"time"
)

// publish serves POST /{ig-user-id}/media_publish?creation_id=.
func (s *Server) publish(c *call, owner string) {
	cid := c.params.Get("creation_id")
	if cid == "" {
		s.fail(c, errRequired("creation_id"))
		return
	}
	s.mu.Lock()
	id, e := s.publishLocked(owner, cid)
	drop := false
	if e == nil && s.knobs.DropPublish > 0 {
		s.knobs.DropPublish--
		drop = true
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(c, e)
		return
	}
	if drop {
		// The media is live; the client gets a broken connection instead of
		// the answer (docs/META.md §7: blind retries duplicate posts).
		panic(http.ErrAbortHandler)
	}
	s.ok(c, map[string]string{"id": id})
}

// publishLocked turns a FINISHED container into media. Caller holds s.mu.
func (s *Server) publishLocked(owner, cid string) (string, *GraphError) {
	ct, ok := s.st.containers[cid]
	if !ok || ct.Owner != owner {
		return "", gerr(400, 24, 2207006, typeOAuth, "The media with id "+cid+" cannot be found").user(
			"Media not found", "The media you are trying to publish could not be found.")
	}
	if ct.IsCarouselItem {
		return "", gerr(400, 100, 2207089, typeOAuth, "A carousel item cannot be published on its own").user(
			"Cannot publish carousel item", "Publish the carousel container instead of its items.")
	}
	code, _ := s.statusLocked(ct)
	switch code {
	case StatusPublished:
		return "", errParam("The media with creation_id " + cid + " has already been published")
	case StatusExpired:
		return "", gerr(400, -2, 2207020, typeOAuth, "The media has expired").user(
			"Media expired", "The media container expired; upload it again.")
	case StatusError:
		fc, fs := ct.FailCode, ct.FailSub
		if fc == 0 {
			fc, fs = 9004, 2207052
		}
		return "", gerr(400, fc, fs, typeOAuth, "The media could not be published because processing failed").user(
			"Cannot publish", ct.FailStatus)
	case StatusInProgress:
		// Word for word the envelope shown in docs/META.md §10.
		return "", gerr(400, 9007, 2207027, typeOAuth, "The media is not ready for publishing, please wait for a moment").user(
			"Cannot Publish", "The media is not ready for publishing, please wait for a moment")
	}
	now := s.now()
	if used := s.quotaUsageLocked(owner, now.Add(-24*time.Hour)); used >= s.knobs.PublishQuota {
		return "", gerr(400, 9, 2207042, typeOAuth, "The maximum number of posts that can be published via API in 24 hours has been reached").user(
			"Publishing limit reached", "You reached the maximum number of posts that can be published in 24 hours.")
	}
	md := s.mediaFromContainerLocked(ct, now)
	if ct.MediaType == "CAROUSEL" {
		for _, chID := range ct.Children {
			ch := s.st.containers[chID]
			cm := s.mediaFromContainerLocked(ch, now)
			cm.Parent, cm.Permalink = md.ID, ""
			md.Children = append(md.Children, cm.ID)
		}
	}
	return md.ID, nil
}

func (s *Server) mediaFromContainerLocked(ct *container, now time.Time) *media {
	typ, product := "IMAGE", "FEED"
	switch ct.MediaType {
	case "REELS":
		typ, product = "VIDEO", "REELS"
	case "STORIES":
		product = "STORY"
		if ct.VideoURL != "" || ct.Upload != nil {
			typ = "VIDEO"
		}
	case "CAROUSEL":
		typ = "CAROUSEL_ALBUM"
	case "VIDEO":
		typ = "VIDEO"
	}
	caption := ""
	if !ct.IsCarouselItem && ct.MediaType != "STORIES" {
		caption = ct.Caption
	}
	md := s.addMediaTo(s.st, ct.Owner, typ, product, caption, now)
	md.ContainerID, md.ViaAPI = ct.ID, true
	md.SharedToFeed = ct.MediaType == "REELS" && ct.ShareToFeed
	ct.MediaID = md.ID
	return md
}

// quotaUsageLocked counts posts published through the API since a time
// (a carousel counts once). Caller holds s.mu.
func (s *Server) quotaUsageLocked(owner string, since time.Time) int {
	n := 0
	for _, id := range s.st.mediaOrder {
		md := s.st.media[id]
		if md.Owner == owner && md.ViaAPI && md.Parent == "" && !md.Timestamp.Before(since) {
			n++
		}
	}
	return n
}

// publishingLimit serves GET /{ig-user-id}/content_publishing_limit.
func (s *Server) publishingLimit(c *call, owner string) {
	s.replySelected(c, []string{"quota_usage"}, func(sel []*fieldSel) (any, *GraphError) {
		now := s.now()
		since := now.Add(-24 * time.Hour)
		if v := c.params.Get("since"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, errParam("Param since must be a unix timestamp")
			}
			if t := time.Unix(n, 0); t.After(since) {
				since = t
			}
		}
		row := map[string]any{}
		for _, f := range sel {
			switch f.Name {
			case "quota_usage":
				row["quota_usage"] = s.quotaUsageLocked(owner, since)
			case "config":
				row["config"] = map[string]int{"quota_total": s.knobs.PublishQuota, "quota_duration": 86400}
			default:
				return nil, errField(f.Name, "ContentPublishingLimitResponse")
			}
		}
		return map[string]any{"data": []any{row}}, nil
	})
}
