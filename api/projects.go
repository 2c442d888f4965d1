package api

import (
	"context"
	"net/url"
	"time"
)

// Project is a named project: a spec plus the media imported into it.
type Project struct {
	Name   string `json:"name"`
	Preset string `json:"preset"`
	// Clips is the number of clips on the timeline.
	Clips int `json:"clips"`
	// Duration is the timeline's length in seconds as far as the spec
	// and the probed media tell (transitions overlap clips).
	Duration float64 `json:"duration"`
	Assets   []Asset `json:"assets"`
	// Spec is the project's spec as `impress project export` prints it.
	Spec      string    `json:"spec,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProjectSummary is a line of the project list: what `impress project
// list` shows, without each project's assets (GET /v1/projects?view=summary).
type ProjectSummary struct {
	Name     string  `json:"name"`
	Preset   string  `json:"preset"`
	Clips    int     `json:"clips"`
	Duration float64 `json:"duration"`
	// Assets is the number of media files imported into the project.
	Assets    int       `json:"assets"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Asset is one imported media file of the content-addressed media store.
type Asset struct {
	SHA256 string `json:"sha256"`
	// Name is the base name the file had when it was imported.
	Name string `json:"name"`
	// Kind is video, image, audio or subtitle.
	Kind string `json:"kind"`
	// Path is the copy in the media store, which renders read.
	Path string `json:"path"`
	// Source is where it was first imported from (it may have moved since).
	Source     string    `json:"source,omitempty"`
	Size       int64     `json:"size"`
	Duration   float64   `json:"duration,omitempty"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	FPS        float64   `json:"fps,omitempty"`
	VideoCodec string    `json:"video_codec,omitempty"`
	AudioCodec string    `json:"audio_codec,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
}

// NewProjectRequest creates a project (POST /v1/projects). Clips are
// absolute paths: the daemon reads the files itself, nothing is uploaded.
type NewProjectRequest struct {
	Name   string   `json:"name"`
	Preset string   `json:"preset,omitempty"`
	Clips  []string `json:"clips,omitempty"`
}

// ApplyRequest creates or updates a project from a spec file
// (POST /v1/projects/apply). Path is absolute; Display is the name the
// user typed, used in error messages.
type ApplyRequest struct {
	Path    string `json:"path"`
	Display string `json:"display,omitempty"`
}

// ApplyResult says what an apply did.
type ApplyResult struct {
	Project Project `json:"project"`
	// Created is true when the project did not exist before.
	Created bool `json:"created"`
	// Changed is false when the project already had exactly this spec.
	Changed bool `json:"changed"`
	// Imported lists the media newly copied into the media store.
	Imported []Asset `json:"imported"`
}

// AddAssetsRequest imports media into a project
// (POST /v1/projects/{name}/assets). Paths are absolute. With Append the
// videos and images are also added to the end of the timeline.
type AddAssetsRequest struct {
	Paths  []string `json:"paths"`
	Append bool     `json:"append,omitempty"`
}

// AddAssetsResult lists the assets of the request, in its order.
type AddAssetsResult struct {
	Project string  `json:"project"`
	Assets  []Asset `json:"assets"`
}

// Export is a project's spec as YAML (GET /v1/projects/{name}/export).
type Export struct {
	Spec string `json:"spec"`
}

// Projects lists projects by name (GET /v1/projects).
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	return doList[Project](ctx, c, "GET", "/v1/projects", nil)
}

// ProjectSummaries lists projects by name without their assets (GET
// /v1/projects?view=summary): a tenth of the bytes of Projects for a list.
func (c *Client) ProjectSummaries(ctx context.Context) ([]ProjectSummary, error) {
	var out []ProjectSummary
	if err := c.Do(ctx, "GET", "/v1/projects?view=summary", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Project returns one project (GET /v1/projects/{name}).
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	return doJSON[Project](ctx, c, "GET", "/v1/projects/"+url.PathEscape(name), nil)
}

// CreateProject creates a project (POST /v1/projects); conflict if the name is taken.
func (c *Client) CreateProject(ctx context.Context, r NewProjectRequest) (*Project, error) {
	return doJSON[Project](ctx, c, "POST", "/v1/projects", r)
}

// DeleteProject removes a project (DELETE /v1/projects/{name}).
func (c *Client) DeleteProject(ctx context.Context, name string) error {
	return c.Do(ctx, "DELETE", "/v1/projects/"+url.PathEscape(name), nil, nil)
}

// ApplyProject creates or updates a project from a spec file (POST /v1/projects/apply).
func (c *Client) ApplyProject(ctx context.Context, r ApplyRequest) (*ApplyResult, error) {
	return doJSON[ApplyResult](ctx, c, "POST", "/v1/projects/apply", r)
}

// ExportProject returns a project's spec (GET /v1/projects/{name}/export).
func (c *Client) ExportProject(ctx context.Context, name string) (*Export, error) {
	return doJSON[Export](ctx, c, "GET", "/v1/projects/"+url.PathEscape(name)+"/export", nil)
}

// AddAssets imports media into a project (POST /v1/projects/{name}/assets).
func (c *Client) AddAssets(ctx context.Context, project string, r AddAssetsRequest) (*AddAssetsResult, error) {
	return doJSON[AddAssetsResult](ctx, c, "POST", "/v1/projects/"+url.PathEscape(project)+"/assets", r)
}
