package projects

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// stepClock times the steps of one render job for its log line ("render
// finished … steps=plan 12ms probe 95ms encode 3.81s …"): the answer to
// "where did the time go" without a profiler. Render's own steps are its
// progress stages; a stage lasts until the next one starts.
type stepClock struct {
	mu    sync.Mutex // guards the fields; a leaf (progress comes from render's goroutines)
	last  time.Time
	cur   string // the render stage running, "" outside render
	steps []string
}

func newStepClock(start time.Time) *stepClock { return &stepClock{last: start} }

// mark ends a step of the job's own.
func (c *stepClock) mark(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.endLocked(name)
}

// stage notes a render progress stage; a new stage ends the one before,
// "" ends the last.
func (c *stepClock) stage(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == c.cur {
		return
	}
	if c.cur != "" {
		c.endLocked(c.cur)
	}
	c.cur = name
}

func (c *stepClock) endLocked(name string) {
	now := time.Now()
	c.steps = append(c.steps, fmt.Sprintf("%s %s", name, now.Sub(c.last).Round(time.Millisecond)))
	c.last = now
}

func (c *stepClock) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.steps, ", ")
}
