package projects

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/jobs"
)

// Render is feature.Renderer's render: it asks for the target's output
// (the render cache answers at once when it has it) and follows the
// render job to its end.
func (s *Service) Render(ctx context.Context, req api.RenderRequest, progress func(api.JobEvent)) (*api.RenderResult, error) {
	start, err := s.requestRender(ctx, req)
	if err != nil {
		return nil, feature.RenderError(err)
	}
	if start.Result != nil {
		return start.Result, nil
	}
	id, err := strconv.ParseUint(start.Job.ID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("render job id %q: %w", start.Job.ID, err)
	}
	return s.awaitRender(ctx, id, progress)
}

// awaitRender follows a render job: its events feed progress, and the
// store says when it ended (events are dropped for slow watchers, the
// final state never is).
func (s *Service) awaitRender(ctx context.Context, id uint64, progress func(api.JobEvent)) (*api.RenderResult, error) {
	ch, unsub := s.Jobs.Subscribe(id)
	defer unsub()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		j, err := s.DB.Job(id)
		if err != nil {
			return nil, fmt.Errorf("render job %d: %w", id, err)
		}
		if (api.Job{State: j.State}).Terminal() {
			aj := jobs.ToAPI(j)
			if j.State == api.JobDone {
				if res := api.ResultOf(&aj); res != nil {
					return res, nil
				}
				return nil, fmt.Errorf("render job %d ended without a result", id)
			}
			if aj.Error != nil {
				return nil, aj.Error
			}
			return nil, api.Errorf(api.CodeCancelled, "render job %d was %s", id, j.State)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case ev, ok := <-ch:
			if !ok {
				ch = nil
				continue
			}
			if ev.Job == nil {
				progress(api.JobEvent{Stage: "render", Percent: ev.Percent, Speed: ev.Speed, ETA: ev.ETA, Message: ev.Stage})
			}
		case <-tick.C:
		}
	}
}
