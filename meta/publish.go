package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MediaType is a container's media_type.
type MediaType string

const (
	// MediaImage is a single feed image or an image carousel item; Meta
	// wants media_type omitted for it.
	MediaImage MediaType = "IMAGE"
	// MediaReels is a Reel (the only way to publish a standalone video).
	MediaReels MediaType = "REELS"
	// MediaStories is a story, image or video.
	MediaStories MediaType = "STORIES"
	// MediaCarousel is the parent of 2-10 item containers.
	MediaCarousel MediaType = "CAROUSEL"
	// MediaVideo is only valid for carousel items (standalone VIDEO was
	// removed in 2023: 100/2207089).
	MediaVideo MediaType = "VIDEO"
)

// UserTag tags a public account on the media. X and Y (0..1) are for
// images; leave them nil for Reels.
type UserTag struct {
	Username string   `json:"username"`
	X        *float64 `json:"x,omitempty"`
	Y        *float64 `json:"y,omitempty"`
}

// ContainerRequest is the body of POST /<ig-user>/media (docs/META.md §4). Exactly one
// of ImageURL, VideoURL and Resumable is set, except for CAROUSEL parents,
// which take Children.
type ContainerRequest struct {
	MediaType MediaType
	ImageURL  string // public JPEG URL
	VideoURL  string // public video URL; Meta's crawler downloads it
	// Resumable asks for upload_type=resumable: the bytes follow with
	// [Client.Upload]. Documented for Facebook Login; Instagram Login has
	// been reported to ignore it ([UNVERIFIED], docs/META.md §6).
	Resumable      bool
	Caption        string
	ShareToFeed    *bool          // REELS: also show in the feed/grid
	CoverURL       string         // REELS: JPEG cover; overrides ThumbOffset
	ThumbOffset    *time.Duration // video: cover frame position, sent in ms
	AudioName      string         // REELS: name of the original audio
	Collaborators  []string       // ≤3 usernames ([UNVERIFIED]: maybe FB Login only, docs/META.md §4)
	UserTags       []UserTag
	LocationID     string // a Facebook Page id with location data
	AltText        string // images only
	IsCarouselItem bool
	Children       []string // CAROUSEL: 2-10 item container ids
	// TrialGraduation makes a trial reel: "MANUAL" or "SS_PERFORMANCE".
	TrialGraduation string
}

func (r ContainerRequest) params() (url.Values, error) {
	const op = "create container"
	v := url.Values{}
	mt := r.MediaType
	if mt == "" {
		mt = MediaImage
	}
	nSources := 0
	for _, set := range []bool{r.ImageURL != "", r.VideoURL != "", r.Resumable} {
		if set {
			nSources++
		}
	}
	switch mt {
	case MediaImage:
		if r.ImageURL == "" || nSources != 1 {
			return nil, invalidf(op, "an image needs image_url and nothing else")
		}
	case MediaReels, MediaVideo:
		if r.ImageURL != "" || nSources != 1 {
			return nil, invalidf(op, "%s needs exactly one of video_url or a resumable upload", mt)
		}
		if mt == MediaVideo && !r.IsCarouselItem {
			return nil, invalidf(op, "VIDEO is only for carousel items; use REELS")
		}
	case MediaStories:
		if nSources != 1 {
			return nil, invalidf(op, "a story needs exactly one of image_url, video_url or a resumable upload")
		}
		if r.Resumable && r.ImageURL != "" {
			return nil, invalidf(op, "resumable upload is for video")
		}
	case MediaCarousel:
		if nSources != 0 {
			return nil, invalidf(op, "a carousel takes children, not media")
		}
		if n := len(r.Children); n < 2 || n > 10 {
			return nil, invalidf(op, "a carousel needs 2 to 10 children, got %d", n)
		}
		v.Set("children", strings.Join(r.Children, ","))
	default:
		return nil, invalidf(op, "unknown media type %q", mt)
	}
	if r.IsCarouselItem && (mt == MediaReels || mt == MediaStories || mt == MediaCarousel) {
		return nil, invalidf(op, "%s cannot be a carousel item", mt)
	}
	if len(r.Collaborators) > 3 {
		return nil, invalidf(op, "at most 3 collaborators")
	}
	if mt != MediaImage {
		v.Set("media_type", string(mt))
	}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("image_url", r.ImageURL)
	set("video_url", r.VideoURL)
	if r.Resumable {
		v.Set("upload_type", "resumable")
	}
	set("caption", r.Caption)
	if r.ShareToFeed != nil {
		v.Set("share_to_feed", strconv.FormatBool(*r.ShareToFeed))
	}
	set("cover_url", r.CoverURL)
	if r.ThumbOffset != nil {
		v.Set("thumb_offset", strconv.FormatInt(r.ThumbOffset.Milliseconds(), 10))
	}
	set("audio_name", r.AudioName)
	if len(r.Collaborators) > 0 {
		b, _ := json.Marshal(r.Collaborators)
		v.Set("collaborators", string(b))
	}
	if len(r.UserTags) > 0 {
		b, _ := json.Marshal(r.UserTags)
		v.Set("user_tags", string(b))
	}
	set("location_id", r.LocationID)
	set("alt_text", r.AltText)
	if r.IsCarouselItem {
		v.Set("is_carousel_item", "true")
	}
	if r.TrialGraduation != "" {
		b, _ := json.Marshal(map[string]string{"graduation_strategy": r.TrialGraduation})
		v.Set("trial_params", string(b))
	}
	return v, nil
}

