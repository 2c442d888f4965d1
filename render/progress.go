package render

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// Progress is one report from a running ffmpeg (or from [Render]'s other
// stages: "probe", "analyze", "encode", "remux", "cover", "validate", "done").
type Progress struct {
	Stage string `json:"stage"`
	// Percent of the expected output written, 0..100; 0 when the length is unknown.
	Percent float64 `json:"percent"`
	// Speed is media seconds encoded per wall second (ffmpeg's "1.5x").
	Speed float64 `json:"speed,omitempty"`
	// OutTime is how much of the output has been written.
	OutTime time.Duration `json:"out_time,omitempty"`
	// ETA estimates the time left from Speed; 0 when unknown.
	ETA time.Duration `json:"eta,omitempty"`
	// Done is set on the last report of a stage (ffmpeg's progress=end).
	Done bool `json:"done,omitempty"`
}

// parseProgress reads ffmpeg's -progress output (key=value lines, each
// block ended by progress=continue or progress=end) and reports one
// Progress per block. total is the expected output length in seconds.
func parseProgress(r io.Reader, stage string, total float64, fn func(Progress)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	var cur Progress
	cur.Stage = stage
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch k {
		case "out_time_us", "out_time_ms": // ffmpeg's out_time_ms is in microseconds too
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				cur.OutTime = time.Duration(n) * time.Microsecond
			}
		case "out_time":
			if cur.OutTime == 0 {
				if s, err := ParseTime(v); err == nil {
					cur.OutTime = time.Duration(s * float64(time.Second))
				}
			}
		case "speed":
			if f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "x"), 64); err == nil && f > 0 {
				cur.Speed = f
			} else {
				cur.Speed = 0
			}
		case "progress":
			cur.Done = v == "end"
			if total > 0 {
				cur.Percent = min(100, 100*cur.OutTime.Seconds()/total)
				if cur.Done {
					cur.Percent = 100
				}
				if cur.Speed > 0 && !cur.Done {
					left := total - cur.OutTime.Seconds()
					cur.ETA = time.Duration(max(0, left) / cur.Speed * float64(time.Second)).Round(time.Millisecond)
				} else {
					cur.ETA = 0
				}
			}
			if fn != nil {
				fn(cur)
			}
			cur = Progress{Stage: stage, Speed: cur.Speed, OutTime: cur.OutTime}
		}
	}
}
