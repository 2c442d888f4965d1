// Command clibench measures impress as users run it: the built binary,
// its CLI and its daemon (issue 13), side by side with the plain ffmpeg
// command that does the same work, and prints Markdown for
// docs/BENCHMARKS.md.
//
//   - render: `impress render clip.mp4 --no-cache` (a 4 s 1920x1080 clip
//     to reels) against the very ffmpeg argv the daemon ran (from its log),
//     replayed by hand;
//   - fast path: `impress render reel.mp4 --no-cache --out F` of a
//     compliant 60 s 1080x1920 reel against `ffmpeg -i in -c copy
//     -movflags +faststart out`;
//   - edits A and B: `impress render edit.yaml --no-cache` against a naive
//     hand-written command, with SSIM of impress's output against the same
//     impress command at CRF 8;
//   - cache hit, cold start (auto-start of `impress project list`),
//     `impress project list` with 1,000 projects, and `impress publish
//     --manifest` of 50 items against the sandbox with 100 ms per Meta call.
//
// "warm" runs use a running daemon of the build; "cold" ones stop it first,
// so the command starts it (auto-start) with empty caches. Every
// contender of a section runs once per round, in a shuffled order, so load
// from other processes falls on all alike; the report gives medians, the
// middle half, and the ratio of the medians, for wall time and for CPU
// time (the CLI, plus the daemon and the ffmpeg/ffprobe children it waited
// for). The load average is given with each section.
//
// Usage:
//
//	go run ./bench/clibench [-impress bin/impress] [-before OLD] [-n 5] [-edit-n 3] [-only render,fast,...]
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/impress-dev/impress/bench/internal/benchkit"
	"github.com/impress-dev/impress/render"
)

func main() {
	impress := flag.String("impress", cmp.Or(os.Getenv("IMPRESS"), "bin/impress"), "the impress binary to measure")
	before := flag.String("before", "", "an older impress binary to measure side by side (its renders are replayed with this build's argv)")
	n := flag.Int("n", 5, "rounds of the short sections")
	editN := flag.Int("edit-n", 3, "rounds of the edits (each takes tens of seconds)")
	only := flag.String("only", "", "comma-separated sections: render,fast,edit,cache,cold,list,publish (default all)")
	keep := flag.String("keep", "", "work in this directory and keep it")
	flag.Parse()
	// Interrupted, it still stops the daemons it started.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cleanup()
		os.Exit(130)
	}()
	err := run(*impress, *before, *n, *editN, *only, *keep)
	cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clibench:", err)
		os.Exit(1)
	}
}

var exits struct {
	sync.Mutex
	fns []func()
}

// atExit registers what must run when the benchmark ends, however it ends.
func atExit(f func()) {
	exits.Lock()
	defer exits.Unlock()
	exits.fns = append(exits.fns, f)
}

