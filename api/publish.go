package api

import (
	"context"
	"net/url"
	"time"
)

// Publish types (`impress publish --type`, README "Publishing").
const (
	PublishReel     = "reel"
	PublishStory    = "story"
	PublishImage    = "image"
	PublishCarousel = "carousel"
)

// States of the publish state machine, in order. A publish job's
// [PublishDetail.State] is one of them; each is saved (and synced) before
// the daemon makes the next call to Meta, so a restarted daemon resumes
// from the last one. Resumable uploads create the container first and send
// the bytes after it (Meta's protocol), so they pass container_created
// before uploaded; URL hosting passes hosted before container_created.
const (
	PubQueued      = "queued"            // accepted, nothing done yet
	PubRendered    = "rendered"          // every item rendered or normalised, hashed, validated
	PubHosted      = "hosted"            // signed URLs on the public endpoint are live
	PubContainer   = "container_created" // container id(s) saved
	PubUploaded    = "uploaded"          // every byte is at rupload
	PubProcessing  = "processing"        // waiting for Meta's status FINISHED
	PubPublishing  = "publishing"        // media_publish is about to be or was called
	PubPublished   = "published"         // media id known (or container PUBLISHED)
	PubFailed      = "failed"            // stopped with Meta's or the rules' error
	PubUnconfirmed = "unconfirmed"       // may or may not be live: check, never re-run blindly
)

// PublishStates returns every state of the publish state machine, in
// order, the two ends last; the daemon's state table has a row for each
// (a test walks them).
func PublishStates() []string {
	return []string{PubQueued, PubRendered, PubHosted, PubContainer, PubUploaded, PubProcessing, PubPublishing,
		PubPublished, PubFailed, PubUnconfirmed}
}

// PublishRequest is the body of POST /v1/publish. Paths are absolute: the
// daemon reads the files itself.
type PublishRequest struct {
	// Targets are what to publish: one project name, one spec file, or
	// one or more media files (several make a carousel).
	Targets []string `json:"targets"`
	// Connection names the account (default: the only connection, else
	// the one named "default").
	Connection string `json:"connection,omitempty"`
	// Type is reel, story, image or carousel (default: the spec's
	// publish.type, else carousel for several files, image for a JPEG,
	// reel for a video).
	Type string `json:"type,omitempty"`
	// Caption (nil: the spec's publish.caption).
	Caption       *string  `json:"caption,omitempty"`
	Cover         string   `json:"cover,omitempty"`           // JPEG cover image (reels)
	ThumbOffsetMS *int     `json:"thumb_offset_ms,omitempty"` // cover frame, ms into the video (reels)
	ShareToFeed   *bool    `json:"share_to_feed,omitempty"`   // reels
	FirstComment  *string  `json:"first_comment,omitempty"`
	Collaborators []string `json:"collaborators,omitempty"`
	AudioName     string   `json:"audio_name,omitempty"`
	LocationID    string   `json:"location_id,omitempty"`
	AltText       string   `json:"alt_text,omitempty"`
	// At schedules the publish; the daemon's scheduler survives restarts.
	At *time.Time `json:"at,omitempty"`
	// Key is the idempotency key; empty derives one from the connection,
	// type, content hashes, caption and options.
	Key string `json:"key,omitempty"`
	// Force publishes again even when the key was used. It also skips
	// the check against the account's live media (see NoReconcile).
	Force bool `json:"force,omitempty"`
	// NoReconcile skips the check against the account's live media for
	// this item (a manifest item's `reconcile: false`): the item is
	// published even when a post with its caption is live.
	NoReconcile bool `json:"no_reconcile,omitempty"`
	// Reconciled says the caller already checked this item against the
	// account's live media in this run (POST /v1/publish/reconcile) and
	// was told to go on; the daemon does not list the account again.
	Reconciled bool `json:"reconciled,omitempty"`
	// DryRun does everything up to but not including container creation
	// and answers with the plan; no job is stored.
	DryRun bool `json:"dry_run,omitempty"`
	// NoWait fails (rejected) instead of waiting when the day's quota is used.
	NoWait bool `json:"no_wait,omitempty"`
	// Display is the targets as the user typed them, for titles and messages.
	Display string `json:"display,omitempty"`
}

