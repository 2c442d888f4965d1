package publish

// Going live and after: the media_publish call, marking the job published, permalink and first comment.

import (
	"context"
	"fmt"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta"
)

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
	now := r.p.s.Now().UTC()
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
	r.p.s.Log.Warn("media_publish failed", "job", r.id, "container", r.d.ContainerID, "attempt", r.d.Attempts, "err", r.p.s.RedactString(err.Error()))
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
	now := r.p.s.Now().UTC()
	r.d.MediaID, r.d.PublishedAt = mediaID, &now
	if permalink != "" {
		r.d.Permalink = permalink
	}
	r.moveTo(api.PubPublished)
	noWait(&r.d)
	if err := r.save(); err != nil {
		// The post is live whatever the store says; the next run finds
		// the container PUBLISHED and records it then.
		return err
	}
	r.unreserve()
	r.p.s.Log.Info("published", "job", r.id, "media", mediaID, "connection", r.d.Connection)
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
		r.p.s.Log.Error("publish: save", "job", r.id, "err", err)
	}
}
