package tui

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
)

// fakeClient is an in-memory daemon for the editor's tests. It keeps
// specs as the real daemon would (SaveSpec stores, ProjectSpec returns a
// copy), records calls, and lets a test drive job streams event by event
// through channels, so no test needs to sleep.
type fakeClient struct {
	mu       sync.Mutex
	projects map[string]*api.Project
	specs    map[string]*api.Spec
	calls    []string
	saves    []*api.Spec
	jobs     []api.Job

	// down makes every call fail as if no daemon listened.
	down bool
	// saveGate, when set, holds each SaveSpec until a value is received.
	saveGate chan struct{}
	// frames counts PreviewFrame calls; frameGate holds them like saveGate.
	frames    int
	frameGate chan struct{}
	// events feeds WatchJob; closing it ends the stream.
	events chan api.JobEvent
	// renderCached answers StartRender at once with a result, its file
	// renderOutput ("/cache/out.mp4" when empty).
	renderCached bool
	renderOutput string
	// validation is Validate's answer.
	validation *api.Validation
	// plan is a dry run's answer; publishJob a real publish's job.
	plan       *api.PublishPlan
	publishJob *api.Job
	published  []api.PublishRequest
	// inbox
	media    []api.PublishedMedia
	comments map[string][]api.Comment
	threads  []api.Thread
	replies  []string
	hidden   map[string]bool
	sent     []string
	conns    []string
	removed  []api.ConnRemoval
}

func newFake() *fakeClient {
	return &fakeClient{projects: map[string]*api.Project{}, specs: map[string]*api.Spec{},
		comments: map[string][]api.Comment{}, hidden: map[string]bool{}}
}

// addProject stores a project of n video clips (4 s sources at 25 fps)
// whose media paths are /media/clipN.mp4.
func (f *fakeClient) addProject(name string, n int) *api.Spec {
	s := &api.Spec{Version: 1, Name: name, Preset: "reels"}
	p := &api.Project{Name: name, Preset: "reels", Clips: n}
	for i := range n {
		path := fmt.Sprintf("/media/clip%d.mp4", i+1)
		s.Clips = append(s.Clips, api.SpecClip{Video: path})
		p.Assets = append(p.Assets, api.Asset{Path: path, Name: fmt.Sprintf("clip%d.mp4", i+1), Kind: "video", Duration: 4, FPS: 25})
	}
	p.Duration = float64(4 * n)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projects[name], f.specs[name] = p, cloneSpec(s)
	return s
}

func (f *fakeClient) call(name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	down := f.down
	f.mu.Unlock()
	if down {
		return fmt.Errorf("connect: %w", api.ErrDaemonNotRunning)
	}
	return nil
}

func (f *fakeClient) spec(name string) *api.Spec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneSpec(f.specs[name])
}

func (f *fakeClient) saveCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.saves)
}

