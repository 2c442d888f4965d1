package publish

// The publish state machine as one table: what a run does in each state,
// which states that may lead to, and where the state sits on the progress
// bar.

import (
	"context"

	"github.com/impress-dev/impress/api"
)

// stateRow is one state of the publish state machine.
type stateRow struct {
	// step is what a run does in the state. It saves every state it
	// reaches (before the Meta call that depends on it) and returns when
	// the state changed, the job failed or the run is over. nil: a run
	// never starts here (failed is resumed before the run: resumeFrom).
	step func(r *pubRun, ctx context.Context) error
	// last: the run ends after step.
	last bool
	// next are the states step may move the job to. Any step may also end
	// the job failed or unconfirmed (pubRun.failed), and resumeFrom moves
	// a failed job back to the state it failed in. Tests check every
	// transition a run makes against these lists.
	next []string
	// percent places the state on the progress bar.
	percent float64
}

// states is the table, one row per state of api.PublishStates();
// TestEveryPublishStateHasARow fails for a state without one. It is filled
// in init: the steps refer to the table (through percentOf), which a
// package-level initializer may not.
var states map[string]stateRow

func init() {
	afterPublish := []string{api.PubProcessing, api.PubPublishing, api.PubPublished, api.PubRendered}
	// A job found in publishing or unconfirmed may have gone live: look
	// before publishing again.
	verify := func(r *pubRun, ctx context.Context) error { return r.verifyAndPublish(ctx, nil) }
	states = map[string]stateRow{
		api.PubQueued:    {step: (*pubRun).prepare, next: []string{api.PubRendered}, percent: 0},
		api.PubRendered:  {step: (*pubRun).host, next: []string{api.PubHosted, api.PubContainer}, percent: 10},
		api.PubHosted:    {step: (*pubRun).createContainers, next: []string{api.PubContainer}, percent: 15},
		api.PubContainer: {step: (*pubRun).upload, next: []string{api.PubUploaded, api.PubProcessing}, percent: 20},
		api.PubUploaded: {step: func(r *pubRun, ctx context.Context) error { return r.setState(api.PubProcessing) },
			next: []string{api.PubProcessing}, percent: 50},
		api.PubProcessing:  {step: (*pubRun).process, next: afterPublish, percent: 60},
		api.PubPublishing:  {step: verify, next: afterPublish, percent: 90},
		api.PubUnconfirmed: {step: verify, next: afterPublish, percent: 0},
		api.PubPublished: {step: func(r *pubRun, ctx context.Context) error { r.after(ctx); return nil },
			last: true, percent: 100},
		api.PubFailed: {percent: 0},
	}
}

// percentOf is a state's place on the progress bar.
func percentOf(st string) float64 { return states[st].percent }

// onTransition, when set (by tests), sees every state change a run makes.
var onTransition func(from, to string)

// moveTo changes the job's state in memory; the caller saves it.
func (r *pubRun) moveTo(st string) {
	if onTransition != nil {
		onTransition(r.d.State, st)
	}
	r.d.State = st
}
