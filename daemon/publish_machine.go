package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta"
)

// Bounds of the state machine's own retries (Meta's client retries
// idempotent reads on its own; these cover the steps it never retries).
const (
	// maxStepAttempts bounds attempts of a step on transient failures
	// (container creation, upload, quota read) before the job fails with
	// exit 6 and `impress jobs retry` can take it from there.
	maxStepAttempts = 6
	// maxPublishAttempts bounds media_publish calls on one container.
	// Each call after the first is made only after the container and the
	// recent media showed that the previous one did not go live.
	maxPublishAttempts = 5
	// maxRecreate bounds new containers made after Meta failed one.
	maxRecreate = 2
	// publishCallTimeout bounds the media_publish call, which runs
	// detached from cancellation: cutting it short would only turn a
	// publish into an unconfirmed one.
	publishCallTimeout = 2 * time.Minute
	// afterTimeout bounds the best-effort work after publishing.
	afterTimeout = 2 * time.Minute
	// longestRateWait is the longest a step waits for Meta's rate-limit
	// estimate before giving up with exit 6.
	longestRateWait = time.Hour
)

// pubRun is one run of a publish job: the detail it advances and saves.
type pubRun struct {
	p     *publisher
	jp    *JobProgress
	id    uint64
	d     api.PublishDetail
	acct  *pubAccount
	t     pubTimings
	start string // the state the run started in
	// reserved is true while the run holds a quota reservation.
	reserved bool
	lastProg time.Time
}

// runJob is a publish job's JobFunc.
func (p *publisher) runJob(ctx context.Context, jp *JobProgress) error {
	j, err := p.s.db.Job(jp.ID())
	if err != nil {
		return err
	}
	r := &pubRun{p: p, jp: jp, id: j.ID, t: p.s.pubTimings()}
	if err := json.Unmarshal(j.Detail, &r.d); err != nil {
		return api.Errorf(api.CodeInternal, "publish job %d: unreadable state: %v", j.ID, err)
	}
	r.start = r.d.State
	defer r.unreserve()
	if err := r.run(ctx); err != nil {
		return r.failed(ctx, err)
	}
	return nil
}

func (r *pubRun) run(ctx context.Context) error {
	if r.d.State == api.PubFailed {
		resumeFrom(&r.d) // parked while it was failing
	}
	acct, err := r.p.account(ctx, r.d.Connection)
	if err != nil {
		if r.d.State == api.PubPublished {
			// The post is live; only the best-effort extras need the
			// account. A lost login must not turn it into a failure.
			r.note("permalink and first comment skipped: %s", shortErr(err))
			r.saveQuietly()
			return nil
		}
		return err
	}
	r.acct = acct
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch r.d.State {
		case api.PubQueued:
			err = r.prepare(ctx)
		case api.PubRendered:
			err = r.host(ctx)
		case api.PubHosted:
			err = r.createContainers(ctx)
		case api.PubContainer:
			err = r.upload(ctx)
		case api.PubUploaded:
			err = r.setState(api.PubProcessing)
		case api.PubProcessing:
			err = r.process(ctx)
		case api.PubPublishing, api.PubUnconfirmed:
			// Found here only when resuming: the last media_publish may
			// have gone live, so look before publishing again.
			err = r.verifyAndPublish(ctx, nil)
		case api.PubPublished:
			r.after(ctx)
			return nil
		default:
			return fmt.Errorf("publish job %d: unknown state %q", r.id, r.d.State)
		}
		if err != nil {
			return err
		}
	}
}

// percentOf places each state on the progress bar.
var percentOf = map[string]float64{
	api.PubQueued: 0, api.PubRendered: 10, api.PubHosted: 15, api.PubContainer: 20,
	api.PubUploaded: 50, api.PubProcessing: 60, api.PubPublishing: 90, api.PubPublished: 100,
}

