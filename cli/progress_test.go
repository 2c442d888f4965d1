package cli

import (
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestProgressSaysWhyAJobWaits: a job that waits (Meta's usage, the day's
// quota) says why — beside the bar on a TTY, and once per reason as a line
// without one, so a CI log does not go quiet for minutes. --progress none
// stays silent.
func TestProgressSaysWhyAJobWaits(t *testing.T) {
	why := "Meta reports high usage for this account; pausing 2m0s"
	evs := []api.JobEvent{
		{JobID: "4", Stage: "uploaded", Percent: 10},
		{JobID: "4", Stage: "waiting", Percent: 10, Message: why},
		{JobID: "4", Stage: "waiting", Percent: 10, Message: why},
		{JobID: "4", Stage: "waiting", Percent: 10, Message: "the day's publishing quota is used up\x1b[2J"},
	}
	for _, tc := range []struct {
		mode string
		tty  bool
		want []string
		n    int
	}{
		{"auto", false, []string{"job 4 waits: " + why + "\n", "job 4 waits: the day's publishing quota is used up^[[2J\n"}, 2},
		{"auto", true, []string{why}, -1},
		{"none", false, nil, 0},
	} {
		ios, _, _, errOut := TestIO()
		ios.SetTTY(false, false, tc.tty)
		p := newProgressBar(ios, tc.mode)
		for _, ev := range evs {
			p.Update(ev)
		}
		p.Done()
		got := errOut.String()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s tty=%v: stderr lacks %q:\n%q", tc.mode, tc.tty, w, got)
			}
		}
		if tc.n >= 0 && strings.Count(got, "\n") != tc.n {
			t.Errorf("%s tty=%v: %d lines, want %d:\n%q", tc.mode, tc.tty, strings.Count(got, "\n"), tc.n, got)
		}
		if strings.Contains(got, "\x1b[2J") {
			t.Errorf("%s: a raw escape reached stderr", tc.mode)
		}
	}
}