func cleanup() {
	exits.Lock()
	fns := exits.fns
	exits.fns = nil
	exits.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

type bench struct {
	m      *media
	builds []*build
	tmp    string
	rng    *rand.Rand
	out    strings.Builder
}

func run(impress, before string, n, editN int, only, keep string) error {
	b := &bench{rng: rand.New(rand.NewPCG(13, 13))}
	var err error
	b.tmp = keep
	if b.tmp == "" {
		if b.tmp, err = os.MkdirTemp("", "clibench-"); err != nil {
			return err
		}
		atExit(func() { os.RemoveAll(b.tmp) }) // last: after the daemons stopped
	} else if err := os.MkdirAll(b.tmp, 0o755); err != nil {
		return err
	}
	m := &media{dir: filepath.Join(b.tmp, "media")}
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	if m.ffmpeg, err = exec.LookPath("ffmpeg"); err != nil {
		return err
	}
	if m.font = render.FindFont(); m.font == "" {
		return fmt.Errorf("no font (apt-get install fonts-dejavu-core)")
	}
	b.m = m
	for _, bin := range []string{impress, before} {
		if bin == "" {
			continue
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return err
		}
		label := "impress"
		if bin == before {
			label = "before"
		} else if before != "" {
			label = "after"
		}
		h, err := newHome(b.tmp)
		if err != nil {
			return err
		}
		bd := &build{label: label, bin: abs, h: h}
		b.builds = append(b.builds, bd)
		atExit(func() {
			bd.stop()
			os.RemoveAll(filepath.Dir(h.socket))
		})
	}
	fmt.Fprintln(os.Stderr, "making inputs…")
	if err := m.make(); err != nil {
		return err
	}
	version, _ := render.VersionLine(context.Background(), m.ffmpeg)
	host, _ := os.Hostname()
	fmt.Fprintf(&b.out, "Run %s on %s: %d CPUs (%s), %s/%s, %s, Go %s. Medians of interleaved rounds; CPU is the CLI plus the daemon and the ffmpeg/ffprobe processes it waited for. Builds: %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), benchkit.CPUModel(), runtime.GOOS, runtime.GOARCH,
		version, runtime.Version(), b.buildList())
	want := func(s string) bool { return only == "" || slices.Contains(strings.Split(only, ","), s) }
	sections := []struct {
		name string
		f    func() error
	}{
		{"render", func() error { return b.renderSection(n) }},
		{"fast", func() error { return b.fastSection(n) }},
		{"edit", func() error { return b.editSections(editN) }},
		{"cache", func() error { return b.cacheSection(n) }},
		{"cold", func() error { return b.coldStartSection(n) }},
		{"list", func() error { return b.listSection(n) }},
		{"publish", func() error { return b.publishSection(3) }},
	}
	for _, s := range sections {
		if !want(s.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "== %s (load %s)\n", s.name, benchkit.Loadavg())
		err := s.f()
		// each section as it ends: a failure later keeps what was measured
		fmt.Print(b.out.String())
		b.out.Reset()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (b *bench) buildList() string {
	var out []string
	for _, bd := range b.builds {
		out = append(out, bd.label+" = "+bd.bin)
	}
	return strings.Join(out, ", ")
}

// contender is one command of a section: f runs it once.
type contender struct {
	name    string
	f       func() (sample, error)
	samples []sample
}

// rounds runs every contender once per round in a shuffled order, after
// a warm-up round when warm is set, and returns the load averages at start
// and end.
func (b *bench) rounds(n int, warmup bool, cs []*contender) (string, string, error) {
	load0 := benchkit.Loadavg()
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	first := 1
	if warmup {
		first = 0
	}
	for r := first; r <= n; r++ {
		b.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			s, err := cs[i].f()
			if err != nil {
				return "", "", fmt.Errorf("%s: %w", cs[i].name, err)
			}
			if r > 0 {
				cs[i].samples = append(cs[i].samples, s)
			}
		}
		fmt.Fprintf(os.Stderr, "  round %d/%d done (load %s)\n", r, n, benchkit.Loadavg())
	}
	return load0, benchkit.Loadavg(), nil
}

// table writes a section's rows: each contender's medians and middle half,
// and the ratios asked for (numerator, denominator, goal).
// measure runs the contenders n rounds (see rounds) and writes their
// table; ratios, when given, is called after the rounds (it reads the
// samples) for the table's ratio rows.
func (b *bench) measure(n int, warmup bool, cs []*contender, title, what string, ratios func() [][3]string) error {
	load0, load1, err := b.rounds(n, warmup, cs)
	if err != nil {
		return err
	}
	var rs [][3]string
	if ratios != nil {
		rs = ratios()
	}
	b.table(title, what, load0, load1, cs, rs)
	return nil
}

func (b *bench) table(title, what, load0, load1 string, cs []*contender, ratios [][3]string) {
	fmt.Fprintf(&b.out, "\n#### %s\n\n%s Load average %s at the start, %s at the end; %d rounds.\n\n", title, what, load0, load1, len(cs[0].samples))
	fmt.Fprintf(&b.out, "| command | wall median | wall p25–p75 | CPU median |\n|---|---|---|---|\n")
	byName := map[string]*contender{}
	for _, c := range cs {
		byName[c.name] = c
		w, cpu := benchkit.Walls(c.samples), benchkit.CPUs(c.samples)
		fmt.Fprintf(&b.out, "| %s | %s | %s–%s | %s |\n", c.name, secs(benchkit.Pct(w, 50)), secs(benchkit.Pct(w, 25)), secs(benchkit.Pct(w, 75)), secs(benchkit.Pct(cpu, 50)))
	}
	for _, r := range ratios {
		a, d := byName[r[0]], byName[r[1]]
		if a == nil || d == nil {
			continue
		}
		q := func(x, y time.Duration) string { return fmt.Sprintf("%.2f×", x.Seconds()/y.Seconds()) }
		// the ratio within each round: both ran under that round's load
		var paired []time.Duration
		for i := range min(len(a.samples), len(d.samples)) {
			paired = append(paired, time.Duration(float64(time.Second)*a.samples[i].Wall.Seconds()/d.samples[i].Wall.Seconds()))
		}
		fmt.Fprintf(&b.out, "| **%s / %s** (goal %s) | **%s** | per round: %.2f× (%.2f–%.2f×) | **%s** |\n", r[0], r[1], r[2],
			q(benchkit.Pct(benchkit.Walls(a.samples), 50), benchkit.Pct(benchkit.Walls(d.samples), 50)),
			benchkit.Pct(paired, 50).Seconds(), benchkit.Pct(paired, 25).Seconds(), benchkit.Pct(paired, 75).Seconds(),
			q(benchkit.Pct(benchkit.CPUs(a.samples), 50), benchkit.Pct(benchkit.CPUs(d.samples), 50)))
	}
}

func (b *bench) line(format string, args ...any) { fmt.Fprintf(&b.out, "\n"+format+"\n", args...) }

func (b *bench) code(title, s string) {
	fmt.Fprintf(&b.out, "\n<details><summary>%s</summary>\n\n```\n%s\n```\n</details>\n", title, s)
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}
