package sandbox

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Container status codes (docs/META.md §5).
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

const (
	containerLife       = 24 * time.Hour
	defaultFailStatus   = "Error: Media download has failed. The media URI doesn't meet our requirements."
	maxCaption          = 2200
	maxHashtags         = 30
	maxMentions         = 20
	maxAltText          = 1000
	maxCollaborators    = 3
	maxCarouselChildren = 10
)

// createContainer serves POST /{ig-user-id}/media.
func (s *Server) createContainer(c *call, owner string) {
	p := c.params
	mt := p.Get("media_type")
	if mt == "IMAGE" {
		mt = "" // accepted as a synonym of "omitted" for single images
	}
	item := false
	if v := p.Get("is_carousel_item"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			s.fail(c, errParam("Param is_carousel_item must be a boolean"))
			return
		}
		item = b
	}
	resumable := p.Get("upload_type") == "resumable"
	if ut := p.Get("upload_type"); ut != "" && ut != "resumable" {
		s.fail(c, errParam("Param upload_type must be one of {resumable}"))
		return
	}
	s.mu.Lock()
	if resumable && c.tok.Flavour == flavourIG && !s.knobs.IGResumable {
		// graph.instagram.com ignores upload_type=resumable (docs/META.md §6, [UNVERIFIED]).
		resumable = false
	}
	s.mu.Unlock()

	ct := &container{MediaType: mt, IsCarouselItem: item, Owner: owner, Params: map[string]string{},
		VideoURL: p.Get("video_url"), ImageURL: p.Get("image_url"), CoverURL: p.Get("cover_url"),
		Caption: p.Get("caption"), ShareToFeed: true}
	for k := range p {
		if k != "access_token" && k != "appsecret_proof" {
			ct.Params[k] = p.Get(k)
		}
	}
	if e := validateContainer(ct, p, resumable); e != nil {
		s.fail(c, e)
		return
	}
	if mt == "CAROUSEL" {
		s.mu.Lock()
		e := s.checkChildrenLocked(ct, p.Get("children"))
		s.mu.Unlock()
		if e != nil {
			s.fail(c, e)
			return
		}
	}
	// Images are fetched while the request waits, as Meta does, so their
	// errors come back from this call; videos are fetched in the background.
	isImage := ct.ImageURL != "" && ct.VideoURL == "" && !resumable
	var imgFetch *fetchRecord
	if isImage && isLoopback(ct.ImageURL) {
		rec, e := s.fetchImage(c.r, ct.ImageURL, mt == "" || item)
		if e != nil {
			s.fail(c, e)
			return
		}
		imgFetch = rec
	}

	s.mu.Lock()
	now := s.now()
	ct.ID = s.st.newContainerID()
	ct.Created = now
	switch {
	case resumable:
		ct.Upload = newUpload(0)
	case isImage:
		ct.ReadyAt = now
		ct.Fetch = imgFetch
		if ct.Fetch == nil {
			ct.Fetch = &fetchRecord{URL: ct.ImageURL, Done: true, OK: true}
		}
	case mt == "CAROUSEL":
		ct.ReadyAt = now
	default:
		if !isLoopback(ct.VideoURL) {
			ct.ReadyAt = now
			ct.Fetch = &fetchRecord{URL: ct.VideoURL, Done: true, OK: true}
		} else {
			ct.Fetch = &fetchRecord{URL: ct.VideoURL, Fetched: true}
		}
	}
	if s.knobs.FailContainers > 0 {
		s.knobs.FailContainers--
		ct.Failed, ct.FailStatus, ct.FailCode, ct.FailSub = true, s.knobs.FailStatus, s.knobs.FailCode, s.knobs.FailSubcode
	}
	s.st.containers[ct.ID] = ct
	s.st.contOrder = append(s.st.contOrder, ct.ID)
	out := map[string]string{"id": ct.ID}
	if resumable {
		v := c.version
		if v == "" {
			v = DefaultVersion
		}
		out["uri"] = baseURL(c.r) + "/ig-api-upload/" + v + "/" + ct.ID
	}
	startFetch := ct.Fetch != nil && ct.Fetch.Fetched && !ct.Fetch.Done
	s.mu.Unlock()
	if startFetch {
		s.fetchVideoAsync(ct.ID, ct.VideoURL)
	}
	s.ok(c, out)
}