// save persists the detail (one fsynced bbolt commit). Every call to Meta
// happens after the save of the state it depends on.
func (r *pubRun) save() error {
	stage := r.d.State
	if r.d.WaitReason != "" {
		stage = "waiting"
	}
	if err := r.jp.SaveDetail(stage, r.d); err != nil {
		return fmt.Errorf("publish job %d: save state %s: %w", r.id, r.d.State, err)
	}
	return nil
}

func (r *pubRun) setState(st string) error {
	r.d.State, r.d.WaitReason = st, ""
	if err := r.save(); err != nil {
		return err
	}
	r.jp.Progress(api.JobEvent{Stage: st, Percent: percentOf[st]})
	return nil
}

func (r *pubRun) progress(ev api.JobEvent) {
	if ev.Job == nil && time.Since(r.lastProg) < 100*time.Millisecond && ev.Bytes != ev.Total {
		return
	}
	r.lastProg = time.Now()
	r.jp.Progress(ev)
}

func (r *pubRun) note(format string, args ...any) {
	r.d.Notes = append(r.d.Notes, r.p.s.redactString(fmt.Sprintf(format, args...)))
}

func (r *pubRun) unreserve() {
	if r.reserved {
		r.p.quota.release(r.d.Connection)
		r.reserved = false
	}
}

// wait shows why the job is not moving, then sleeps.
func (r *pubRun) wait(ctx context.Context, reason string, d time.Duration) error {
	r.d.WaitReason = r.p.s.redactString(reason)
	if err := r.save(); err != nil {
		return err
	}
	r.jp.Progress(api.JobEvent{Stage: "waiting", Percent: percentOf[r.d.State], Message: r.d.WaitReason})
	err := sleepCtx(ctx, d)
	r.d.WaitReason = ""
	return err
}

// call runs one Meta call of the account: it waits while the account is
// being paced, and paces the next calls when the answer's usage headers
// say 80 % or more.
func (r *pubRun) call(ctx context.Context, fn func(context.Context) error) error {
	if d := r.p.pace.delay(r.d.Connection, r.p.s.cfg.Now()); d > 0 {
		switch {
		case d > longestRateWait:
			return &api.Error{Code: api.CodeTransient,
				Message: fmt.Sprintf("Meta asked impress to leave this account alone for %s (rate limit)", d.Round(time.Minute)),
				Hint:    fmt.Sprintf("`impress jobs retry %d` resumes it from where it stopped once that time has passed", r.id)}
		case d >= time.Second:
			if err := r.wait(ctx, fmt.Sprintf("Meta reports high usage for this account; pausing %s", d.Round(time.Second)), d); err != nil {
				return err
			}
		default:
			if err := sleepCtx(ctx, d); err != nil {
				return err
			}
		}
	}
	err := fn(ctx)
	if d, slow := r.p.pace.observe(r.d.Connection, r.acct.Client.LastUsage(), r.t.Slowdown, r.p.s.cfg.Now()); slow {
		r.p.s.log.Info("Meta usage high; pacing calls", "connection", r.d.Connection, "usage", r.acct.Client.LastUsage().Max(), "pause", d)
	}
	return err
}

// retrying runs a call that Meta may fail for a while (transient errors,
// rate limits) with backoff; other errors return at once.
func (r *pubRun) retrying(ctx context.Context, what string, fn func(context.Context) error) error {
	for n := 0; ; n++ {
		err := r.call(ctx, fn)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !(meta.IsTransient(err) || meta.IsRateLimited(err)) || meta.IsUnconfirmed(err) || n+1 >= maxStepAttempts {
			return err
		}
		d := r.t.backoff(n)
		var me *meta.Error
		if errors.As(err, &me) && me.RetryAfter > d {
			if me.RetryAfter > longestRateWait {
				return err
			}
			d = me.RetryAfter
		}
		if werr := r.wait(ctx, fmt.Sprintf("%s: %s; trying again in %s", what, shortErr(err), d.Round(time.Millisecond)), d); werr != nil {
			return werr
		}
	}
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "meta: ")
}

