package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
)

// progressBar draws job progress on stderr: a bar on a TTY, NDJSON with
// --progress json. Without a TTY (auto) there is no bar, but a job that
// waits says why, once per reason, so a CI log does not go quiet for
// minutes; --progress none prints nothing.
type progressBar struct {
	io       *IOStreams
	mode     string // bar | json | lines | none
	bar      progress.Model
	lastDraw time.Time
	drawn    bool
	lastWhy  string
	lastKey  string
}

func newProgressBar(ios *IOStreams, mode string) *progressBar {
	p := &progressBar{io: ios}
	switch mode {
	case "json":
		p.mode = "json"
	case "none":
		p.mode = "none"
	default:
		if ios.IsStderrTTY() {
			p.mode = "bar"
		} else {
			p.mode = "lines"
		}
	}
	if p.mode == "bar" {
		opts := []progress.Option{progress.WithWidth(30), progress.WithoutPercentage()}
		if ios.ColorEnabled() {
			opts = append(opts, progress.WithDefaultGradient())
		} else {
			opts = append(opts, progress.WithFillCharacters('#', '-'), progress.WithColorProfile(0))
		}
		p.bar = progress.New(opts...)
	}
	return p
}

func (p *progressBar) Update(ev api.JobEvent) {
	switch p.mode {
	case "json":
		b, _ := json.Marshal(ev)
		fmt.Fprintln(p.io.ErrOut, string(b))
	case "lines":
		if why := waitWhy(ev); why != "" && why != p.lastWhy {
			p.lastWhy = why
			fmt.Fprintf(p.io.ErrOut, "job %s waits: %s\n", ev.JobID, why)
		}
	case "bar":
		// Redraws are throttled, but never a new stage or reason: a wait
		// is one event, then minutes of nothing.
		key := ev.Stage + "\x00" + ev.Message
		if time.Since(p.lastDraw) < 80*time.Millisecond && ev.Job == nil && key == p.lastKey {
			return
		}
		p.lastDraw, p.lastKey = time.Now(), key
		var extra []string
		if ev.Speed > 0 {
			extra = append(extra, fmt.Sprintf("%.1fx", ev.Speed))
		}
		if ev.Total > 0 {
			extra = append(extra, fmt.Sprintf("%s/%s", humanBytes(ev.Bytes), humanBytes(ev.Total)))
		}
		if ev.ETA > 0 {
			extra = append(extra, fmt.Sprintf("ETA %s", (time.Duration(ev.ETA)*time.Second).Round(time.Second)))
		}
		if why := waitWhy(ev); why != "" {
			extra = append(extra, why)
		}
		fmt.Fprintf(p.io.ErrOut, "\r\x1b[K%-10s %s %5.1f%% %s", ev.Stage, p.bar.ViewAs(ev.Percent/100), ev.Percent, strings.Join(extra, "  "))
		p.drawn = true
	}
}

// waitWhy is why a job waits (Meta's usage, the day's quota, its
// schedule) and until when, as the daemon says it in a waiting event (or
// the event of a job scheduled for later, which carries a time), on one
// inert line.
func waitWhy(ev api.JobEvent) string {
	if ev.Message == "" || (ev.Stage != "waiting" && ev.Until == nil) {
		return ""
	}
	why := inert.Line(ev.Message)
	if ev.Until != nil {
		why += ", resumes ~" + clockTime(*ev.Until, time.Now())
	}
	return why
}

// clockTime is a time soon, as a person reads it: the hour and minute
// today, with the day when it is another.
func clockTime(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon Jan 2 15:04")
}

func (p *progressBar) Done() {
	if p.mode == "bar" && p.drawn {
		fmt.Fprint(p.io.ErrOut, "\r\x1b[K")
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