// Container is a created media container.
type Container struct {
	ID string
	// UploadURI is the rupload URI Meta returns with upload_type=resumable.
	UploadURI string
}

// CreateContainer creates a media container: POST /<ver>/<igUser>/media
// with the parameters as a form body. Never retried automatically (each
// call creates a container and counts against the 400/24 h limit); persist
// the id before going on.
func (c *Client) CreateContainer(ctx context.Context, igUser string, r ContainerRequest) (Container, error) {
	v, err := r.params()
	if err != nil {
		return Container{}, err
	}
	var out struct {
		ID  flexString `json:"id"`
		URI string     `json:"uri"`
	}
	if err := c.do(ctx, &request{op: "create container", method: http.MethodPost, host: hostGraph,
		path: c.vpath(igUser, "media"), form: v}, &out); err != nil {
		return Container{}, err
	}
	if out.ID == "" {
		return Container{}, &Error{Op: "create container", Message: "no container id in response"}
	}
	return Container{ID: string(out.ID), UploadURI: out.URI}, nil
}

// StatusCode is a container's status_code.
type StatusCode string

const (
	StatusInProgress StatusCode = "IN_PROGRESS"
	StatusFinished   StatusCode = "FINISHED"
	StatusError      StatusCode = "ERROR"
	StatusExpired    StatusCode = "EXPIRED"
	StatusPublished  StatusCode = "PUBLISHED"
)

// Status is a container's processing state.
type Status struct {
	ID   string
	Code StatusCode
	// Text is Meta's free-text status, e.g. "Error: Media download has
	// failed. The media URI doesn't meet our requirements."
	Text string
	// Subcode is a 7-digit error subcode found in Text (e.g. 2207026), or 0.
	Subcode int
}

