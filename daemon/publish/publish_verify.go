package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/reconcile"
	"github.com/impress-dev/impress/meta"
)

// After a media_publish whose outcome is unknown (no answer, 5xx, a
// transient code), or when a restarted daemon finds a job in
// "publishing", the job looks before it acts (docs/META.md §7, §15):
//
//   - the container says PUBLISHED: the post is live; its media id is
//     looked up among the account's recent media (matched by caption and
//     time, never "the newest one"), and the job is done even when the
//     lookup finds nothing;
//   - FINISHED and no matching recent media: nothing went live, and
//     publishing the same container again is safe (Meta refuses to
//     publish a container twice, so even a stale status cannot double it);
//   - IN_PROGRESS: back to waiting;
//   - ERROR or EXPIRED with no matching media: the container is dead;
//   - the container cannot be read: the job ends "unconfirmed" and says
//     how to check. It is never retried automatically.

// verifyAttempts bounds the container reads of one verification.
const verifyAttempts = 4

// lookback is how far before the publish attempt a matching media may be
// stamped (Meta's timestamps are in seconds, clocks drift).
const lookback = 10 * time.Minute

// unknownAttemptWindow is how far back findMedia looks when the attempt's
// time was not saved: every recent media counts.
const unknownAttemptWindow = 10 * 365 * 24 * time.Hour

type verdict int

const (
	vUnknown verdict = iota
	vLive
	vNotLive
	vPending
	vDead
)

// verifyAndPublish decides what a possibly-published job is, and acts:
// record the post, publish (again), wait, or stop. st is a status already
// read (nil to read it).
func (r *pubRun) verifyAndPublish(ctx context.Context, st *meta.Status) error {
	v, mediaID, permalink, read, lastErr := r.verify(ctx, st)
	switch v {
	case vLive:
		return r.markPublished(mediaID, permalink)
	case vNotLive:
		r.p.s.Log.Info("media_publish did not go live; publishing the same container again", "job", r.id, "container", r.d.ContainerID)
		return r.publish(ctx)
	case vPending:
		return r.setState(api.PubProcessing)
	case vDead:
		return r.containerFailed(ctx, *read, read.Err())
	}
	if lastErr != nil && (ctx.Err() != nil || meta.IsLoginNeeded(lastErr)) {
		// Cannot look now; the state stays "publishing", so the next run
		// (after the login, or after the restart) looks again first.
		return lastErr
	}
	why := "no answer"
	if lastErr != nil {
		why = shortErr(lastErr)
	}
	return &api.Error{Code: api.CodeUnconfirmed,
		Message: fmt.Sprintf("media_publish of container %s may or may not have gone live: Meta's answer was lost and the container cannot be read (%s)", r.d.ContainerID, r.p.s.RedactString(why)),
		Hint: fmt.Sprintf("look at the account in the Instagram app (or `impress media list`); `impress jobs show %d` has the container id. "+
			"Only if the post is not there, publish again with --force — never re-run it blindly", r.id)}
}

// verify reads the container (and, when that is not conclusive, the
// recent media) and says what the last publish did.
func (r *pubRun) verify(ctx context.Context, st *meta.Status) (v verdict, mediaID, permalink string, read *meta.Status, lastErr error) {
	for n := 0; st == nil && n < verifyAttempts; n++ {
		if n > 0 {
			if err := sleepCtx(ctx, r.t.backoff(n-1)); err != nil {
				return vUnknown, "", "", nil, err
			}
		}
		var got meta.Status
		err := r.call(ctx, func(ctx context.Context) error {
			var err error
			got, err = r.acct.Client.ContainerStatus(ctx, r.d.ContainerID)
			return err
		})
		if err != nil {
			lastErr = err
			if ctx.Err() != nil || meta.IsLoginNeeded(err) {
				return vUnknown, "", "", nil, err
			}
			continue
		}
		st = &got
	}
	if st == nil {
		return vUnknown, "", "", nil, lastErr
	}
	r.d.ContainerStatus = string(st.Code)
	switch st.Code {
	case meta.StatusPublished:
		id, link, n, err := r.findMedia(ctx)
		switch {
		case n == 1:
		case err != nil:
			r.note("Meta says the container was published, but its media id could not be looked up (%s)", shortErr(err))
		case n == 0:
			r.note("Meta says the container was published, but no recent media matches it yet; the media id is unknown")
		default:
			r.note("Meta says the container was published; %d recent media match its caption, so the media id is not guessed", n)
		}
		return vLive, id, link, st, nil
	case meta.StatusFinished, meta.StatusError, meta.StatusExpired:
		id, link, n, err := r.findMedia(ctx)
		switch {
		case err != nil:
			return vUnknown, "", "", st, err
		case n == 1:
			return vLive, id, link, st, nil
		case n > 1:
			return vUnknown, "", "", st, fmt.Errorf("%d recent media match the caption", n)
		case st.Code == meta.StatusFinished:
			return vNotLive, "", "", st, nil
		}
		return vDead, "", "", st, nil
	}
	return vPending, "", "", st, nil
}

// findMedia looks for the job's post among the account's recent media: the
// same post as reconciliation means it (internal/reconcile: normalised
// caption, type and shape), stamped after the attempt (less lookback), and
// not a media another job already holds. It returns the match when there
// is exactly one, and how many there were.
func (r *pubRun) findMedia(ctx context.Context) (id, permalink string, n int, err error) {
	if r.d.Type == api.PublishStory {
		return "", "", 0, nil // stories are not listed on /media
	}
	var ms []meta.Media
	err = r.call(ctx, func(ctx context.Context) error {
		var err error
		ms, _, err = r.acct.Client.ListMedia(ctx, r.acct.IGUser, meta.ListMediaOptions{PageOptions: meta.PageOptions{Limit: 25},
			Fields: []string{meta.ReconcileFields}})
		return err
	})
	if err != nil {
		return "", "", 0, err
	}
	claimed, cerr := r.p.claimedMedia(r.id)
	if cerr != nil {
		return "", "", 0, cerr
	}
	now := r.p.s.Now()
	window := unknownAttemptWindow
	if r.d.PublishAttemptAt != nil {
		window = max(now.Sub(r.d.PublishAttemptAt.Add(-lookback)), time.Nanosecond)
	}
	posts := make([]reconcile.Post, 0, len(ms))
	for _, m := range ms {
		posts = append(posts, postOf(m))
	}
	res := reconcile.Match(itemOf("job", &r.d), posts, reconcile.Options{Now: now, Window: window, Exclude: claimed})
	switch res.Outcome {
	case reconcile.OutcomeOne:
		return res.Matches[0].ID, res.Matches[0].Permalink, 1, nil
	case reconcile.OutcomeAmbiguous:
		return "", "", len(res.Matches), nil
	}
	return "", "", 0, nil
}

// claimedMedia is the set of media ids other publish jobs recorded.
func (p *publisher) claimedMedia(except uint64) (map[string]bool, error) {
	jobs, err := p.s.DB.Jobs(api.JobPublish)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, j := range jobs {
		if j.ID == except {
			continue
		}
		if d := api.PublishDetailOf(&api.Job{Detail: j.Detail}); d != nil && d.MediaID != "" {
			out[d.MediaID] = true
		}
	}
	return out, nil
}
