// Package publish is the daemon's publish feature: POST /v1/publish, job
// retry, the published-media list, the scheduler, quota and pacing, and
// the signed media URLs Meta fetches from the public endpoint. It takes
// the auth feature as feature.Accounts, the projects feature as
// feature.Renderer, and the public endpoint as feature.PublicRoutes.
//
// A publish is a job whose Detail (api.PublishDetail) is the persisted
// state machine of api.PubQueued … api.PubPublished. Every step writes the
// state with jobs.Progress.SaveDetail (one bbolt commit, fsynced) before the
// next call to Meta, so a daemon killed at any moment resumes each job from
// its last saved state. media_publish is never called again blindly: a job
// found in "publishing" first re-reads the container and the account's
// recent media (publish_verify.go).
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/shell"
	"github.com/impress-dev/impress/store"
)

// Service is the publish feature.
type Service struct {
	feature.Deps
	accounts     feature.Accounts
	renderer     feature.Renderer
	publicRoutes feature.PublicRoutes

	// pub is the running feature's state, made by Start (nil in recovery
	// state, when nothing starts).
	pub *publisher
}

// New builds the publish feature on the auth feature's accounts, the
// projects feature's renders, and the public endpoint's routes.
func New(d feature.Deps, accounts feature.Accounts, renderer feature.Renderer, routes feature.PublicRoutes) *Service {
	return &Service{Deps: d, accounts: accounts, renderer: renderer, publicRoutes: routes}
}

// publisher is the publish feature's state, hung on Service.pub.
type publisher struct {
	s *Service

	// account returns a ready Meta client for a connection; it is the
	// seam to the auth feature (publish_account.go).
	account func(ctx context.Context, conn string) (*pubAccount, error)
	// render turns a project, spec or unfit media file into a publishable
	// file; the seam to the render feature (publish_target.go).
	render func(ctx context.Context, it api.PublishItem, preset string, progress func(api.JobEvent)) (*api.RenderResult, error)

	signKey []byte // signs media URLs (publish_host.go)
	checks  checkCache
	quota   *quotaGate
	pace    *pacer

	// mu guards scheduled. Lock order: a leaf (released before the
	// scheduler is woken or a job submitted).
	mu sync.Mutex
	// scheduled are jobs waiting for their --at time, not yet handed to
	// the runner (a slot held for hours would starve other publishes).
	scheduled map[uint64]time.Time
	wake      chan struct{}
}

// Routes registers publish, retry and the published-media routes.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/publish", s.NeedStore(s.postPublish))
	mux.HandleFunc("POST /v1/publish/reconcile", s.NeedStore(s.postReconcile))
	mux.HandleFunc("POST /v1/jobs/{id}/retry", s.NeedStore(s.retryJob))
	mux.HandleFunc("GET /v1/media", s.NeedStore(s.listPublishedMedia))
	mux.HandleFunc("GET /v1/media/{id}", s.NeedStore(s.showPublishedMedia))
}

// Start loads the URL signing key, then resumes every publish job that did
// not end: scheduled ones go back to the scheduler, the others to the
// runner, which continues each from its saved state.
func (s *Service) Start(ctx context.Context) error {
	p := &publisher{
		s:         s,
		quota:     newQuotaGate(),
		pace:      newPacer(),
		scheduled: map[uint64]time.Time{},
		wake:      make(chan struct{}, 1),
	}
	p.account = p.connAccount
	p.render = p.renderTarget
	key, err := loadSignKey(s.Paths.DataDir)
	if err != nil {
		return fmt.Errorf("daemon: publish: %w", err)
	}
	p.signKey = key
	s.pub = p
	s.publicRoutes.HandlePublic(public.Media, http.HandlerFunc(s.servePublicMedia))

	jobs, err := s.DB.Jobs(api.JobPublish)
	if err != nil {
		return fmt.Errorf("daemon: publish: list jobs: %w", err)
	}
	// Oldest first, so that a batch resumes in the order it was queued.
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		if (api.Job{State: j.State}).Terminal() {
			continue
		}
		p.enqueue(j)
	}
	go p.schedulerLoop(ctx)
	return nil
}

