package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// TestProgressSaysUntilWhen: a waiting event that carries a time says when
// the job moves again, on a TTY and in a log; so does the event of a job
// scheduled for later (its stage is "scheduled", not "waiting"). jobs show
// has the same time.
func TestProgressSaysUntilWhen(t *testing.T) {
	now := time.Now()
	soon := time.Date(now.Year(), now.Month(), now.Day(), 14, 5, 0, 0, time.Local)
	later := soon.Add(48 * time.Hour)
	evs := []api.JobEvent{
		{JobID: "4", Stage: "waiting", Percent: 10, Message: "Meta's usage limit", Until: &soon},
		{JobID: "5", Stage: "scheduled", Message: "its scheduled time", Until: &later},
	}
	for _, tty := range []bool{false, true} {
		ios, _, _, errOut := TestIO()
		ios.SetTTY(false, false, tty)
		p := newProgressBar(ios, "auto")
		for _, ev := range evs {
			p.Update(ev)
		}
		p.Done()
		for _, w := range []string{"Meta's usage limit, resumes ~14:05", "its scheduled time, resumes ~" + later.Format("Mon Jan 2 15:04")} {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("tty=%v: stderr lacks %q:\n%q", tty, w, errOut)
			}
		}
	}
	ios, _, out, _ := TestIO()
	detail, _ := json.Marshal(api.PublishDetail{State: api.PubQueued, WaitReason: "the day's publishing quota", WaitUntil: &soon})
	printJob(ios, &api.Job{ID: "4", Kind: api.JobPublish, State: api.JobRunning, Stage: "waiting", Detail: detail})
	for _, w := range []string{"wait reason", "the day's publishing quota", "resumes", "~" + soon.Format(detailTime)} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("jobs show lacks %q:\n%s", w, out)
		}
	}
}