// PublishItem is one media file of a publish (several for a carousel).
type PublishItem struct {
	// Target is what the user named (file, spec or project).
	Target string `json:"target"`
	// Source is the absolute file or spec path, or the project name;
	// SourceKind says which: file, spec or project.
	Source     string `json:"source"`
	SourceKind string `json:"source_kind"`
	// Render is set when the source must be rendered (spec, project) or
	// normalised (a file that breaks a fixable rule) before upload.
	Render bool `json:"render,omitempty"`
	// File is the file sent to Meta: the target itself or its render.
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// Kind is video or image.
	Kind string `json:"kind,omitempty"`
	// ContainerID is the carousel child's container.
	ContainerID string `json:"container_id,omitempty"`
	// Status is the child container's last status_code.
	Status string `json:"status,omitempty"`
	// UploadURI is rupload's address for a resumable container.
	UploadURI string `json:"upload_uri,omitempty"`
	Uploaded  bool   `json:"uploaded,omitempty"`
	// Sent is how far the upload got (bytes handed to rupload), saved
	// every few seconds while it runs. A resumed upload starts where Meta
	// says its bytes end, never here: bytes sent need not have arrived.
	Sent int64 `json:"sent,omitempty"`
}

// PublishDetail is the shape of a publish job's [Job.Detail].
type PublishDetail struct {
	State string `json:"state"`
	// Step is the last state of the machine reached before a failure:
	// `impress jobs retry` resumes from there.
	Step       string        `json:"step,omitempty"`
	Connection string        `json:"connection"`
	Type       string        `json:"type"`
	Key        string        `json:"key"`
	Caption    string        `json:"caption,omitempty"`
	Items      []PublishItem `json:"items"`
	// Cover is the user's own cover image (--cover); RenderCover the
	// cover frame a spec's render produced (a render-cache file).
	Cover         string   `json:"cover,omitempty"`
	RenderCover   string   `json:"render_cover,omitempty"`
	ThumbOffsetMS *int     `json:"thumb_offset_ms,omitempty"`
	ShareToFeed   *bool    `json:"share_to_feed,omitempty"`
	FirstComment  string   `json:"first_comment,omitempty"`
	Collaborators []string `json:"collaborators,omitempty"`
	AudioName     string   `json:"audio_name,omitempty"`
	LocationID    string   `json:"location_id,omitempty"`
	AltText       string   `json:"alt_text,omitempty"`
	// Hosting is how bytes reach Meta: "upload" (resumable) or "url"
	// (signed URL on the public endpoint).
	Hosting     string     `json:"hosting,omitempty"`
	At          *time.Time `json:"at,omitempty"`
	NoWait      bool       `json:"no_wait,omitempty"`
	ContainerID string     `json:"container_id,omitempty"`
	// ContainerStatus is the container's last status_code.
	ContainerStatus string `json:"container_status,omitempty"`
	// Fingerprint hashes the content and options; a --key reused for
	// other content is refused.
	Fingerprint string `json:"fingerprint,omitempty"`
	// PublishAttemptAt is when media_publish was last called: the lower
	// bound when looking for the media among the account's recent posts.
	PublishAttemptAt *time.Time `json:"publish_attempt_at,omitempty"`
	MediaID          string     `json:"media_id,omitempty"`
	Permalink        string     `json:"permalink,omitempty"`
	// FirstCommentID is set once the first comment is posted;
	// CommentRequested is saved before the call that posts it.
	FirstCommentID   string `json:"first_comment_id,omitempty"`
	CommentRequested bool   `json:"comment_requested,omitempty"`
	// Recreated counts containers replaced after Meta failed them.
	Recreated int `json:"recreated,omitempty"`
	// WaitReason says why a queued job is not moving (schedule, quota,
	// rate limit), for `impress jobs list`; WaitUntil is when it moves
	// again, or looks again (the quota's next check).
	WaitReason  string     `json:"wait_reason,omitempty"`
	WaitUntil   *time.Time `json:"wait_until,omitempty"`
	Attempts    int        `json:"attempts,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Notes are things the user should know that did not fail the job
	// (permalink unavailable, first comment refused, …).
	Notes []string `json:"notes,omitempty"`
	// Reconcile is what the check against the account's live media said
	// before the job was made (one of the Reconcile… constants; empty: no
	// check was made).
	Reconcile string `json:"reconcile,omitempty"`
}

// PublishDetailOf decodes a publish job's detail (nil if absent).
func PublishDetailOf(j *Job) *PublishDetail { return detailOf[PublishDetail](j) }

// PlannedCall is one Graph call a dry run would make.
type PlannedCall struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Params map[string]string `json:"params,omitempty"`
}

// PublishPlan is what a dry run answers: what would be sent.
type PublishPlan struct {
	Key        string        `json:"key"`
	Connection string        `json:"connection"`
	Type       string        `json:"type"`
	Hosting    string        `json:"hosting"`
	Items      []PublishItem `json:"items"`
	Calls      []PlannedCall `json:"calls"`
	// Existing is the job that already holds the key, if any: a real run
	// would return it instead of publishing.
	Existing *Job `json:"existing,omitempty"`
}

// PublishResult is the answer of POST /v1/publish.
type PublishResult struct {
	// Job is the publish job (nil for a dry run).
	Job *Job `json:"job,omitempty"`
	// Reused is true when the key named an earlier job: nothing new is
	// posted. Resumed is true when that job had failed and was resumed.
	Reused  bool `json:"reused"`
	Resumed bool `json:"resumed,omitempty"`
	// Rescheduled is true when that job had not started and the request
	// asked for another time (an edited at:): the job takes the new time.
	Rescheduled bool         `json:"rescheduled,omitempty"`
	Plan        *PublishPlan `json:"plan,omitempty"`
	// FoundLive is true when the local store did not know the item and
	// the account's live media showed it already posted (by another
	// machine, or by a run whose answer was lost): Job is the record of
	// that post (done) and nothing was published. Distinct from Reused,
	// which means the local store had it.
	FoundLive bool `json:"found_live,omitempty"`
	// LiveRefusal is set when the check against the live media refused
	// the item (several posts match, the listing stopped short, or it
	// failed): Job is nil, nothing was created, and its Error says why.
	*LiveRefusal
}

// Publish submits a publish (POST /v1/publish). Follow the job with
// [Client.WatchJob].
//
// When the daemon refused the item after checking the account's live
// media (res.LiveRefusal set), both the result and its error are returned,
// so that a caller that only looks at the error still stops.
func (c *Client) Publish(ctx context.Context, r PublishRequest) (*PublishResult, error) {
	var out PublishResult
	if err := c.Do(ctx, "POST", "/v1/publish", r, &out); err != nil {
		return nil, err
	}
	if out.LiveRefusal != nil && out.LiveRefusal.Error != nil {
		return &out, out.LiveRefusal.Error
	}
	return &out, nil
}

// RetryJob resumes a failed publish job from its last step (POST
// /v1/jobs/{id}/retry). Published and unconfirmed jobs are refused.
func (c *Client) RetryJob(ctx context.Context, id string) (*Job, error) {
	return doJSON[Job](ctx, c, "POST", "/v1/jobs/"+url.PathEscape(id)+"/retry", nil)
}

// PublishedMedia is one media published by impress (`impress media`).
type PublishedMedia struct {
	JobID      string `json:"job_id"`
	MediaID    string `json:"media_id,omitempty"`
	Permalink  string `json:"permalink,omitempty"`
	Type       string `json:"type"`
	Connection string `json:"connection"`
	Caption    string `json:"caption,omitempty"`
	// State is published or unconfirmed.
	State       string     `json:"state"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Live facts from Meta, filled by `media show` when Meta answers.
	LikeCount     *int   `json:"like_count,omitempty"`
	CommentsCount *int   `json:"comments_count,omitempty"`
	Live          string `json:"live,omitempty"` // "ok", or why the live read failed
}

// MediaList lists published media, newest first (GET /v1/media).
func (c *Client) MediaList(ctx context.Context, connection string) ([]PublishedMedia, error) {
	q := url.Values{}
	if connection != "" {
		q.Set("connection", connection)
	}
	return doList[PublishedMedia](ctx, c, "GET", "/v1/media?"+q.Encode(), nil)
}

// MediaShow returns one published media by media id, job id or "latest",
// refreshed from Meta when possible (GET /v1/media/{id}).
func (c *Client) MediaShow(ctx context.Context, id string) (*PublishedMedia, error) {
	return doJSON[PublishedMedia](ctx, c, "GET", "/v1/media/"+url.PathEscape(id), nil)
}
