package api

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// Job kinds and states shared by every kind of daemon job.
const (
	JobRender  = "render"
	JobPublish = "publish"

	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Job is a unit of daemon work. Kind-specific details travel in Detail,
// whose shape the kind documents (e.g. a render's output facts).
type Job struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	State     string          `json:"state"`
	Stage     string          `json:"stage,omitempty"`
	Percent   float64         `json:"percent,omitempty"`
	Title     string          `json:"title,omitempty"`
	Error     *Error          `json:"error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// detailOf decodes a job's Detail as the kind's T (nil if absent or not
// a T).
func detailOf[T any](j *Job) *T {
	if j == nil || len(j.Detail) == 0 {
		return nil
	}
	var d T
	if json.Unmarshal(j.Detail, &d) != nil {
		return nil
	}
	return &d
}

// Terminal reports whether the job will not change any more.
func (j Job) Terminal() bool {
	switch j.State {
	case JobDone, JobFailed, JobCancelled:
		return true
	}
	return false
}

// JobEvent is one line of a job's NDJSON progress stream. The last event of
// a stream carries the final Job.
type JobEvent struct {
	JobID   string  `json:"job_id"`
	Stage   string  `json:"stage"`
	Percent float64 `json:"percent,omitempty"`
	Speed   float64 `json:"speed,omitempty"`
	ETA     float64 `json:"eta_seconds,omitempty"`
	Bytes   int64   `json:"bytes,omitempty"`
	Total   int64   `json:"total,omitempty"`
	Message string  `json:"message,omitempty"`
	// Until is set while a job waits (Message says why): when it moves
	// again, or looks again.
	Until *time.Time `json:"until,omitempty"`
	Job   *Job       `json:"job,omitempty"`
}

// Jobs lists jobs, newest first (GET /v1/jobs?kind=).
func (c *Client) Jobs(ctx context.Context, kind string) ([]Job, error) {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	return doList[Job](ctx, c, "GET", "/v1/jobs?"+q.Encode(), nil)
}

// Job returns one job (GET /v1/jobs/{id}).
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	return doJSON[Job](ctx, c, "GET", "/v1/jobs/"+url.PathEscape(id), nil)
}

// WatchJob streams a job's events until it ends (GET /v1/jobs/{id}/events).
func (c *Client) WatchJob(ctx context.Context, id string, fn func(JobEvent) error) error {
	return StreamEvents(ctx, c, "GET", "/v1/jobs/"+url.PathEscape(id)+"/events", nil, fn)
}

// CancelJob cancels a job (POST /v1/jobs/{id}/cancel).
func (c *Client) CancelJob(ctx context.Context, id string) (*Job, error) {
	return doJSON[Job](ctx, c, "POST", "/v1/jobs/"+url.PathEscape(id)+"/cancel", nil)
}
