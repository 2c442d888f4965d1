// This file serves /v1/jobs on the local API: list, show, follow (NDJSON
// events until the job ends), cancel and retry.

package jobs

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/store"
)

// parseJobID reads the {id} of the path; on failure it has answered
// invalid_input.
func parseJobID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		httpx.WriteError(w, api.Errorf(api.CodeInvalid, "job id %q is not a number; `impress jobs list` shows the ids", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// Routes registers /v1/jobs, each handler wrapped by needStore.
func (r *Runner) Routes(mux *http.ServeMux, needStore func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /v1/jobs", needStore(r.listJobs))
	mux.HandleFunc("GET /v1/jobs/{id}", needStore(r.getJob))
	mux.HandleFunc("GET /v1/jobs/{id}/events", needStore(r.jobEvents))
	mux.HandleFunc("POST /v1/jobs/{id}/cancel", needStore(r.cancelJob))
}

// Of reads the job the path names, or answers why there is none (not a
// number, not found) and returns false.
func (r *Runner) Of(w http.ResponseWriter, req *http.Request) (store.Job, bool) {
	id, ok := parseJobID(w, req)
	if !ok {
		return store.Job{}, false
	}
	j, err := r.db.Job(id)
	if err != nil {
		if store.IsNotFound(err) {
			err = api.Errorf(api.CodeNotFound, "job %d not found; `impress jobs list` shows the jobs", id)
		}
		r.fail(w, err)
		return store.Job{}, false
	}
	return j, true
}

func (rn *Runner) listJobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := rn.db.Jobs(r.URL.Query().Get("kind"))
	if err != nil {
		rn.fail(w, err)
		return
	}
	out := make([]api.Job, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, ToAPI(j))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (rn *Runner) getJob(w http.ResponseWriter, r *http.Request) {
	j, ok := rn.Of(w, r)
	if !ok {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ToAPI(j))
}

func (rn *Runner) jobEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := parseJobID(w, r)
	if !ok {
		return
	}
	ch, unsub := rn.Subscribe(id)
	defer unsub()
	j, err := rn.db.Job(id)
	if err != nil {
		if store.IsNotFound(err) {
			err = api.Errorf(api.CodeNotFound, "job %d not found", id)
		}
		rn.fail(w, err)
		return
	}
	out := httpx.NewNDJSON(w)
	if (api.Job{State: j.State}).Terminal() {
		aj := ToAPI(j)
		out.Send(api.JobEvent{JobID: aj.ID, Stage: j.Stage, Percent: j.Percent, Job: &aj})
		return
	}
	if ch == nil {
		// Queued but not in the runner yet (a scheduled publish waits for
		// its time outside it): follow the store until the job starts here
		// or ends.
		if ch = rn.awaitRunnable(r.Context(), out, id); ch == nil {
			return
		}
		defer rn.Unsubscribe(id, ch)
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if err := out.Send(ev); err != nil {
				return
			}
			if ev.Job != nil {
				return
			}
		}
	}
}

// awaitRunnable polls a queued job that is not running in this process:
// it returns the job's event channel once the runner has it, or nil after
// sending the final event (the job ended) or when the client left.
func (rn *Runner) awaitRunnable(ctx context.Context, out *httpx.NDJSON, id uint64) chan api.JobEvent {
	sent := false
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		j, err := rn.db.Job(id)
		if err != nil {
			return nil
		}
		aj := ToAPI(j)
		if aj.Terminal() {
			out.Send(api.JobEvent{JobID: aj.ID, Stage: j.Stage, Percent: j.Percent, Job: &aj})
			return nil
		}
		if ch, _ := rn.Subscribe(id); ch != nil {
			return ch
		}
		if !sent {
			sent = true
			if out.Send(waitingEvent(j)) != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// waitingEvent is the event of a job that waits outside the runner (a
// publish scheduled for later): its stage, and why and until when it waits
// when its detail says so (wait_reason, wait_until).
func waitingEvent(j store.Job) api.JobEvent {
	var w struct {
		Reason string     `json:"wait_reason"`
		Until  *time.Time `json:"wait_until"`
	}
	if len(j.Detail) > 0 {
		_ = json.Unmarshal(j.Detail, &w)
	}
	return api.JobEvent{JobID: strconv.FormatUint(j.ID, 10), Stage: j.Stage, Percent: j.Percent, Message: w.Reason, Until: w.Until}
}

func (rn *Runner) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, ok := parseJobID(w, r)
	if !ok {
		return
	}
	if !rn.Cancel(id) {
		j, err := rn.db.Job(id)
		if err != nil {
			rn.fail(w, api.Errorf(api.CodeNotFound, "job %d not found", id))
			return
		}
		if !(api.Job{State: j.State}).Terminal() {
			j, err = rn.db.UpdateJob(id, func(j *store.Job) error {
				j.State, j.Stage = api.JobCancelled, "cancelled"
				return nil
			})
			if err != nil {
				rn.fail(w, err)
				return
			}
		}
		httpx.WriteJSON(w, http.StatusOK, ToAPI(j))
		return
	}
	// Wait briefly for the job to reach its final state so the answer is
	// the truth rather than "cancelling".
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		j, err := rn.db.Job(id)
		if err == nil && (api.Job{State: j.State}).Terminal() {
			httpx.WriteJSON(w, http.StatusOK, ToAPI(j))
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	j, _ := rn.db.Job(id)
	httpx.WriteJSON(w, http.StatusOK, ToAPI(j))
}
