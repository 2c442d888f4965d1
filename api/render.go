package api

import (
	"context"
	"fmt"
)

// RenderRequest asks for a render (POST /v1/renders). Exactly one of
// Project, Spec and Media names the target. Paths are absolute: the daemon
// reads the files itself.
type RenderRequest struct {
	Project string `json:"project,omitempty"`
	// Spec is a spec file; its media paths are relative to it.
	Spec string `json:"spec,omitempty"`
	// Media is one media file, normalised to Preset (remuxed without
	// re-encoding when it already meets it).
	Media string `json:"media,omitempty"`
	// Preset overrides the spec's preset (for Media: default reels).
	Preset string `json:"preset,omitempty"`
	// Preview renders the half-size, fast-encoding preview of the preset.
	Preview bool `json:"preview,omitempty"`
	// Out is an absolute path the result is copied to; the render cache
	// keeps its own copy either way.
	Out string `json:"out,omitempty"`
	// NoCache renders even when the cache holds the result.
	NoCache bool `json:"no_cache,omitempty"`
	// Display is the target as the user typed it, for messages and job titles.
	Display string `json:"display,omitempty"`
}

// Violation is one broken Instagram rule. Rule is stable ("duration_max",
// "moov_first", …): scripts match on it, people read Message.
type Violation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Got     string `json:"got,omitempty"`
	Want    string `json:"want,omitempty"`
}

func (v Violation) String() string {
	s := v.Rule + ": " + v.Message
	if v.Got != "" || v.Want != "" {
		s += fmt.Sprintf(" (got %s, want %s)", v.Got, v.Want)
	}
	return s
}

// Warning is a layout finding that does not stop a render or a publish:
// a text, caption or overlay under Instagram's interface on the preset's
// player ("safe_zone"), a text cut to max_lines ("text_truncated") or
// shrunk ("text_shrunk"). Key and Line point into the spec.
type Warning struct {
	Rule    string `json:"rule"`
	Key     string `json:"key,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	s := w.Rule + ": "
	if w.Key != "" {
		s += w.Key
		if w.Line > 0 {
			s += fmt.Sprintf(" (line %d)", w.Line)
		}
		s += ": "
	}
	return s + w.Message
}

// RenderResult is a finished render: what `impress render --json` prints.
type RenderResult struct {
	// Output is the rendered file in the render cache.
	Output string `json:"output"`
	// Out is the copy at the path the user asked for, if any.
	Out string `json:"out,omitempty"`
	// Cover is the cover JPEG, when the spec asks for one.
	Cover    string `json:"cover,omitempty"`
	CacheKey string `json:"cache_key"`
	// Cached is true when the result came from the render cache at once.
	Cached bool `json:"cached"`
	// Remuxed is true when the input already met the preset and was
	// copied without re-encoding (the fast path).
	Remuxed bool `json:"remuxed"`
	// NotRemuxed says why a single media file was re-encoded rather than
	// remuxed ("size is 64x64, not 540x960", …).
	NotRemuxed []string `json:"not_remuxed,omitempty"`
	Preset     string   `json:"preset"`
	Kind       string   `json:"kind"`
	Duration   float64  `json:"duration"`
	Size       int64    `json:"size"`
	Width      int      `json:"width"`
	Height     int      `json:"height"`
	FPS        float64  `json:"fps"`
	VideoCodec string   `json:"video_codec"`
	PixFmt     string   `json:"pix_fmt"`
	AudioCodec string   `json:"audio_codec,omitempty"`
	SampleRate int      `json:"sample_rate,omitempty"`
	MoovFirst  bool     `json:"moov_first"`
	// Violations is empty for a registered render: a render that breaks a
	// rule fails (rejected) with them listed and is never registered. Only
	// a preview, which is never published, is kept with its violations.
	Violations []Violation `json:"violations"`
	// Warnings are the spec's layout findings (see [Warning]).
	Warnings []Warning `json:"warnings,omitempty"`
	// Elapsed is the render's wall time in seconds (0 on a cache hit).
	Elapsed float64 `json:"elapsed"`
	JobID   string  `json:"job_id,omitempty"`
}

// RenderStart is the answer of POST /v1/renders: the queued job, or the
// result at once on a cache hit (Job is then nil).
type RenderStart struct {
	Job    *Job          `json:"job,omitempty"`
	Result *RenderResult `json:"result,omitempty"`
}

// RenderDetail is the shape of a render job's Job.Detail.
type RenderDetail struct {
	Request RenderRequest `json:"request"`
	// Output is the registered file once the job is done.
	Output string        `json:"output,omitempty"`
	Result *RenderResult `json:"result,omitempty"`
}

// ResultOf decodes the result from a render job's detail (nil if absent).
func ResultOf(j *Job) *RenderResult {
	if d := detailOf[RenderDetail](j); d != nil {
		return d.Result
	}
	return nil
}

// StartRender queues a render or answers from the cache (POST /v1/renders).
// Follow the job with [Client.WatchJob].
func (c *Client) StartRender(ctx context.Context, r RenderRequest) (*RenderStart, error) {
	return doJSON[RenderStart](ctx, c, "POST", "/v1/renders", r)
}

// ValidateRequest asks for a pre-flight check (POST /v1/validate). One of
// Path (a media or spec file, absolute) and Project.
type ValidateRequest struct {
	Path    string `json:"path,omitempty"`
	Project string `json:"project,omitempty"`
	// Type is reel, story, image or carousel (default: from the spec's
	// publish.type or preset, else from the file: reel or image).
	Type    string `json:"type,omitempty"`
	Display string `json:"display,omitempty"`
}

// Validation is the answer: every violation with the rule it breaks.
type Validation struct {
	Target string `json:"target"`
	Type   string `json:"type"`
	// File is the media file checked: the target itself, or for a spec or
	// project its render (from the cache, rendered when absent).
	File       string      `json:"file,omitempty"`
	OK         bool        `json:"ok"`
	Violations []Violation `json:"violations"`
	// AutoFixed are the rules a media file breaks that `impress render`
	// and `impress publish` fix by themselves (moov_first, edit_list): not
	// violations, and they do not make OK false.
	AutoFixed []Violation `json:"auto_fixed"`
	// Warnings are a spec's layout findings on the preset (texts under
	// Instagram's interface, texts cut short); they do not make OK false.
	Warnings []Warning `json:"warnings,omitempty"`
	// Job is set when a spec or project had to be rendered first: the
	// answer is then only that job; follow it and ask again (the render
	// cache then answers at once).
	Job *Job `json:"job,omitempty"`
}

// Validate checks a target against Instagram's rules (POST /v1/validate).
// Violations are not an error: the answer says OK false. A spec or project
// not rendered yet comes back with Job set instead (see [Validation.Job]).
func (c *Client) Validate(ctx context.Context, r ValidateRequest) (*Validation, error) {
	return doJSON[Validation](ctx, c, "POST", "/v1/validate", r)
}
