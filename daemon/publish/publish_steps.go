package publish

// The steps of a publish job before media_publish: prepare, quota, containers, upload, processing.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/meta"
)

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
			ev.Percent = percentOf(api.PubQueued) + ev.Percent/10
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
		sum, err := s.renderer.HashFile(ctx, res.Output)
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
	for n := 0; ; n++ {
		var lim meta.PublishingLimit
		err := r.retrying(ctx, "read the publishing quota", func(ctx context.Context) error {
			var err error
			lim, err = r.acct.Client.PublishingLimit(ctx, r.acct.IGUser)
			return err
		})
		if err != nil {
			if c := meta.ClassOf(err); ctx.Err() != nil || c.LoginNeeded() || c.RetryLater() {
				return err
			}
			// Meta enforces the limit itself (9/2207042); a quota it
			// refuses to show (permissions, an unknown field) is no
			// reason to stop.
			r.p.s.Log.Warn("publishing quota unreadable; going on", "job", r.id, "err", r.p.s.RedactString(err.Error()))
			return nil
		}
		if r.p.quota.reserve(r.d.Connection, lim) {
			r.reserved = true
			return nil
		}
		if lim.QuotaUsage < lim.QuotaTotal {
			// Meta's count has room; reservations of publishes in flight
			// fill it. Those end within a publish — and one whose post is
			// live but not yet released counts twice meanwhile (in Meta's
			// usage and as a reservation) — so look again soon rather than
			// after the quota recheck.
			if err := r.wait(ctx, fmt.Sprintf("the day's publishing quota: its last %d post(s) are taken by publishes in flight; checking again shortly",
				lim.QuotaTotal-lim.QuotaUsage), min(r.t.backoff(n), r.t.QuotaRecheck)); err != nil {
				return err
			}
			continue
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
		why := fmt.Sprintf("the day's publishing quota: %d of %d posts in the last %s are used; waiting in the queue, checking again every %s",
			lim.QuotaUsage, lim.QuotaTotal, window, r.t.QuotaRecheck)
		if err := r.wait(ctx, why, r.t.QuotaRecheck); err != nil {
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
	exp := r.p.s.Now().Add(urlLifetime)
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
		if r.d.Hosting == hostURL || r.d.Items[i].Kind == mediastore.KindImage {
			u, err := r.p.mediaURL(r.id, i, r.d.Items[i].File, exp)
			if err != nil {
				return err
			}
			mediaURL = u
		}
		c, err := r.createContainer(ctx, "media", r.p.containerRequest(&r.d, i, mediaURL, coverURL))
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
			r.moveTo(api.PubContainer) // saved with the last id: one commit
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	if r.d.State != api.PubContainer {
		return r.setState(api.PubContainer)
	}
	r.jp.Progress(api.JobEvent{Stage: api.PubContainer, Percent: percentOf(api.PubContainer)})
	return nil
}

// upload sends the bytes of resumable containers, streamed from disk.
func (r *pubRun) upload(ctx context.Context) error {
	for i := range r.d.Items {
		it := &r.d.Items[i]
		if it.Uploaded || r.d.Hosting != hostUpload || it.Kind == mediastore.KindImage {
			continue
		}
		cid := r.containerIDOf(i)
		var from int64
		if r.start == api.PubContainer {
			// A run before this one may have sent some or all of it: Meta
			// says how much arrived (docs/META.md §6), and the upload goes
			// on from there. No answer: from byte 0, always correct.
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
			} else if err == nil && off > 0 && off < it.Size {
				from = off
				r.note("%s: the upload went on from byte %d of %d, which Meta had before the restart (%d had been sent)", it.Target, off, it.Size, it.Sent)
			}
		}
		if err := r.uploadFile(ctx, it, cid, from); err != nil {
			return err
		}
		it.Uploaded = true
		if r.allUploaded() {
			r.moveTo(api.PubUploaded) // one commit with the last item's flag
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
	r.moveTo(api.PubProcessing)
	r.jp.Progress(api.JobEvent{Stage: api.PubProcessing, Percent: percentOf(api.PubProcessing)})
	return nil
}

func (r *pubRun) allUploaded() bool {
	for _, it := range r.d.Items {
		if !it.Uploaded && it.Kind != mediastore.KindImage {
			return false
		}
	}
	return true
}

// uploadSaveEvery is how often an upload saves how far it got: often
// enough that a restart knows, rarely enough that the fsyncs cost nothing.
var uploadSaveEvery = 2 * time.Second

// uploadFile streams an item's file to its container from byte from.
// While it runs, the transport's goroutine reports progress; that
// callback saves it.Sent now and then, under mu, and only while the
// upload call has not returned, after which this goroutine owns the
// detail again.
func (r *pubRun) uploadFile(ctx context.Context, it *api.PublishItem, cid string, from int64) error {
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
	lo, hi := percentOf(api.PubContainer), percentOf(api.PubUploaded)
	var mu sync.Mutex
	active, lastSave := false, time.Now()
	onProgress := func(sent, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if !active {
			return
		}
		it.Sent = sent
		if time.Since(lastSave) >= uploadSaveEvery {
			lastSave = time.Now()
			if err := r.save(); err != nil {
				r.p.s.Log.Warn("publish upload: saving progress", "job", r.id, "err", err)
			}
		}
		r.progress(api.JobEvent{Stage: "upload", Bytes: sent, Total: total, Percent: lo + (hi-lo)*float64(sent)/float64(max(total, 1))})
	}
	return r.retrying(ctx, "upload "+it.Target, func(ctx context.Context) error {
		mu.Lock()
		active = true
		mu.Unlock()
		err := r.acct.Client.Upload(ctx, cid, f, it.Size, meta.UploadOptions{URI: it.UploadURI, From: from, Progress: onProgress})
		mu.Lock()
		active = false
		mu.Unlock()
		return err
	})
}

// waitOptions are the container polls: growing intervals, bounded total,
// paced like every other call of the account.
func (r *pubRun) waitOptions(what string) meta.WaitOptions {
	return meta.WaitOptions{
		Initial: r.t.PollInitial, Max: r.t.PollMax, Timeout: r.t.PollTimeout,
		OnStatus: func(st meta.Status) {
			r.progress(api.JobEvent{Stage: "processing", Percent: percentOf(api.PubProcessing), Message: what + ": " + string(st.Code)})
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			paced := r.p.pace.delay(r.d.Connection, r.p.s.Now())
			d = max(d, paced)
			switch {
			case d > longestRateWait:
				return &api.Error{Code: api.CodeTransient,
					Message: fmt.Sprintf("Meta asked impress to leave this account alone for %s (rate limit)", d.Round(time.Minute)),
					Hint:    fmt.Sprintf("`impress jobs retry %d` waits for the container again once that time has passed", r.id)}
			case paced == d && d >= time.Second:
				return r.wait(ctx, usageReason(d), d) // a pause worth saying
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
			c, err := r.createContainer(ctx, "carousel", r.p.containerRequest(&r.d, -1, "", ""))
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
		r.d.Items[i].ContainerID, r.d.Items[i].Status, r.d.Items[i].UploadURI, r.d.Items[i].Uploaded, r.d.Items[i].Sent = "", "", "", false, 0
	}
}

// createContainer asks Meta for a container (what: "media" for an item,
// "carousel" for the carousel's own), retrying as every step does.
func (r *pubRun) createContainer(ctx context.Context, what string, req meta.ContainerRequest) (meta.Container, error) {
	var c meta.Container
	err := r.retrying(ctx, "create the "+what+" container", func(ctx context.Context) error {
		var err error
		c, err = r.acct.Client.CreateContainer(ctx, r.acct.IGUser, req)
		return err
	})
	return c, err
}
