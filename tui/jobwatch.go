package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// jobWatch follows one daemon job's event stream (bubbletea's realtime
// pattern): a goroutine started by the first command feeds a channel, and
// next() is re-armed after each jobEventMsg until jobEndedMsg.
type jobWatch struct {
	id     int
	jobID  string
	ch     chan tea.Msg
	cancel context.CancelFunc
}

// watchJob starts following jobID. The stream runs under the program's
// context, so quitting ends it; stop ends it earlier.
func (c *common) watchJob(jobID string) (*jobWatch, tea.Cmd) {
	c.watch++
	ctx, cancel := context.WithCancel(c.ctx)
	w := &jobWatch{id: c.watch, jobID: jobID, ch: make(chan tea.Msg, 16), cancel: cancel}
	client, id := c.client, w.id
	start := func() tea.Msg {
		go func() {
			defer close(w.ch)
			err := client.WatchJob(ctx, jobID, func(ev api.JobEvent) error {
				select {
				case w.ch <- jobEventMsg{watch: id, ev: ev}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if ctx.Err() != nil {
				err = nil // stopped on purpose
			}
			select {
			case w.ch <- jobEndedMsg{watch: id, err: err}:
			case <-ctx.Done():
			}
		}()
		return <-w.ch
	}
	return w, start
}

// next waits for the stream's next message.
func (w *jobWatch) next() tea.Cmd {
	ch := w.ch
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (w *jobWatch) stop() {
	if w != nil {
		w.cancel()
	}
}

// jobFollow is what a pane that follows a job keeps: the job as last seen,
// the watch that streams it and its last event.
type jobFollow struct {
	job   *api.Job
	watch *jobWatch
	last  api.JobEvent
}

// event takes an event of the current watch: it keeps the event and the
// job it carries, and returns that job when the event ended it. ok false
// is an event of a watch that was replaced since: to drop.
func (f *jobFollow) event(msg jobEventMsg) (ended *api.Job, ok bool) {
	if f.watch == nil || msg.watch != f.watch.id {
		return nil, false
	}
	f.last = msg.ev
	if j := msg.ev.Job; j != nil {
		f.job = j
		if j.Terminal() {
			return j, true
		}
	}
	return nil, true
}

// ended forgets the current watch when its stream ended; false is the end
// of a watch that was replaced since: to drop.
func (f *jobFollow) ended(msg jobEndedMsg) bool {
	if f.watch == nil || msg.watch != f.watch.id {
		return false
	}
	f.watch = nil
	return true
}