// prepare renders or normalises the items that need it, checks what will
// be sent, and moves to rendered.
func (r *pubRun) prepare(ctx context.Context) error {
	s := r.p.s
	for i := range r.d.Items {
		it := &r.d.Items[i]
		if !it.Render {
			if err := fileUnchanged(*it); err != nil {
				return err
			}
			continue
		}
		res, err := r.p.render(ctx, *it, presetFor(r.d.Type, it.Kind), func(ev api.JobEvent) {
			ev.Percent = percentOf[api.PubQueued] + ev.Percent/10
			r.progress(ev)
		})
		if err != nil {
			return err
		}
		kind, vs, _, err := s.checkMedia(ctx, res.Output, r.d.Type)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			lines := make([]string, 0, len(vs))
			for _, v := range vs {
				lines = append(lines, v.String())
			}
			return &api.Error{Code: api.CodeRejected,
				Message: fmt.Sprintf("%s: the render breaks Instagram's rules for a %s:\n  - %s", it.Target, r.d.Type, strings.Join(lines, "\n  - ")),
				Hint:    "change the spec (or --type) and publish again"}
		}
		sum, err := s.hashFile(ctx, res.Output)
		if err != nil {
			return err
		}
		fi, err := os.Stat(res.Output)
		if err != nil {
			return err
		}
		it.File, it.SHA256, it.Size, it.Kind, it.Render = res.Output, sum, fi.Size(), kind, false
		if res.Cover != "" && i == 0 && r.d.Type == api.PublishReel && r.d.Cover == "" && r.d.ThumbOffsetMS == nil {
			if r.d.Hosting == hostURL {
				r.d.RenderCover = res.Cover
			} else {
				r.note("the spec's cover image was not sent: covers go by URL and the public endpoint is not used for this publish")
			}
		}
	}
	return r.setState(api.PubRendered)
}

// host reserves a post of the day's quota, then makes the media reachable.
func (r *pubRun) host(ctx context.Context) error {
	if err := r.awaitQuota(ctx); err != nil {
		return err
	}
	if r.d.Hosting == hostURL {
		// The signed URLs are derived from the job and the key; nothing to
		// send yet, but the state says they are live from now on.
		return r.setState(api.PubHosted)
	}
	return r.createContainers(ctx)
}

// awaitQuota reads content_publishing_limit and takes a reservation, or
// waits in the queue until the rolling window has room (fails at once
// under --no-wait).
func (r *pubRun) awaitQuota(ctx context.Context) error {
	if r.reserved {
		return nil
	}
	for {
		var lim meta.PublishingLimit
		err := r.retrying(ctx, "read the publishing quota", func(ctx context.Context) error {
			var err error
			lim, err = r.acct.Client.PublishingLimit(ctx, r.acct.IGUser)
			return err
		})
		if err != nil {
			if ctx.Err() != nil || meta.IsLoginNeeded(err) || meta.IsRateLimited(err) || meta.IsTransient(err) {
				return err
			}
			// Meta enforces the limit itself (9/2207042); a quota it
			// refuses to show (permissions, an unknown field) is no
			// reason to stop.
			r.p.s.log.Warn("publishing quota unreadable; going on", "job", r.id, "err", r.p.s.redactString(err.Error()))
			return nil
		}
		if r.p.quota.reserve(r.d.Connection, lim) {
			r.reserved = true
			return nil
		}
		window := lim.QuotaDuration
		if window <= 0 {
			window = 24 * time.Hour
		}
		msg := fmt.Sprintf("the account's publishing quota is used up: %d of %d posts in the last %s", lim.QuotaUsage, lim.QuotaTotal, window)
		if r.d.NoWait {
			return &api.Error{Code: api.CodeRejected, Message: msg + " (--no-wait)",
				Hint: "publish again when older posts leave the window, or without --no-wait to wait in the queue"}
		}
		if err := r.wait(ctx, msg+"; waiting in the queue, checking every "+r.t.QuotaRecheck.String(), r.t.QuotaRecheck); err != nil {
			return err
		}
	}
}

// containerIDOf is the container of item i (the post's own for a single
// post).
func (r *pubRun) containerIDOf(i int) string {
	if r.d.Type == api.PublishCarousel {
		return r.d.Items[i].ContainerID
	}
	return r.d.ContainerID
}

