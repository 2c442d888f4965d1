// Package projects is the daemon's projects feature: projects and media
// import into the media store (projects.go, media.go, specs.go), renders as
// daemon jobs with a content-keyed cache (render.go, renderexec.go),
// validation (validate.go), the TUI's preview stills (preview.go), and the
// ffmpeg toolchain with its doctor checks (tools.go). It is named after
// what users make with it, not render, the leaf package it drives. It
// implements feature.Renderer for publish and feature.Projects for the
// privacy export.
//
// A render runs as a job of kind "render" through the job runner, at most
// render.concurrency at once, each bounded by renderTimeLimit. Its output
// is written under <data>/renders/tmp, validated against Instagram's rules,
// and only then renamed to <data>/renders/<key>.mp4 and registered in the
// store (once synced, after the job: rendersync.go; the cache answers for
// it from memory meanwhile): a failed, cancelled or crashed render leaves
// nothing registered, and its leftovers in tmp are swept at the next
// start. Jobs are idempotent, so those left queued or running by a crash
// or a shutdown are simply submitted again at start.
package projects

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// renderTimeLimit bounds one render's wall time. A 15-minute Reel at
// 1080x1920 encodes at roughly real time on two cores; anything far past
// that is a hung ffmpeg, not a slow one.
const renderTimeLimit = 90 * time.Minute

// renderState is the render feature's in-memory state.
type renderState struct {
	hashes hashCache
	probes probeCache

	// mu guards inflight. Lock order: a leaf (released before the
	// store, the runner or ffmpeg is called).
	mu sync.Mutex
	// inflight maps a cache key to the job rendering it, so that two
	// requests for the same output share one ffmpeg run.
	inflight map[string]uint64
	// pending are finished renders not yet synced and recorded in the
	// store (rendersync.go); syncs counts their goroutines.
	pending map[string]*store.Render
	syncs   sync.WaitGroup
}

func newRenderState() *renderState {
	return &renderState{inflight: map[string]uint64{}, pending: map[string]*store.Render{}}
}

// Service is the projects feature.
type Service struct {
	feature.Deps
	render    *renderState
	summaries summaryCache
}

var (
	_ feature.Renderer = (*Service)(nil)
	_ feature.Projects = (*Service)(nil)
)

// New builds the projects feature.
func New(d feature.Deps) *Service {
	return &Service{Deps: d, render: newRenderState()}
}

// Routes registers the projects, renders, validate and preview routes.
func (s *Service) Routes(mux *http.ServeMux) {
	s.projectRoutes(mux)
	mux.HandleFunc("POST /v1/renders", s.NeedStore(s.startRenderHandler))
	mux.HandleFunc("POST /v1/validate", s.NeedStore(s.validateHandler))
	s.previewRoutes(mux)
}

// Start resumes the render jobs a crash or a shutdown left queued or
// running, and sweeps temporary outputs nobody will finish.
func (s *Service) Start(ctx context.Context) error {
	os.RemoveAll(s.rendersTmp())
	// Imports interrupted by a crash leave their temporary copies.
	if stale, err := filepath.Glob(filepath.Join(s.mediaRoot(), ".import-*")); err == nil {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	// Learn the ffmpeg version now rather than on the first cache hit,
	// which should answer at once.
	go s.ffmpegVersion(ctx)
	jobs, err := s.DB.Jobs(api.JobRender)
	if err != nil {
		return fmt.Errorf("render: list jobs: %w", err)
	}
	// Oldest first, so they keep their order in the queue.
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		if j.State != api.JobQueued && j.State != api.JobRunning {
			continue
		}
		var d renderDetail
		if err := json.Unmarshal(j.Detail, &d); err != nil {
			s.DB.UpdateJob(j.ID, func(j *store.Job) error {
				j.State, j.Error = api.JobFailed, &store.JobError{Code: string(api.CodeInternal), Message: "unreadable job detail: " + err.Error()}
				return nil
			})
			continue
		}
		if j.State == api.JobRunning {
			s.DB.UpdateJob(j.ID, func(j *store.Job) error { j.State, j.Stage, j.Percent = api.JobQueued, "queued", 0; return nil })
		}
		s.Log.Info("resuming render job", "job", j.ID, "target", d.Request.Display)
		s.submitRender(ctx, j, d.Request, "")
	}
	return nil
}