// Compiled on first use rather than at package init, which every impress
// command would pay for.
var reStatusSubcode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(2\d{6})\b`) })

// Err returns nil unless the container failed: ERROR (class from the
// subcode in the text, else [ClassPermanent]) or EXPIRED ([ClassRecreate]).
func (s Status) Err() error {
	switch s.Code {
	case StatusError:
		e := &Error{Op: "container " + s.ID, Type: "ContainerError", Message: s.Text, Subcode: s.Subcode}
		if e.Message == "" {
			e.Message = "processing failed"
		}
		e.class, e.hint = classify(0, s.Subcode, false, 0, false)
		if e.class == ClassOther {
			e.class, e.hint = ClassPermanent, "Meta could not process the media"
			if strings.Contains(strings.ToLower(s.Text), "download") {
				e.hint = "Meta could not download the media URL; it must be public, direct, and not blocked for facebookexternalhit"
			}
		}
		return e
	case StatusExpired:
		return &Error{Op: "container " + s.ID, Type: "ContainerError", Message: "container expired (not published within 24 h)",
			class: ClassRecreate, hint: "The container expired; create a new one"}
	}
	return nil
}

// ContainerStatus reads GET /<ver>/<container>?fields=status_code,status.
// When status_code is missing, the code is inferred from the status text
// ("Error: …" → ERROR), as seen in the wild (trypost PR #351).
func (c *Client) ContainerStatus(ctx context.Context, containerID string) (Status, error) {
	var out struct {
		ID         flexString `json:"id"`
		StatusCode string     `json:"status_code"`
		Status     string     `json:"status"`
	}
	if err := c.do(ctx, &request{op: "container status", method: http.MethodGet, host: hostGraph,
		path: c.vpath(containerID), query: url.Values{"fields": {"status_code,status"}}, idempotent: true}, &out); err != nil {
		return Status{ID: containerID}, err
	}
	s := Status{ID: string(out.ID), Code: StatusCode(strings.ToUpper(out.StatusCode)), Text: out.Status}
	if s.ID == "" {
		s.ID = containerID
	}
	if s.Code == "" {
		t := strings.ToLower(out.Status)
		switch {
		case strings.HasPrefix(t, "error"):
			s.Code = StatusError
		case strings.HasPrefix(t, "expired"):
			s.Code = StatusExpired
		case strings.HasPrefix(t, "finished"):
			s.Code = StatusFinished
		case strings.HasPrefix(t, "published"):
			s.Code = StatusPublished
		default:
			s.Code = StatusInProgress
		}
	}
	if m := reStatusSubcode().FindStringSubmatch(out.Status); m != nil {
		s.Subcode, _ = strconv.Atoi(m[1])
	}
	return s, nil
}

// WaitOptions tune [Client.WaitContainer]. Zero fields take the defaults.
type WaitOptions struct {
	Initial  time.Duration // first interval; default 5 s
	Max      time.Duration // interval cap; default 30 s
	Timeout  time.Duration // total time slept between polls; default 15 min
	OnStatus func(Status)  // called after every successful poll
	// Sleep waits d or until ctx is done; tests inject a fake. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// maxGoneGlitches is how many consecutive 100/33 "object does not exist"
// answers WaitContainer tolerates: Meta returned them for fresh objects
// during the May 2026 incident (docs/META.md §5).
const maxGoneGlitches = 3

// WaitContainer polls the container until it is FINISHED or PUBLISHED
// (returned with a nil error; PUBLISHED means do not publish again), or
// fails: ERROR and EXPIRED return the status and [Status.Err] with Meta's
// reason. Intervals grow ×2 from Initial to Max (5 s → 30 s); transient
// poll errors keep polling. It stops with ctx, or with [ErrWaitTimeout]
// once Timeout has been slept.
func (c *Client) WaitContainer(ctx context.Context, containerID string, o WaitOptions) (Status, error) {
	if o.Initial <= 0 {
		o.Initial = 5 * time.Second
	}
	if o.Max <= 0 {
		o.Max = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	interval, slept, gone := o.Initial, time.Duration(0), 0
	last := Status{ID: containerID, Code: StatusInProgress}
	for {
		s, err := c.ContainerStatus(ctx, containerID)
		switch {
		case err != nil && ctx.Err() != nil:
			return last, err
		case err != nil:
			var e *Error
			isGone := errors.As(err, &e) && e.Code == 100 && e.Subcode == 33
			if isGone {
				gone++
			}
			if !(IsTransient(err) || isGone && gone <= maxGoneGlitches) {
				return last, err
			}
		default:
			gone = 0
			last = s
			if o.OnStatus != nil {
				o.OnStatus(s)
			}
			switch s.Code {
			case StatusFinished, StatusPublished:
				return s, nil
			case StatusError, StatusExpired:
				return s, s.Err()
			}
		}
		if slept >= o.Timeout {
			return last, fmt.Errorf("meta: wait container %s: %w after %s", containerID, ErrWaitTimeout, slept)
		}
		d := min(interval, o.Timeout-slept)
		if err := o.Sleep(ctx, d); err != nil {
			return last, fmt.Errorf("meta: wait container %s: %w", containerID, err)
		}
		slept += d
		interval = min(interval*2, o.Max)
	}
}

// Publish publishes a FINISHED container: POST /<ver>/<igUser>/
// media_publish with creation_id, returning the IG media id.
//
// Publish is NEVER retried automatically. A failure whose outcome is
// unknown (no response, 5xx, codes 1/2/-1, is_transient, unreadable
// success body) has [ClassUnconfirmed]: the media may be live. Re-read the
// container ([Client.ContainerStatus]: PUBLISHED?) and the recent media
// before deciding to publish again. 9007/2207027 ([ClassNotReady]) means
// it was not published: wait and publish again.
func (c *Client) Publish(ctx context.Context, igUser, containerID string) (string, error) {
	var out idResponse
	err := c.do(ctx, &request{op: "publish", method: http.MethodPost, host: hostGraph,
		path: c.vpath(igUser, "media_publish"), form: url.Values{"creation_id": {containerID}}}, &out)
	if err == nil && out.ID == "" {
		err = &Error{Op: "publish", Message: "no media id in response"}
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			publishClass(e)
		}
		return "", err
	}
	return string(out.ID), nil
}

// PublishingLimit is the account's rolling publishing quota.
type PublishingLimit struct {
	QuotaUsage    int           // posts published in the window
	QuotaTotal    int           // allowed posts per window (50 or 100: read, never assume)
	QuotaDuration time.Duration // window length (86400 s)
}

// Remaining is how many more posts the window allows.
func (l PublishingLimit) Remaining() int { return max(l.QuotaTotal-l.QuotaUsage, 0) }

// PublishingLimit reads GET /<ver>/<igUser>/content_publishing_limit
// ?fields=quota_usage,config.
func (c *Client) PublishingLimit(ctx context.Context, igUser string) (PublishingLimit, error) {
	var out list[struct {
		QuotaUsage int `json:"quota_usage"`
		Config     struct {
			QuotaTotal    int `json:"quota_total"`
			QuotaDuration int `json:"quota_duration"`
		} `json:"config"`
	}]
	if err := c.do(ctx, &request{op: "publishing limit", method: http.MethodGet, host: hostGraph,
		path: c.vpath(igUser, "content_publishing_limit"), query: url.Values{"fields": {"quota_usage,config"}},
		idempotent: true}, &out); err != nil {
		return PublishingLimit{}, err
	}
	if len(out.Data) == 0 {
		return PublishingLimit{}, &Error{Op: "publishing limit", Message: "empty response"}
	}
	d := out.Data[0]
	return PublishingLimit{QuotaUsage: d.QuotaUsage, QuotaTotal: d.Config.QuotaTotal,
		QuotaDuration: time.Duration(d.Config.QuotaDuration) * time.Second}, nil
}
