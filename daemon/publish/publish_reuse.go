package publish

// A request whose key an earlier job holds is answered by that job and
// posts nothing: resumed when it failed or was cancelled, rescheduled when
// only its time changed while it still waits (an edited at:, a re-run
// with another --at), and refused (invalid input) when the key now names
// other content.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/store"
)

// scheduledReason is what a job waiting for its --at time says.
const scheduledReason = "its scheduled time (--at, or a manifest's at:)"

// markScheduled reports whether a job not started yet waits for its --at
// time, and says so on its detail: why, and until when.
func (p *publisher) markScheduled(d *api.PublishDetail) bool {
	if d.At == nil || d.State != api.PubQueued || !p.s.Now().Before(*d.At) {
		return false
	}
	at := *d.At
	d.WaitReason, d.WaitUntil = scheduledReason, &at
	return true
}

// reuse answers a request whose key an earlier job holds: that job, and
// nothing posted. A job that failed (or was cancelled) is resumed from
// where it stopped (its state machine verifies before it could publish
// twice); one that has not started takes the request's time.
func (p *publisher) reuse(old store.Job, pl *pubPlan, req api.PublishRequest) (*api.PublishResult, error) {
	var od api.PublishDetail
	_ = json.Unmarshal(old.Detail, &od)
	if !sameContent(&od, pl) {
		key := req.Key
		if key == "" {
			key = displayKey(pl.d.Key)
		}
		return nil, &api.Error{Code: api.CodeInvalid,
			Message: fmt.Sprintf("key %q was used by job %d for other content or options; nothing was published", key, old.ID),
			Hint: fmt.Sprintf("give this content a new key (--key, or key: in a manifest); or, if it is meant to replace what job %d holds "+
				"under that key, publish it with --force (job %d stays as it is)", old.ID, old.ID)}
	}
	res := &api.PublishResult{Reused: true}
	retimed := !sameTime(od.At, pl.d.At) && od.State == api.PubQueued
	if old.State == api.JobFailed || old.State == api.JobCancelled {
		if od.State != api.PubUnconfirmed && (old.Error == nil || api.Code(old.Error.Code) != api.CodeUnconfirmed) {
			if retimed {
				old.Detail = withTime(old.Detail, &pl.d)
			}
			j, err := p.retry(old)
			if err != nil {
				return nil, err
			}
			old, res.Resumed, res.Rescheduled = j, true, retimed
		}
	} else if retimed {
		j, ok, err := p.reschedule(old, &pl.d)
		if err != nil {
			return nil, err
		}
		old, res.Rescheduled = j, ok
	}
	aj := jobs.ToAPI(old)
	res.Job = &aj
	return res, nil
}

// legacyJob is the job of a request without --key stored when the
// fingerprint, and so its auto key, hashed the time too: found when the
// request asks for that same time.
func (p *publisher) legacyJob(pl *pubPlan, req api.PublishRequest) (store.Job, error) {
	if req.Key != "" || pl.d.At == nil {
		return store.Job{}, store.ErrNotFound
	}
	return p.s.DB.JobByKey(idemKey(pl.d.Connection, "", fingerprintAt(&pl.d, pl.content, pl.coverSum, pl.d.At)))
}

// sameContent reports whether an earlier job is the publish a plan
// describes, whatever its time: the same fingerprint, or, for a job stored
// when the fingerprint hashed the time too, the fingerprint of the plan at
// that job's time.
func sameContent(od *api.PublishDetail, pl *pubPlan) bool {
	if od.Fingerprint == "" || od.Fingerprint == pl.d.Fingerprint {
		return true
	}
	return od.At != nil && od.Fingerprint == fingerprintAt(&pl.d, pl.content, pl.coverSum, od.At)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// withTime is a stored detail with d's time (and its fingerprint, so that
// the next re-run matches it directly).
func withTime(detail json.RawMessage, d *api.PublishDetail) json.RawMessage {
	var od api.PublishDetail
	if json.Unmarshal(detail, &od) != nil {
		return detail
	}
	od.Notes = append(od.Notes, rescheduleNote(od.At, d.At))
	od.At, od.Fingerprint = d.At, d.Fingerprint
	out, err := json.Marshal(od)
	if err != nil {
		return detail
	}
	return out
}

func rescheduleNote(from, to *time.Time) string {
	when := func(t *time.Time) string {
		if t == nil {
			return "now"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return "rescheduled by a re-run from " + when(from) + " to " + when(to)
}

// errStarted: the job left the schedule while it was being rescheduled.
var errStarted = errors.New("publish: job no longer waits for its time")

// reschedule moves a job that still waits for its --at time to d's time
// (none: now). It takes the job off the schedule first, so that the
// scheduler cannot start it meanwhile; ok is false when the job was not
// waiting (it started or ended, and its time no longer matters).
func (p *publisher) reschedule(old store.Job, d *api.PublishDetail) (store.Job, bool, error) {
	p.mu.Lock()
	was, waiting := p.scheduled[old.ID]
	delete(p.scheduled, old.ID)
	p.mu.Unlock()
	if !waiting {
		return old, false, nil
	}
	j, err := p.s.DB.UpdateJob(old.ID, func(sj *store.Job) error {
		var sd api.PublishDetail
		if err := json.Unmarshal(sj.Detail, &sd); err != nil {
			return err
		}
		if sj.State != api.JobQueued || sd.State != api.PubQueued {
			return errStarted
		}
		sd.Notes = append(sd.Notes, rescheduleNote(sd.At, d.At))
		sd.At, sd.Fingerprint = d.At, d.Fingerprint
		noWait(&sd)
		sj.Stage = api.PubQueued
		if i := strings.LastIndex(sj.Title, " at "); i > 0 {
			if _, err := time.Parse(time.RFC3339, sj.Title[i+4:]); err == nil {
				sj.Title = sj.Title[:i]
			}
		}
		if p.markScheduled(&sd) {
			sj.Stage = "scheduled"
			sj.Title += " at " + sd.At.Format(time.RFC3339)
		}
		data, err := json.Marshal(sd)
		sj.Detail = data
		return err
	})
	if err != nil {
		p.mu.Lock()
		p.scheduled[old.ID] = was
		p.mu.Unlock()
		p.wakeScheduler()
		if errors.Is(err, errStarted) {
			return old, false, nil
		}
		return old, false, err
	}
	p.s.Log.Info("publish rescheduled", "job", j.ID, "key", displayKey(d.Key))
	p.enqueue(j)
	return j, true, nil
}