// Health is doctor's view of how media reaches Meta.
func (s *Service) Health() []api.Check {
	st := s.Settings()
	c := api.Check{Name: "publish hosting", Status: "OK", Detail: "videos of Facebook Login connections upload to rupload"}
	if st.String(config.DaemonPublicURL) != "" && st.String(config.DaemonPublicListen) != "" {
		c.Detail = "media for Meta to fetch is served at " + strings.TrimRight(st.String(config.DaemonPublicURL), "/") + "/media/…; " + c.Detail
		return []api.Check{c}
	}
	// Without a public endpoint, Instagram Login connections (and every
	// image or cover) cannot reach Meta: say so when it matters.
	if s.DB == nil {
		return []api.Check{c}
	}
	conns, err := s.DB.Conns()
	if err != nil {
		return []api.Check{c}
	}
	for _, cn := range conns {
		if cn.Flavour == "instagram" {
			c.Status = "WARN"
			c.Detail = "connection " + cn.Name + " uses Instagram Login, which publishes local files only by URL, and daemon.public_url / daemon.public_listen are not set"
			// The public endpoint's own lines say how to set it up.
			c.Fix = "set up the public endpoint (its lines below say how: daemon.public_listen behind an HTTPS tunnel, daemon.public_url), " +
				"or log in to this account with Facebook Login, which uploads: `" +
				shell.Line("impress", "auth", "login", "--flavor", "facebook", "--connection", cn.Name, "--account", cn.IGUserID) + "`"
			return []api.Check{c}
		}
	}
	c.Detail += "; images and covers need daemon.public_url (not set)"
	return []api.Check{c}
}

// enqueue hands a stored, unfinished publish job to the scheduler (when its
// time has not come) or to the runner.
func (p *publisher) enqueue(j store.Job) {
	var d api.PublishDetail
	if len(j.Detail) > 0 {
		_ = json.Unmarshal(j.Detail, &d)
	}
	if d.At != nil && d.State == api.PubQueued && p.s.Now().Before(*d.At) {
		p.mu.Lock()
		p.scheduled[j.ID] = *d.At
		p.mu.Unlock()
		p.wakeScheduler()
		return
	}
	p.submit(j)
}

// wakeScheduler makes the scheduler look at its schedule again.
func (p *publisher) wakeScheduler() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// submit gives the job to the runner. The base context is detached from
// any request: the runner cancels jobs itself (user cancel, park).
func (p *publisher) submit(j store.Job) {
	p.s.Jobs.Submit(context.Background(), j, 0, p.runJob)
}

