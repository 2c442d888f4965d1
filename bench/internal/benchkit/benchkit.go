// Package benchkit is what the benchmark drivers under bench/ share: the
// percentiles, load and machine lines of their reports, and the benchmark
// edit of issue 3 (its sources, spec and the naive hand-written command it
// is compared with), which both the in-process and the CLI render
// benchmarks run.
package benchkit

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Sample is one timed run: wall clock and CPU time (user+system).
type Sample struct{ Wall, CPU time.Duration }

// Walls is the wall times of ss.
func Walls(ss []Sample) []time.Duration {
	out := make([]time.Duration, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.Wall)
	}
	return out
}

// CPUs is the CPU times of ss.
func CPUs(ss []Sample) []time.Duration {
	out := make([]time.Duration, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.CPU)
	}
	return out
}

// Pct is the p-th percentile (nearest rank) of ds; 0 for none.
func Pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

// Loadavg is the 1, 5 and 15 minute load averages ("n/a" off Linux): a
// wall-clock figure on a shared machine means little without it.
func Loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// CPUModel is the CPU's model name (GOARCH off Linux).
func CPUModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// HomeEnv is the environment of a throw-away IMPRESS_HOME under dir with
// its daemon's socket at socket (a short path of its own: unix socket
// paths are limited): file keyring, no session bus, no colour.
func HomeEnv(dir, socket string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "userhome"),
		"IMPRESS_HOME=" + filepath.Join(dir, "home"),
		"IMPRESS_SOCKET=" + socket,
		"IMPRESS_KEYRING=file",
		"XDG_RUNTIME_DIR=",
		"NO_COLOR=1",
	}
}

// CallCounter counts the calls that reach the Meta sandbox behind it and
// get its injected latency: Graph calls and rupload POSTs (its admin API,
// /_sandbox, gets none).
type CallCounter struct {
	H     http.Handler
	calls atomic.Int64
}

func (c *CallCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_sandbox") {
		c.calls.Add(1)
	}
	c.H.ServeHTTP(w, r)
}

// Calls is how many calls were counted.
func (c *CallCounter) Calls() int64 { return c.calls.Load() }

// Reset starts the count again.
func (c *CallCounter) Reset() { c.calls.Store(0) }