// createContainers creates the post's container, or a carousel's item
// containers, saving each id before the next call.
func (r *pubRun) createContainers(ctx context.Context) error {
	exp := r.p.s.cfg.Now().Add(urlLifetime)
	coverURL := ""
	if cf := coverFile(&r.d); cf != "" {
		u, err := r.p.mediaURL(r.id, coverItem, cf, exp)
		if err != nil {
			return err
		}
		coverURL = u
	}
	n := 1
	if r.d.Type == api.PublishCarousel {
		n = len(r.d.Items)
	}
	for i := 0; i < n; i++ {
		if r.containerIDOf(i) != "" {
			continue
		}
		mediaURL := ""
		if r.d.Hosting == hostURL || r.d.Items[i].Kind == kindImage {
			u, err := r.p.mediaURL(r.id, i, r.d.Items[i].File, exp)
			if err != nil {
				return err
			}
			mediaURL = u
		}
		req := r.p.containerRequest(&r.d, i, mediaURL, coverURL)
		var c meta.Container
		err := r.retrying(ctx, "create the media container", func(ctx context.Context) error {
			var err error
			c, err = r.acct.Client.CreateContainer(ctx, r.acct.IGUser, req)
			return err
		})
		if err != nil {
			return err
		}
		if r.d.Type == api.PublishCarousel {
			r.d.Items[i].ContainerID = c.ID
		} else {
			r.d.ContainerID = c.ID
		}
		r.d.Items[i].UploadURI = c.UploadURI
		if i == n-1 {
			r.d.State = api.PubContainer // saved with the last id: one commit
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	if r.d.State != api.PubContainer {
		return r.setState(api.PubContainer)
	}
	r.jp.Progress(api.JobEvent{Stage: api.PubContainer, Percent: percentOf[api.PubContainer]})
	return nil
}

// upload sends the bytes of resumable containers, streamed from disk.
func (r *pubRun) upload(ctx context.Context) error {
	for i := range r.d.Items {
		it := &r.d.Items[i]
		if it.Uploaded || r.d.Hosting != hostUpload || it.Kind == kindImage {
			continue
		}
		cid := r.containerIDOf(i)
		if r.start == api.PubContainer {
			// A run before this one may have sent some or all of it.
			var off int64
			if err := r.call(ctx, func(ctx context.Context) error {
				var err error
				off, err = r.acct.Client.UploadOffset(ctx, cid)
				return err
			}); err == nil && off == it.Size {
				it.Uploaded = true
				if err := r.save(); err != nil {
					return err
				}
				continue
			}
		}
		if err := r.uploadFile(ctx, it, cid); err != nil {
			return err
		}
		it.Uploaded = true
		if r.allUploaded() {
			r.d.State = api.PubUploaded // one commit with the last item's flag
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	if r.d.Hosting != hostUpload {
		return r.setState(api.PubProcessing)
	}
	if r.d.State != api.PubUploaded {
		if err := r.setState(api.PubUploaded); err != nil {
			return err
		}
	}
	// "uploaded" already says all that a restart needs (the bytes are in;
	// wait for Meta), so processing is not written separately.
	r.d.State = api.PubProcessing
	r.jp.Progress(api.JobEvent{Stage: api.PubProcessing, Percent: percentOf[api.PubProcessing]})
	return nil
}

func (r *pubRun) allUploaded() bool {
	for _, it := range r.d.Items {
		if !it.Uploaded && it.Kind != kindImage {
			return false
		}
	}
	return true
}

func (r *pubRun) uploadFile(ctx context.Context, it *api.PublishItem, cid string) error {
	f, err := os.Open(it.File)
	if err != nil {
		return api.Errorf(api.CodeInvalid, "%s: %v", it.Target, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != it.Size {
		return api.Errorf(api.CodeInvalid, "%s changed since the publish was queued (%d bytes, was %d); publish it again", it.Target, fi.Size(), it.Size)
	}
	lo, hi := percentOf[api.PubContainer], percentOf[api.PubUploaded]
	return r.retrying(ctx, "upload "+it.Target, func(ctx context.Context) error {
		return r.acct.Client.Upload(ctx, cid, f, it.Size, meta.UploadOptions{URI: it.UploadURI, Progress: func(sent, total int64) {
			r.progress(api.JobEvent{Stage: "upload", Bytes: sent, Total: total, Percent: lo + (hi-lo)*float64(sent)/float64(max(total, 1))})
		}})
	})
}

// waitOptions are the container polls: growing intervals, bounded total,
// paced like every other call of the account.
func (r *pubRun) waitOptions(what string) meta.WaitOptions {
	return meta.WaitOptions{
		Initial: r.t.PollInitial, Max: r.t.PollMax, Timeout: r.t.PollTimeout,
		OnStatus: func(st meta.Status) {
			r.progress(api.JobEvent{Stage: "processing", Percent: percentOf[api.PubProcessing], Message: what + ": " + string(st.Code)})
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			d = max(d, r.p.pace.delay(r.d.Connection, r.p.s.cfg.Now()))
			if d > longestRateWait {
				return &api.Error{Code: api.CodeTransient,
					Message: fmt.Sprintf("Meta asked impress to leave this account alone for %s (rate limit)", d.Round(time.Minute)),
					Hint:    fmt.Sprintf("`impress jobs retry %d` waits for the container again once that time has passed", r.id)}
			}
			return sleepCtx(ctx, d)
		},
	}
}

// process waits for Meta to finish the container(s) — a carousel's items
// first, then its parent, created once they are ready — then publishes.
func (r *pubRun) process(ctx context.Context) error {
	if r.d.Type == api.PublishCarousel {
		for i := range r.d.Items {
			it := &r.d.Items[i]
			if it.Status == string(meta.StatusFinished) {
				continue
			}
			st, err := r.acct.Client.WaitContainer(ctx, it.ContainerID, r.waitOptions(it.Target))
			if st.Code != "" {
				it.Status = string(st.Code)
			}
			if err != nil {
				return r.containerFailed(ctx, st, err)
			}
			if err := r.save(); err != nil {
				return err
			}
		}
		if r.d.ContainerID == "" {
			req := r.p.containerRequest(&r.d, -1, "", "")
			var c meta.Container
			err := r.retrying(ctx, "create the carousel container", func(ctx context.Context) error {
				var err error
				c, err = r.acct.Client.CreateContainer(ctx, r.acct.IGUser, req)
				return err
			})
			if err != nil {
				return err
			}
			r.d.ContainerID = c.ID
			if err := r.save(); err != nil {
				return err
			}
		}
	}
	st, err := r.acct.Client.WaitContainer(ctx, r.d.ContainerID, r.waitOptions("container"))
	if st.Code != "" {
		r.d.ContainerStatus = string(st.Code)
	}
	if err != nil {
		return r.containerFailed(ctx, st, err)
	}
	if st.Code == meta.StatusPublished {
		// An earlier run's media_publish went live: never publish again.
		return r.verifyAndPublish(ctx, &st)
	}
	return r.publish(ctx)
}

// containerFailed handles a failed wait: Meta failed the container
// (ERROR, EXPIRED) — make a new one when that may help — or the wait
// itself failed.
func (r *pubRun) containerFailed(ctx context.Context, st meta.Status, err error) error {
	if ctx.Err() != nil {
		return err
	}
	if errors.Is(err, meta.ErrWaitTimeout) {
		return &api.Error{Code: api.CodeTransient,
			Message: fmt.Sprintf("Meta was still processing the container after %s (status %s)", r.t.PollTimeout, st.Code),
			Hint:    fmt.Sprintf("`impress jobs retry %d` waits for the same container again", r.id)}
	}
	if st.Code != meta.StatusError && st.Code != meta.StatusExpired {
		return err
	}
	if saveErr := r.save(); saveErr != nil {
		return saveErr
	}
	if meta.ClassOf(err) == meta.ClassRecreate && r.d.Recreated < maxRecreate {
		r.note("Meta failed container %s (%s); made a new one", r.d.ContainerID, shortErr(err))
		r.d.Recreated++
		r.dropContainers()
		return r.setState(api.PubRendered)
	}
	return err
}

func (r *pubRun) dropContainers() {
	r.d.ContainerID, r.d.ContainerStatus = "", ""
	for i := range r.d.Items {
		r.d.Items[i].ContainerID, r.d.Items[i].Status, r.d.Items[i].UploadURI, r.d.Items[i].Uploaded = "", "", "", false
	}
}

// publish calls media_publish once on a FINISHED container. The state
// "publishing" (with the attempt's time) is saved first: a daemon killed
// during the call finds it and verifies instead of calling again.
func (r *pubRun) publish(ctx context.Context) error {
	if r.d.Attempts >= maxPublishAttempts {
		return &api.Error{Code: api.CodeTransient,
			Message: fmt.Sprintf("media_publish did not go through after %d attempts, and the container and the account's recent media show no post", r.d.Attempts),
			Hint:    fmt.Sprintf("`impress jobs retry %d` checks once more and tries again", r.id)}
	}
	if err := r.awaitQuota(ctx); err != nil {
		return err
	}
	now := r.p.s.cfg.Now().UTC()
	r.d.Attempts++
	r.d.PublishAttemptAt = &now
	if err := r.setState(api.PubPublishing); err != nil {
		return err
	}
	var mediaID string
	err := r.call(ctx, func(ctx context.Context) error {
		// Detached: a cancel or a shutdown must not cut the call in half.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishCallTimeout)
		defer cancel()
		var err error
		mediaID, err = r.acct.Client.Publish(pctx, r.acct.IGUser, r.d.ContainerID)
		return err
	})
	if err == nil {
		return r.markPublished(mediaID, "")
	}
	r.p.s.log.Warn("media_publish failed", "job", r.id, "container", r.d.ContainerID, "attempt", r.d.Attempts, "err", r.p.s.redactString(err.Error()))
	switch {
	case meta.IsNotReady(err):
		// 9007/2207027: Meta says it did not publish; wait and try again.
		r.d.Attempts--
		return r.setState(api.PubProcessing)
	case meta.IsQuotaExceeded(err):
		r.d.Attempts--
		r.unreserve()
		if err := r.setState(api.PubProcessing); err != nil {
			return err
		}
		return r.awaitQuota(ctx)
	case meta.IsLoginNeeded(err):
		// Meta refused the token: nothing went live, and nothing can be
		// read to check. The state stays "publishing", so the retry after
		// a new login verifies before it publishes.
		return err
	case meta.ClassOf(err) == meta.ClassPermanent:
		// A clear refusal — unless the refusal is "already published"
		// (a stale FINISHED read earlier): look once, never publish again.
		if v, id, link, _, _ := r.verify(ctx, nil); v == vLive {
			return r.markPublished(id, link)
		}
		return err
	}
	return r.verifyAndPublish(ctx, nil)
}

func (r *pubRun) markPublished(mediaID, permalink string) error {
	now := r.p.s.cfg.Now().UTC()
	r.d.MediaID, r.d.PublishedAt = mediaID, &now
	if permalink != "" {
		r.d.Permalink = permalink
	}
	r.d.State, r.d.WaitReason = api.PubPublished, ""
	if err := r.save(); err != nil {
		// The post is live whatever the store says; the next run finds
		// the container PUBLISHED and records it then.
		return err
	}
	r.unreserve()
	r.p.s.log.Info("published", "job", r.id, "media", mediaID, "connection", r.d.Connection)
	r.jp.Progress(api.JobEvent{Stage: api.PubPublished, Percent: 100, Message: mediaID})
	return nil
}

// after does the best-effort work of a published job: the permalink and
// the first comment. Nothing here fails the job, and it runs detached from
// cancellation: the post is live, "cancelled" would be a lie.
func (r *pubRun) after(ctx context.Context) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterTimeout)
	defer cancel()
	cl := r.acct.Client
	if r.d.MediaID != "" && r.d.Permalink == "" {
		var lastErr error
		for n := 0; n < 3; n++ {
			if n > 0 && sleepCtx(actx, r.t.backoff(n-1)) != nil {
				break
			}
			var m meta.Media
			lastErr = r.call(actx, func(ctx context.Context) error {
				var err error
				m, err = cl.Media(ctx, r.d.MediaID, "id", "permalink")
				return err
			})
			if lastErr == nil && m.Permalink != "" {
				r.d.Permalink = m.Permalink
				break
			}
		}
		if r.d.Permalink == "" {
			why := "Meta gave none"
			if lastErr != nil {
				why = shortErr(lastErr)
			}
			r.note("permalink not available yet (%s); `impress media show %d` asks again", why, r.id)
		}
		r.saveQuietly()
	}
	if r.d.FirstComment != "" && r.d.FirstCommentID == "" {
		switch {
		case r.d.MediaID == "":
			r.note("first comment not posted: the media id is not known")
		default:
			r.firstComment(actx)
		}
		r.saveQuietly()
	}
}

// firstComment posts the first comment once: a run that finds the request
// saved but no id looks among the media's comments first.
func (r *pubRun) firstComment(ctx context.Context) {
	cl := r.acct.Client
	if r.d.CommentRequested {
		var cs []meta.Comment
		if err := r.call(ctx, func(ctx context.Context) error {
			var err error
			cs, _, err = cl.Comments(ctx, r.d.MediaID, meta.PageOptions{Limit: 50})
			return err
		}); err == nil {
			for _, c := range cs {
				if c.Text == r.d.FirstComment && (r.acct.Username == "" || c.Username == "" || c.Username == r.acct.Username) {
					r.d.FirstCommentID = c.ID
					return
				}
			}
		} else {
			r.note("first comment not posted: cannot tell whether an earlier attempt did (%s)", shortErr(err))
			return
		}
	}
	r.d.CommentRequested = true
	if err := r.save(); err != nil {
		return
	}
	var id string
	err := r.call(ctx, func(ctx context.Context) error {
		var err error
		id, err = cl.PostComment(ctx, r.d.MediaID, r.d.FirstComment)
		return err
	})
	if err != nil {
		r.note("first comment not posted: %s", shortErr(err))
		return
	}
	r.d.FirstCommentID = id
}

func (r *pubRun) saveQuietly() {
	if err := r.save(); err != nil {
		r.p.s.log.Error("publish: save", "job", r.id, "err", err)
	}
}

// failed records how the job ended and returns the wire error. A job
// stopped by a cancel or a shutdown keeps its state as it is: the runner
// marks it cancelled or parks it, and a later run resumes from it.
func (r *pubRun) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	ae := r.apiError(err)
	if ae.Code == api.CodeUnconfirmed {
		r.d.State = api.PubUnconfirmed
	} else if r.d.State != api.PubFailed {
		r.d.Step, r.d.State = r.d.State, api.PubFailed
	}
	r.d.WaitReason = ""
	r.saveQuietly()
	return ae
}

func (r *pubRun) apiError(err error) *api.Error {
	var ae *api.Error
	if e, ok := api.AsError(err); ok {
		ae = &api.Error{Code: e.Code, Message: e.Message, Hint: e.Hint}
	} else if me := (*meta.Error)(nil); errors.As(err, &me) || errors.Is(err, meta.ErrInvalid) {
		e := r.p.s.metaFail(r.d.Connection, err)
		ae = &api.Error{Code: e.Code, Message: e.Message, Hint: e.Hint}
	} else {
		ae = &api.Error{Code: api.CodeInternal, Message: r.p.s.redactString(err.Error())}
	}
	retry := "`impress jobs retry " + strconv.FormatUint(r.id, 10) + "` resumes it"
	switch ae.Code {
	case api.CodeTransient:
		if ae.Hint == "" {
			ae.Hint = retry + " from where it stopped"
		}
	case api.CodeLoginNeeded:
		ae.Hint = strings.TrimSuffix(ae.Hint, ".") + ", then " + retry
	}
	return ae
}