// schedulerLoop submits scheduled jobs when they are due. The schedule is
// the store (detail.at of queued jobs), so a restart loses nothing.
func (p *publisher) schedulerLoop(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := p.s.Now()
		var due []uint64
		next := now.Add(time.Hour)
		p.mu.Lock()
		for id, at := range p.scheduled {
			if !now.Before(at) {
				due = append(due, id)
				delete(p.scheduled, id)
			} else if at.Before(next) {
				next = at
			}
		}
		p.mu.Unlock()
		for _, id := range due {
			j, err := p.s.DB.Job(id)
			if err != nil || (api.Job{State: j.State}).Terminal() {
				continue // cancelled (or purged) while it waited
			}
			p.submit(j)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(max(next.Sub(p.s.Now()), time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

// retryJob resumes a failed publish job from the last step it reached.
// Published jobs are done; unconfirmed ones may be live, and only a person
// who looked may decide to post again (--force); a cancelled one was
// stopped on purpose, and only publishing it again says otherwise.
func (s *Service) retryJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.Jobs.Of(w, r)
	if !ok {
		return
	}
	if j.Kind == api.JobPublish && j.State == api.JobCancelled {
		s.Fail(w, &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf("job %d was cancelled; a cancelled publish is not retried", j.ID),
			Hint: "to publish it after all, run the same `impress publish` again: it resumes this job from where it stopped"})
		return
	}
	out, err := s.pub.retry(j)
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, jobs.ToAPI(out))
}

// retry resumes a failed or cancelled publish job (a cancelled one only
// through a publish of the same request: reuse).
func (p *publisher) retry(j store.Job) (store.Job, error) {
	if j.Kind != api.JobPublish {
		return j, api.Errorf(api.CodeConflict, "job %d is a %s job; only publish jobs can be retried (render again with `impress render`)", j.ID, j.Kind)
	}
	var d api.PublishDetail
	if err := json.Unmarshal(j.Detail, &d); err != nil {
		return j, fmt.Errorf("retry job %d: decode detail: %w", j.ID, err)
	}
	switch {
	case j.State == api.JobDone || d.State == api.PubPublished:
		return j, &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf("job %d is published (media %s); there is nothing to retry", j.ID, orDash(d.MediaID)),
			Hint: "to post the same content again on purpose, run the publish again with --force"}
	case d.State == api.PubUnconfirmed || (j.Error != nil && api.Code(j.Error.Code) == api.CodeUnconfirmed):
		return j, &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf("job %d is unconfirmed: its media may be live, so it is never retried", j.ID),
			Hint: "check the account (`impress media show " + strconv.FormatUint(j.ID, 10) + "` or the Instagram app); if the post is not there, publish again with --force"}
	case j.State != api.JobFailed && j.State != api.JobCancelled:
		return j, api.Errorf(api.CodeConflict, "job %d is %s; only failed or cancelled publish jobs can be retried (`impress jobs wait %d` follows it)", j.ID, j.State, j.ID)
	}
	resumeFrom(&d)
	p.markScheduled(&d)
	data, err := json.Marshal(d)
	if err != nil {
		return j, err
	}
	out, err := p.s.DB.UpdateJob(j.ID, func(sj *store.Job) error {
		if sj.State != api.JobFailed && sj.State != api.JobCancelled {
			return api.Errorf(api.CodeConflict, "job %d is %s already", sj.ID, sj.State)
		}
		sj.State, sj.Stage, sj.Percent, sj.Error, sj.Detail = api.JobQueued, d.State, 0, nil, data
		return nil
	})
	if err != nil {
		return j, err
	}
	p.enqueue(out)
	return out, nil
}

// resumeFrom rewinds a failed detail to the step it reached, and leaves a
// stopped (cancelled) one where it stopped. Dead containers (ERROR,
// EXPIRED) are dropped so that new ones are made; a job that failed or was
// stopped in "publishing" stays there, which makes it verify before it may
// publish again.
func resumeFrom(d *api.PublishDetail) {
	step := d.Step
	if step == "" && d.State != api.PubFailed {
		step = d.State // stopped, not failed: Step was never set
	}
	if step == "" || step == api.PubFailed || step == api.PubUnconfirmed {
		step = api.PubQueued
	}
	d.State, d.Step = step, ""
	noWait(d)
	if containerDead(d) {
		d.ContainerID = ""
		for i := range d.Items {
			d.Items[i].ContainerID, d.Items[i].Status, d.Items[i].Uploaded, d.Items[i].Sent = "", "", false, 0
		}
		if d.State != api.PubQueued {
			d.State = api.PubRendered
		}
	}
}

// containerDead reports whether Meta failed the container or a child.
func containerDead(d *api.PublishDetail) bool {
	dead := func(code string) bool { return code == "ERROR" || code == "EXPIRED" }
	if dead(d.ContainerStatus) {
		return true
	}
	for _, it := range d.Items {
		if dead(it.Status) {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errorsAsAPI returns err's *api.Error or nil.
func errorsAsAPI(err error) *api.Error {
	var e *api.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