// validateContainer checks the parameters Meta validates synchronously.
func validateContainer(ct *container, p url.Values, resumable bool) *GraphError {
	mt, item := ct.MediaType, ct.IsCarouselItem
	switch mt {
	case "":
		if ct.ImageURL == "" {
			return errRequired("image_url")
		}
	case "VIDEO":
		if !item {
			return gerr(400, 100, 2207089, typeOAuth, "Unsupported media type VIDEO").user(
				"Media type not supported",
				"The VIDEO media type is no longer supported for single videos. Use REELS instead.")
		}
		if ct.VideoURL == "" && !resumable {
			return errRequired("video_url")
		}
	case "REELS":
		if item {
			return errParam("Reels cannot be carousel items")
		}
		if ct.VideoURL == "" && !resumable {
			return errRequired("video_url")
		}
	case "STORIES":
		if item {
			return errParam("Stories cannot be carousel items")
		}
		if ct.VideoURL == "" && ct.ImageURL == "" && !resumable {
			return errRequired("video_url")
		}
	case "CAROUSEL":
		if item {
			return errParam("A carousel cannot be a carousel item")
		}
	default:
		return gerr(400, 100, 2207023, typeOAuth, "The media type "+mt+" is unknown").user(
			"Unknown media type", "The media type you entered is not supported.")
	}
	for _, k := range []string{"video_url", "image_url", "cover_url"} {
		if v := p.Get(k); v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errParam("Param " + k + " must be a valid URL")
			}
		}
	}
	if ct.ImageURL != "" && ct.VideoURL != "" {
		return errParam("Only one of image_url and video_url may be given")
	}
	if !item && mt != "STORIES" {
		if e := validateCaption(ct.Caption); e != nil {
			return e
		}
	}
	if v := p.Get("alt_text"); v != "" {
		if mt != "" {
			return errParam("alt_text is only supported for images")
		}
		if utf8.RuneCountInString(v) > maxAltText {
			return errParam("Param alt_text must be at most 1000 characters long")
		}
	}
	if v := p.Get("share_to_feed"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return errParam("Param share_to_feed must be a boolean")
		}
		ct.ShareToFeed = b
	}
	if v := p.Get("thumb_offset"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return gerr(400, 1, 2207057, typeOAuth, "The thumbnail offset is out of range").user(
				"Invalid thumbnail offset", "The thumbnail offset must be a time within the video, in milliseconds.")
		}
	}
	if v := p.Get("collaborators"); v != "" {
		if mt == "STORIES" || item {
			return errParam("collaborators are not supported for this media type")
		}
		var names []string
		if err := json.Unmarshal([]byte(v), &names); err != nil {
			return errParam("Param collaborators must be a JSON array of usernames")
		}
		if len(names) > maxCollaborators {
			return errParam("At most 3 collaborators can be tagged")
		}
	}
	if v := p.Get("user_tags"); v != "" {
		var tags []map[string]any
		if err := json.Unmarshal([]byte(v), &tags); err != nil {
			return errParam("Param user_tags must be a JSON array")
		}
	}
	if v := p.Get("location_id"); v != "" {
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return errParam("INVALID_LOCATION_ID")
		}
	}
	return nil
}

// validateCaption applies Meta's caption limits: ≤ 2,200 characters
// (36004/2207010), ≤ 30 hashtags (same code: the doc names none),
// ≤ 20 @mentions (100/2207040).
func validateCaption(caption string) *GraphError {
	if utf8.RuneCountInString(caption) > maxCaption {
		return gerr(400, 36004, 2207010, typeOAuth, "The caption is too long").user(
			"Caption too long", "The caption must be at most 2,200 characters.")
	}
	if countHashtags(caption) > maxHashtags {
		return gerr(400, 36004, 2207010, typeOAuth, "The caption has too many hashtags").user(
			"Too many hashtags", "A caption can contain at most 30 hashtags.")
	}
	if countMentions(caption) > maxMentions {
		return gerr(400, 100, 2207040, typeOAuth, "The caption has too many mentions").user(
			"Too many mentions", "A caption can @mention at most 20 accounts.")
	}
	return nil
}

