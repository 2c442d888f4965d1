package tui

import "github.com/impress-dev/impress/api"

// history is the timeline's undo and redo: whole-spec snapshots, which
// are small (a 50-clip spec is a few kilobytes) and make every edit, the
// panes' included, undoable the same way.
type history struct {
	past, future []*api.Spec
}

// record saves the state before an edit and forgets what was undone.
func (h *history) record(before *api.Spec) {
	h.past = append(h.past, before)
	if len(h.past) > maxHistory {
		h.past = h.past[len(h.past)-maxHistory:]
	}
	h.future = h.future[:0]
}

// undo returns the state to go back to, given the current one.
func (h *history) undo(cur *api.Spec) (*api.Spec, bool) { return travel(&h.past, &h.future, cur) }

// redo returns the state an undo left, given the current one.
func (h *history) redo(cur *api.Spec) (*api.Spec, bool) { return travel(&h.future, &h.past, cur) }

// travel pops the state to go to from one stack and pushes the current one
// onto the other: undo goes from the past to the future, redo back.
func travel(from, to *[]*api.Spec, cur *api.Spec) (*api.Spec, bool) {
	if len(*from) == 0 {
		return nil, false
	}
	next := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, cur)
	return next, true
}

func (h *history) reset() { h.past, h.future = nil, nil }