func (s *Service) rendersDir() string { return mediastore.RendersDir(s.Paths.DataDir) }
func (s *Service) rendersTmp() string { return filepath.Join(s.rendersDir(), "tmp") }

// renderDetail is what a render job keeps in its Detail. It is a superset
// of api.RenderDetail (the wire reads the fields it knows).
type renderDetail struct {
	Request api.RenderRequest `json:"request"`
	// CacheKey is set once the job has planned.
	CacheKey string            `json:"cache_key,omitempty"`
	Output   string            `json:"output,omitempty"`
	Result   *api.RenderResult `json:"result,omitempty"`
}

func (s *Service) startRenderHandler(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, s.failRender, s.requestRender)
}

// failRender answers an error of the render package with its wire code
// (see [feature.RenderError]).
func (s *Service) failRender(w http.ResponseWriter, err error) {
	s.Fail(w, feature.RenderError(err))
}

// requestRender answers from the cache or queues a job. Everything that
// can be refused (bad target, spec errors, non-media) is refused here,
// before a job exists: invalid_input means nothing was changed.
func (s *Service) requestRender(ctx context.Context, req api.RenderRequest) (*api.RenderStart, error) {
	if err := checkRenderRequest(&req); err != nil {
		return nil, err
	}
	// A media file not hashed yet is hashed by the job, while it renders
	// (planLazy): its key, and so the cache's answer, comes then.
	pl, err := s.planLazy(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := checkOutExt(req.Out, pl); err != nil {
		return nil, err
	}
	if !req.NoCache && pl.key != "" {
		if res, ok := s.cachedResult(pl); ok {
			if err := s.deliver(res, req.Out); err != nil {
				return nil, err
			}
			return &api.RenderStart{Result: res}, nil
		}
	}
	s.render.mu.Lock()
	if id, ok := s.render.inflight[pl.key]; ok && pl.key != "" && req.Out == "" {
		s.render.mu.Unlock()
		if j, err := s.DB.Job(id); err == nil && !(api.Job{State: j.State}).Terminal() {
			aj := jobs.ToAPI(j)
			return &api.RenderStart{Job: &aj}, nil
		}
	} else {
		s.render.mu.Unlock()
	}
	d := renderDetail{Request: req, CacheKey: pl.key}
	detail, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	job, err := s.DB.CreateJob(store.Job{Kind: api.JobRender, State: api.JobQueued, Stage: "queued",
		Title: "render " + req.Display, Detail: detail}, false)
	if err != nil {
		return nil, err
	}
	// The job outlives the request: the CLI's Ctrl-C cancels it through
	// the cancel endpoint, and a shutdown parks it (the runner cancels
	// every job's context then), so only the request's values are kept.
	s.submitRender(context.WithoutCancel(ctx), job, req, pl.key)
	aj := jobs.ToAPI(job)
	return &api.RenderStart{Job: &aj}, nil
}

// checkRenderRequest normalises and checks a request's shape.
func checkRenderRequest(req *api.RenderRequest) error {
	n := 0
	for _, t := range []string{req.Project, req.Spec, req.Media} {
		if t != "" {
			n++
		}
	}
	if n != 1 {
		return api.Errorf(api.CodeInvalid, "render: name exactly one target (a project, a spec file or a media file)")
	}
	for what, p := range map[string]string{"spec": req.Spec, "media": req.Media, "--out": req.Out} {
		if p != "" {
			if err := requireAbs(what, p); err != nil {
				return err
			}
		}
	}
	if req.Preset != "" {
		if _, err := render.LookupPreset(req.Preset, false); err != nil {
			return api.Errorf(api.CodeInvalid, "render: %v", err)
		}
	}
	if req.Display == "" {
		req.Display = req.Project + req.Spec + req.Media
	}
	return nil
}

// submitRender hands a render job to the runner. key is the cache key the
// request planned ("" when resuming); the job plans again anyway, since
// the inputs may have changed while it waited.
func (s *Service) submitRender(base context.Context, job store.Job, req api.RenderRequest, key string) {
	if key != "" {
		s.render.mu.Lock()
		s.render.inflight[key] = job.ID
		s.render.mu.Unlock()
	}
	s.Jobs.Submit(base, job, renderTimeLimit, func(ctx context.Context, p *jobs.Progress) error {
		defer func() {
			if key != "" {
				s.render.mu.Lock()
				if s.render.inflight[key] == job.ID {
					delete(s.render.inflight, key)
				}
				s.render.mu.Unlock()
			}
		}()
		return feature.RenderError(s.runRenderJob(ctx, p, req))
	})
}

// runRenderJob is a render job's work.
func (s *Service) runRenderJob(ctx context.Context, p *jobs.Progress, req api.RenderRequest) error {
	started := time.Now()
	p.Progress(api.JobEvent{Stage: "plan"})
	pl, err := s.planLazy(ctx, req)
	if err != nil {
		return err
	}
	cached := func() error {
		res, ok := s.cachedResult(pl)
		if !ok || req.NoCache {
			return errNotCached
		}
		if err := s.deliver(res, req.Out); err != nil {
			return err
		}
		res.JobID = strconv.FormatUint(p.ID(), 10)
		return p.SaveFinal(renderDetail{Request: req, CacheKey: pl.key, Output: res.Output, Result: res})
	}
	if pl.key != "" {
		if err := cached(); err != errNotCached {
			return err
		}
	}
	if err := os.MkdirAll(s.rendersTmp(), 0o700); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	work, err := os.MkdirTemp(s.rendersTmp(), "job-"+strconv.FormatUint(p.ID(), 10)+"-")
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer os.RemoveAll(work)
	steps := newStepClock(started)
	steps.mark("plan")
	// The input's hash, when still unknown, is read while ffmpeg reads
	// the file; a cache hit it reveals stops the render.
	rctx, stopRender := context.WithCancel(ctx)
	defer stopRender()
	hashed := make(chan error, 1)
	go func() { hashed <- s.completePlan(rctx, pl) }()
	type rendered struct {
		out *renderOutput
		err error
	}
	done := make(chan rendered, 1)
	go func() {
		out, err := s.execRender(rctx, pl, work, func(pr render.Progress) {
			steps.stage(pr.Stage)
			p.Progress(api.JobEvent{Stage: pr.Stage, Percent: pr.Percent, Speed: pr.Speed, ETA: pr.ETA.Seconds()})
		})
		done <- rendered{out, err}
	}()
	if err := <-hashed; err != nil {
		stopRender()
		<-done
		return err
	}
	if pl.pending != "" {
		if err := cached(); err != errNotCached {
			stopRender()
			<-done
			return err
		}
	}
	r := <-done
	out, err := r.out, r.err
	if err != nil {
		return err
	}
	steps.stage("")
	d := renderDetail{Request: req, CacheKey: pl.key}
	defer func() {
		s.Log.Info("render finished", "job", p.ID(), "target", req.Display, "key", pl.key,
			"took", time.Since(started).Round(time.Millisecond).String(), "steps", steps.String(), "command", render.ShellJoin(out.command))
	}()
	res := out.result
	res.CacheKey, res.Elapsed = pl.key, time.Since(started).Seconds()
	res.JobID = strconv.FormatUint(p.ID(), 10)
	// A preview is for looking at, never for publishing: its violations
	// (a 2 s draft is too short for a Reel) are reported, not fatal.
	if len(res.Violations) > 0 && !isPreview(pl.preset) {
		d.Result = res
		if err := p.SaveDetail("validate", d); err != nil {
			return err
		}
		return violationsError(res.Violations, pl.preset.Kind)
	}
	// Register: rename into the cache, then record (once synced, after the
	// job: rendersync.go). A crash before the record leaves an unregistered
	// file that the next render overwrites.
	final := filepath.Join(s.rendersDir(), pl.key+pl.ext())
	if err := renameRetiring(out.file, final, s.rendersTmp()); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	res.Output = final
	if out.cover != "" {
		cover := filepath.Join(s.rendersDir(), pl.key+".jpg")
		if err := os.Rename(out.cover, cover); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		res.Cover = cover
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fi, err := os.Stat(final)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	// synced once the job has ended (closing ended): see registerRender
	ended, _ := s.Jobs.Subscribe(p.ID())
	s.registerRender(store.Render{Key: pl.key, Path: final, Cover: res.Cover, Project: req.Project,
		Target: req.Display, Preset: res.Preset, Size: fi.Size(), ModTime: fi.ModTime(), Result: raw}, ended)
	steps.mark("register")
	if err := s.deliver(res, req.Out); err != nil {
		return err
	}
	steps.mark("deliver")
	d.Output, d.Result = final, res
	return p.SaveFinal(d)
}

// errNotCached is runRenderJob's "the cache has no answer".
var errNotCached = errors.New("not in the render cache")

// checkOutExt refuses an --out whose extension is not the container the
// preset writes: x.gif or x.webp used to get an MP4 under that name.
// A name without an extension, or an existing directory, is fine.
func checkOutExt(out string, pl *renderPlan) error {
	if out == "" {
		return nil
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return nil
	}
	ext := strings.ToLower(filepath.Ext(out))
	if ext == "" {
		return nil
	}
	want, what := []string{".mp4", ".m4v"}, "an MP4 video"
	if pl.preset.Image {
		want, what = []string{".jpg", ".jpeg"}, "a JPEG picture"
	}
	if slices.Contains(want, ext) {
		return nil
	}
	return &api.Error{Code: api.CodeInvalid,
		Message: fmt.Sprintf("render: --out %s: the %s preset writes %s, not %s; name it %s", out, pl.preset.Name, what, ext, strings.Join(want, " or ")),
		Hint:    "impress converts to nothing else; convert the result yourself (e.g. with ffmpeg) if you need another format"}
}

// isPreview reports a preview preset (`--preview` or preset: preview).
func isPreview(pr render.Preset) bool {
	return pr.Name == "preview" || strings.HasSuffix(pr.Name, "-preview")
}

// violationsError fails a render whose output breaks Instagram's rules.
func violationsError(vs []api.Violation, kind string) error {
	lines := make([]string, 0, len(vs))
	for _, v := range vs {
		lines = append(lines, "  "+v.String())
	}
	return &api.Error{Code: api.CodeRejected,
		Message: fmt.Sprintf("the render breaks Instagram's %s rules (%d violation(s)):\n%s", kind, len(vs), strings.Join(lines, "\n")),
		Hint:    "change the spec (length, preset) and render again; nothing was registered"}
}

// cachedResult answers from the render cache when the key's file is
// still there, whole.
func (s *Service) cachedResult(pl *renderPlan) (*api.RenderResult, bool) {
	rec, err := s.renderRecord(pl.key)
	if err != nil {
		return nil, false
	}
	fi, err := os.Stat(rec.Path)
	if err != nil || fi.Size() != rec.Size {
		return nil, false
	}
	// The user's --out may be a hard link to this very file: one edited
	// in place is no longer what the key says (records from before
	// ModTime was kept have none).
	if !rec.ModTime.IsZero() && !fi.ModTime().Equal(rec.ModTime) {
		return nil, false
	}
	var res api.RenderResult
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		return nil, false
	}
	res.Cached, res.Elapsed, res.Out, res.JobID = true, 0, "", ""
	if res.Violations == nil {
		res.Violations = []api.Violation{}
	}
	return &res, true
}

// deliver puts the result at the user's --out path without a second copy
// of the bytes when it can (placeFile: a reflink, else a hard link, else a
// copy). An existing directory gets the file inside it.
func (s *Service) deliver(res *api.RenderResult, out string) error {
	if out == "" {
		return nil
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		out = filepath.Join(out, filepath.Base(res.Output))
	}
	if _, err := placeFile(res.Output, out, s.rendersTmp()); err != nil {
		return api.Errorf(api.CodeInvalid, "render: write --out %s: %v", out, pathErr(err))
	}
	res.Out = out
	return nil
}