// checkChildrenLocked validates a carousel's children list. Caller holds s.mu.
func (s *Server) checkChildrenLocked(ct *container, raw string) *GraphError {
	var ids []string
	for _, id := range strings.Split(raw, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) < 2 || len(ids) > maxCarouselChildren {
		return gerr(400, 100, 2207028, typeOAuth, "The carousel has an invalid number of children").user(
			"Invalid number of carousel items", "A carousel must have between 2 and 10 items.")
	}
	for _, id := range ids {
		ch, ok := s.st.containers[id]
		if !ok || ch.Owner != ct.Owner {
			return gerr(400, 24, 2207006, typeOAuth, "The media with id "+id+" cannot be found").user(
				"Media not found", "A carousel item could not be found.")
		}
		if !ch.IsCarouselItem {
			return errParam("The container " + id + " was not created with is_carousel_item=true")
		}
	}
	ct.Children = ids
	return nil
}

// statusLocked computes a container's status_code and status text from the
// clock. Caller holds s.mu.
func (s *Server) statusLocked(ct *container) (string, string) {
	now := s.now()
	switch {
	case ct.MediaID != "":
		return StatusPublished, "Published: Media has been successfully published."
	case !now.Before(ct.Created.Add(containerLife)):
		return StatusExpired, "Expired: Media was not published within 24 hours."
	case ct.Failed:
		return StatusError, ct.FailStatus
	}
	inProgress := "In Progress: Media is still being processed."
	if ct.MediaType == "CAROUSEL" {
		for _, id := range ct.Children {
			code, _ := s.statusLocked(s.st.containers[id])
			switch code {
			case StatusError, StatusExpired:
				return StatusError, "Error: A carousel item failed to process."
			case StatusInProgress:
				return StatusInProgress, inProgress
			}
		}
	}
	if ct.ReadyAt.IsZero() || now.Before(ct.ReadyAt.Add(s.knobs.ProcessingTime)) {
		return StatusInProgress, inProgress
	}
	return StatusFinished, "Finished: Media has been uploaded and it is ready to be published."
}

var containerFields = []string{"id", "status_code", "status", "video_status", "media_type", "is_carousel_item"}

// serveContainer serves GET /{container-id}?fields=status_code,status.
func (s *Server) serveContainer(c *call, id, edge, m string) {
	if !s.getOnly(c, id, edge, m) {
		return
	}
	s.replySelected(c, []string{"id"}, func(sel []*fieldSel) (any, *GraphError) {
		ct := s.st.containers[id]
		if !c.tok.can(capBasic) {
			return nil, errPermission()
		}
		code, text := s.statusLocked(ct)
		out := map[string]any{"id": ct.ID}
		for _, f := range sel {
			switch f.Name {
			case "id":
			case "status_code":
				out["status_code"] = code
			case "status":
				out["status"] = text
			case "media_type":
				out["media_type"] = ct.MediaType
			case "is_carousel_item":
				out["is_carousel_item"] = ct.IsCarouselItem
			case "video_status":
				out["video_status"] = s.videoStatusLocked(ct, code)
			default:
				return nil, errField(f.Name, "IGContainer")
			}
		}
		return out, nil
	})
}

// videoStatusLocked mirrors the Facebook video upload status object; the
// uploading phase's bytes_transferred tells a client where to resume.
func (s *Server) videoStatusLocked(ct *container, code string) map[string]any {
	up := map[string]any{"status": "complete"}
	if ct.Upload != nil {
		switch {
		case ct.Upload.FileSize > 0 && ct.Upload.Received >= ct.Upload.FileSize, !ct.ReadyAt.IsZero():
			up["status"] = "complete"
		case ct.Upload.Received > 0:
			up["status"] = "in_progress"
		default:
			up["status"] = "not_started"
		}
		up["bytes_transferred"] = ct.Upload.Received
	}
	proc := map[string]any{"status": "not_started"}
	switch code {
	case StatusFinished, StatusPublished:
		proc["status"] = "complete"
	case StatusError:
		proc["status"] = "error"
	case StatusInProgress:
		if !ct.ReadyAt.IsZero() {
			proc["status"] = "in_progress"
		}
	}
	pub := map[string]any{"status": "not_started"}
	if code == StatusPublished {
		pub["status"] = "complete"
	}
	return map[string]any{"video_status": code, "uploading_phase": up, "processing_phase": proc, "publishing_phase": pub}
}
