package publish

import (
	"fmt"
	"slices"
	"testing"

	"github.com/impress-dev/impress/api"
)

// Every test of this package runs its publish jobs under this check: a
// state change that the table does not list (a step that learned a new
// transition without its row) panics the test binary, naming it.
func init() { onTransition = checkTransition }

func checkTransition(from, to string) {
	if err := transitionAllowed(from, to); err != nil {
		panic(err)
	}
}

// transitionAllowed says whether the table lets a run move from one state
// to another: a row's next, or failed or unconfirmed from anywhere.
func transitionAllowed(from, to string) error {
	if to == api.PubFailed || to == api.PubUnconfirmed {
		return nil
	}
	if row, ok := states[from]; ok && slices.Contains(row.next, to) {
		return nil
	}
	return fmt.Errorf("publish: the job moved from %q to %q, which the state table (publish_states.go) does not list", from, to)
}

// TestEveryPublishStateHasARow walks api.PublishStates(): each has a row,
// a run can start in every state but failed, each next names a state, the
// bar never goes back along the happy path, and the table has no row for
// a state api does not list.
func TestEveryPublishStateHasARow(t *testing.T) {
	all := api.PublishStates()
	for _, st := range all {
		row, ok := states[st]
		if !ok {
			t.Errorf("state %q has no row in states", st)
			continue
		}
		if (row.step == nil) != (st == api.PubFailed) {
			t.Errorf("state %q: step %v; only failed has none", st, row.step != nil)
		}
		for _, n := range row.next {
			if !slices.Contains(all, n) {
				t.Errorf("state %q: next %q is not a state", st, n)
			}
		}
		if row.last != (st == api.PubPublished) {
			t.Errorf("state %q: last = %v", st, row.last)
		}
	}
	for st := range states {
		if !slices.Contains(all, st) {
			t.Errorf("states has a row for %q, which api.PublishStates() does not list", st)
		}
	}
	happy := []string{api.PubQueued, api.PubRendered, api.PubHosted, api.PubContainer, api.PubUploaded, api.PubProcessing,
		api.PubPublishing, api.PubPublished}
	for i := 1; i < len(happy); i++ {
		if percentOf(happy[i]) <= percentOf(happy[i-1]) {
			t.Errorf("%s at %v%%, not past %s at %v%%", happy[i], percentOf(happy[i]), happy[i-1], percentOf(happy[i-1]))
		}
	}
	if transitionAllowed(api.PubQueued, api.PubRendered) != nil || transitionAllowed(api.PubProcessing, api.PubQueued) == nil ||
		transitionAllowed(api.PubPublished, api.PubFailed) != nil {
		t.Error("transitionAllowed disagrees with the table")
	}
}
