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
func (h *history) undo(cur *api.Spec) (*api.Spec, bool) {
	if len(h.past) == 0 {
		return nil, false
	}
	prev := h.past[len(h.past)-1]
	h.past = h.past[:len(h.past)-1]
	h.future = append(h.future, cur)
	return prev, true
}

// redo returns the state an undo left, given the current one.
func (h *history) redo(cur *api.Spec) (*api.Spec, bool) {
	if len(h.future) == 0 {
		return nil, false
	}
	nxt := h.future[len(h.future)-1]
	h.future = h.future[:len(h.future)-1]
	h.past = append(h.past, cur)
	return nxt, true
}

func (h *history) reset() { h.past, h.future = nil, nil }