func (f *fakeClient) Projects(ctx context.Context) ([]api.Project, error) {
	if err := f.call("Projects"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Project
	for _, p := range f.projects {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeClient) CreateProject(ctx context.Context, r api.NewProjectRequest) (*api.Project, error) {
	if err := f.call("CreateProject"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.projects[r.Name]; ok {
		return nil, api.Errorf(api.CodeConflict, "project %q already exists", r.Name)
	}
	p := &api.Project{Name: r.Name, Preset: "reels"}
	f.projects[r.Name], f.specs[r.Name] = p, &api.Spec{Version: 1, Name: r.Name}
	return p, nil
}

func (f *fakeClient) DeleteProject(ctx context.Context, name string) error {
	if err := f.call("DeleteProject"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.projects[name]; !ok {
		return api.Errorf(api.CodeNotFound, "project %q not found", name)
	}
	delete(f.projects, name)
	delete(f.specs, name)
	return nil
}

func (f *fakeClient) ProjectSpec(ctx context.Context, name string) (*api.Project, *api.Spec, error) {
	if err := f.call("ProjectSpec"); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.projects[name]
	if !ok {
		return nil, nil, api.Errorf(api.CodeNotFound, "project %q not found", name)
	}
	cp := *p
	cp.Assets = append([]api.Asset(nil), p.Assets...)
	return &cp, cloneSpec(f.specs[name]), nil
}

func (f *fakeClient) SaveSpec(ctx context.Context, s *api.Spec) (*api.Project, error) {
	if err := f.call("SaveSpec"); err != nil {
		return nil, err
	}
	if f.saveGate != nil {
		select {
		case <-f.saveGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range s.Clips {
		if c.Video != "" && c.Out != 0 && c.Out <= c.In {
			return nil, api.Errorf(api.CodeInvalid, "project %s: inverted trim", s.Name)
		}
	}
	f.saves = append(f.saves, cloneSpec(s))
	p, ok := f.projects[s.Name]
	if !ok {
		p = &api.Project{Name: s.Name, Preset: s.Preset}
		for _, old := range f.projects {
			p.Assets = append(p.Assets, old.Assets...)
		}
		f.projects[s.Name] = p
	}
	p.Clips = len(s.Clips)
	f.specs[s.Name] = cloneSpec(s)
	cp := *p
	return &cp, nil
}

func (f *fakeClient) AddAssets(ctx context.Context, project string, r api.AddAssetsRequest) (*api.AddAssetsResult, error) {
	if err := f.call("AddAssets"); err != nil {
		return nil, err
	}
	res := &api.AddAssetsResult{Project: project}
	for _, path := range r.Paths {
		a := api.Asset{Path: "/media/" + baseName(path), Name: baseName(path), Kind: "video", Duration: 2, FPS: 30}
		switch {
		case hasExt(path, ".jpg", ".png"):
			a.Kind, a.Duration = "image", 0
		case hasExt(path, ".srt", ".vtt"):
			a.Kind = "subtitle"
		case hasExt(path, ".mp3", ".wav"):
			a.Kind = "audio"
		}
		res.Assets = append(res.Assets, a)
	}
	return res, nil
}

func hasExt(p string, exts ...string) bool {
	for _, e := range exts {
		if len(p) > len(e) && p[len(p)-len(e):] == e {
			return true
		}
	}
	return false
}

func (f *fakeClient) PreviewFrame(ctx context.Context, r api.PreviewRequest) (*api.PreviewFrame, error) {
	if err := f.call("PreviewFrame"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.frames++
	gate := f.frameGate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	rgb := make([]byte, r.Width*r.Height*3)
	for i := range rgb {
		rgb[i] = byte(i * 7)
	}
	return &api.PreviewFrame{Width: r.Width, Height: r.Height, RGB: rgb}, nil
}

func (f *fakeClient) Jobs(ctx context.Context, kind string) ([]api.Job, error) {
	if err := f.call("Jobs"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]api.Job(nil), f.jobs...), nil
}

func (f *fakeClient) StartRender(ctx context.Context, r api.RenderRequest) (*api.RenderStart, error) {
	if err := f.call("StartRender"); err != nil {
		return nil, err
	}
	if f.renderCached {
		out := cmp.Or(f.renderOutput, "/cache/out.mp4")
		return &api.RenderStart{Result: &api.RenderResult{Output: out, Cached: true, Width: 1080, Height: 1920}}, nil
	}
	return &api.RenderStart{Job: &api.Job{ID: "r1", Kind: api.JobRender, State: api.JobQueued}}, nil
}

func (f *fakeClient) WatchJob(ctx context.Context, id string, fn func(api.JobEvent) error) error {
	if err := f.call("WatchJob " + id); err != nil {
		return err
	}
	for {
		select {
		case ev, ok := <-f.events:
			if !ok {
				return nil
			}
			if err := fn(ev); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *fakeClient) CancelJob(ctx context.Context, id string) (*api.Job, error) {
	if err := f.call("CancelJob " + id); err != nil {
		return nil, err
	}
	return &api.Job{ID: id, State: api.JobRunning}, nil
}

func (f *fakeClient) Validate(ctx context.Context, r api.ValidateRequest) (*api.Validation, error) {
	if err := f.call("Validate"); err != nil {
		return nil, err
	}
	if f.validation != nil {
		return f.validation, nil
	}
	return &api.Validation{Target: r.Project, Type: "reel", OK: true}, nil
}

func (f *fakeClient) AuthStatus(ctx context.Context) (*api.AuthStatus, error) {
	if err := f.call("AuthStatus"); err != nil {
		return nil, err
	}
	st := &api.AuthStatus{Removed: f.removed}
	for _, c := range f.conns {
		st.Connections = append(st.Connections, api.AuthConnection{Connection: c})
	}
	return st, nil
}

func (f *fakeClient) Publish(ctx context.Context, r api.PublishRequest) (*api.PublishResult, error) {
	if err := f.call("Publish"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.published = append(f.published, r)
	f.mu.Unlock()
	if r.DryRun {
		return &api.PublishResult{Plan: f.plan}, nil
	}
	return &api.PublishResult{Job: f.publishJob}, nil
}

func (f *fakeClient) MediaList(ctx context.Context, conn string) ([]api.PublishedMedia, error) {
	if err := f.call("MediaList"); err != nil {
		return nil, err
	}
	return f.media, nil
}

func (f *fakeClient) Comments(ctx context.Context, q api.CommentsQuery) (*api.CommentList, error) {
	if err := f.call("Comments " + q.Media); err != nil {
		return nil, err
	}
	return &api.CommentList{MediaID: q.Media, Comments: f.comments[q.Media]}, nil
}

func (f *fakeClient) ReplyComment(ctx context.Context, conn, id, text string) (*api.CommentResult, error) {
	if err := f.call("ReplyComment"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = append(f.replies, id+": "+text)
	return &api.CommentResult{ID: id, ReplyID: "re1"}, nil
}

func (f *fakeClient) HideComment(ctx context.Context, conn, id string, hide bool) (*api.CommentResult, error) {
	if err := f.call("HideComment"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hidden[id] = hide
	return &api.CommentResult{ID: id, Hidden: &hide}, nil
}

func (f *fakeClient) Threads(ctx context.Context, conn string, offline bool) ([]api.Thread, error) {
	if err := f.call("Threads"); err != nil {
		return nil, err
	}
	return f.threads, nil
}

func (f *fakeClient) SendMessage(ctx context.Context, conn, thread, text string) (*api.SendResult, error) {
	if err := f.call("SendMessage"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, thread+": "+text)
	return &api.SendResult{ThreadID: thread, MessageID: "m1"}, nil
}

// renderDoneJob is a finished render job carrying its result.
func renderDoneJob() *api.Job {
	d, _ := json.Marshal(api.RenderDetail{Result: &api.RenderResult{Output: "/cache/demo.mp4", Width: 1080, Height: 1920,
		FPS: 30, VideoCodec: "h264", AudioCodec: "aac", Duration: 8, Size: 3 << 20, Elapsed: 2.5}})
	return &api.Job{ID: "r1", Kind: api.JobRender, State: api.JobDone, Detail: d, UpdatedAt: time.Now()}
}

var _ Client = (*fakeClient)(nil)
