// Command startupbench measures how fast impress starts, through the built
// binary as users run it (issue 13: a warm `impress project list` within
// 20 ms, 30 ms with 1,000 projects), and where the time of the 1,000-project
// list goes. It prints Markdown that docs/BENCHMARKS.md quotes.
//
// Each binary given gets two warm daemons of its own build, on throw-away
// homes: one with no project, one with -projects projects (made through the
// API). Then every (command, binary) pair runs once per round, in a
// shuffled order, for -n rounds after one warm-up round: load from other
// processes falls on all of them alike. It reports medians and the middle
// half (25th–75th percentile) of the wall time, and the median CPU time
// (user + system) of the process. An empty Go program, built here, is the
// floor: what any Go binary costs to start on this machine.
//
// Usage:
//
//	go run ./bench/startupbench [-impress bin/impress] [-before OLD_BINARY] [-n 40] [-projects 1000]
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/bench/internal/benchkit"
)

func main() {
	impress := flag.String("impress", cmp.Or(os.Getenv("IMPRESS"), "bin/impress"), "the impress binary to measure")
	before := flag.String("before", "", "an older impress binary to measure side by side (e.g. built from main)")
	n := flag.Int("n", 40, "measured rounds (after one warm-up round)")
	projects := flag.Int("projects", 1000, "projects in the big home")
	flag.Parse()
	if err := run(*impress, *before, *n, *projects); err != nil {
		fmt.Fprintln(os.Stderr, "startupbench:", err)
		os.Exit(1)
	}
}

// build is one impress binary and its two warm daemons.
type build struct {
	label, bin string
	small, big *home
}

// home is a throw-away IMPRESS_HOME with a daemon running on it.
type home struct {
	dir, socket string
	env         []string
}

// job is one command line to time.
type job struct {
	name string // the command as the table shows it
	b    *build // nil: a reference program, bin
	bin  string
	h    *home
	args []string
}

func run(impress, before string, rounds, nProjects int) error {
	tmp, err := os.MkdirTemp("", "startupbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	empty, err := buildEmpty(tmp)
	if err != nil {
		return err
	}
	initOnly := filepath.Join(tmp, "initonly")
	if out, err := exec.Command("go", "build", "-o", initOnly, "./bench/startupbench/initonly").CombinedOutput(); err != nil {
		return fmt.Errorf("build bench/startupbench/initonly (run from the repository root): %v\n%s", err, out)
	}
	var builds []*build
	defer func() {
		for _, b := range builds {
			b.stop()
		}
	}()
	for _, bin := range []string{before, impress} {
		if bin == "" {
			continue
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return err
		}
		label := "after"
		if bin == before {
			label = "before"
		}
		b := &build{label: label, bin: abs}
		builds = append(builds, b)
		if b.small, err = startHome(tmp, abs, 0); err != nil {
			return fmt.Errorf("%s: %w", bin, err)
		}
		if b.big, err = startHome(tmp, abs, nProjects); err != nil {
			return fmt.Errorf("%s: %w", bin, err)
		}
	}
	if len(builds) == 1 {
		builds[0].label = "impress"
	}

	jobs := []job{
		{name: "empty Go program (floor)", bin: empty, h: builds[0].small},
		{name: "every package of impress linked, main returns at once (this tree)", bin: initOnly, h: builds[0].small},
	}
	for _, b := range builds {
		big := fmt.Sprintf("impress project list (%d projects)", nProjects)
		jobs = append(jobs,
			job{name: "impress --help", b: b, h: b.small, args: []string{"--help"}},
			job{name: "impress version", b: b, h: b.small, args: []string{"version"}},
			job{name: "impress project list (0 projects)", b: b, h: b.small, args: []string{"project", "list"}},
			job{name: big, b: b, h: b.big, args: []string{"project", "list"}},
			job{name: big + " --json", b: b, h: b.big, args: []string{"project", "list", "--json"}},
		)
	}
	wall := make([][]time.Duration, len(jobs))
	cpu := make([][]time.Duration, len(jobs))
	load0 := benchkit.Loadavg()
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	for r := 0; r <= rounds; r++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			j := jobs[i]
			bin := j.bin
			if j.b != nil {
				bin = j.b.bin
			}
			w, c, err := timeOnce(bin, j.args, j.h.env)
			if err != nil {
				return fmt.Errorf("%s: %w", j.name, err)
			}
			if r > 0 { // round 0 warms the page cache and the daemons
				wall[i] = append(wall[i], w)
				cpu[i] = append(cpu[i], c)
			}
		}
	}
	load1 := benchkit.Loadavg()

	fmt.Printf("Machine: %s, %d CPUs, %s %s/%s; load average %s before, %s after.\n",
		benchkit.CPUModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, load0, load1)
	fmt.Printf("%d interleaved rounds (one warm-up round not counted), warm daemons of the same build.\n\n", rounds)
	fmt.Println("| command | build | wall median | wall p25–p75 | CPU median |")
	fmt.Println("|---|---|---|---|---|")
	for i, j := range jobs {
		label := "-"
		if j.b != nil {
			label = j.b.label
			if j.b.label != "impress" {
				label += " (" + filepath.Base(j.b.bin) + ")"
			}
		}
		fmt.Printf("| %s | %s | %s | %s–%s | %s |\n", j.name, label,
			ms(benchkit.Pct(wall[i], 50)), ms(benchkit.Pct(wall[i], 25)), ms(benchkit.Pct(wall[i], 75)), ms(benchkit.Pct(cpu[i], 50)))
	}
	fmt.Println()

	for _, b := range builds {
		if err := initTrace(b, rounds); err != nil {
			return err
		}
		if err := daemonSide(b, nProjects, rounds); err != nil {
			return err
		}
	}
	return nil
}

// timeOnce runs bin once with output discarded, returning its wall time
// and the CPU time the process used.
func timeOnce(bin string, args, env []string) (wall, cpu time.Duration, err error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// buildEmpty compiles `func main() {}` with the toolchain at hand.
func buildEmpty(tmp string) (string, error) {
	dir := filepath.Join(tmp, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module empty\n"), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "empty")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the empty program: %v\n%s", err, out)
	}
	return bin, nil
}

// startHome makes a home, starts bin's daemon on it and creates projects
// p0001… through the API.
func startHome(tmp, bin string, projects int) (*home, error) {
	dir, err := os.MkdirTemp(tmp, "home")
	if err != nil {
		return nil, err
	}
	// A short socket path of its own (unix socket paths are limited).
	sockDir, err := os.MkdirTemp("", "isb")
	if err != nil {
		return nil, err
	}
	h := &home{dir: dir, socket: filepath.Join(sockDir, "d.sock")}
	h.env = benchkit.HomeEnv(dir, h.socket)
	cmd := exec.Command(bin, "daemon", "start")
	cmd.Env = h.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("daemon start: %v\n%s", err, out)
	}
	c := api.NewClient(h.socket)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for i := 1; i <= projects; i++ {
		if _, err := c.CreateProject(ctx, api.NewProjectRequest{Name: fmt.Sprintf("p%04d", i)}); err != nil {
			return nil, fmt.Errorf("create project %d: %w", i, err)
		}
	}
	return h, nil
}

func (b *build) stop() {
	for _, h := range []*home{b.small, b.big} {
		if h == nil {
			continue
		}
		cmd := exec.Command(b.bin, "daemon", "stop")
		cmd.Env = h.env
		cmd.Run()
		os.RemoveAll(filepath.Dir(h.socket))
	}
}

// initTrace sums the package init times GODEBUG=inittrace=1 reports for
// `impress --help` (median over runs) and names the five costliest.
func initTrace(b *build, runs int) error {
	type pkgInit struct {
		name string
		ms   float64
	}
	var totals []time.Duration
	var last []pkgInit
	for range max(runs/2, 5) {
		cmd := exec.Command(b.bin, "--help")
		cmd.Env = append(slices.Clone(b.small.env), "GODEBUG=inittrace=1")
		cmd.Stdout = io.Discard
		out, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		data, _ := io.ReadAll(out)
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("inittrace: %v", err)
		}
		var sum float64
		last = last[:0]
		for line := range strings.Lines(string(data)) {
			// init PKG @T ms, C ms clock, B bytes, A allocs
			f := strings.Fields(line)
			if len(f) < 6 || f[0] != "init" {
				continue
			}
			var c float64
			if _, err := fmt.Sscan(f[4], &c); err != nil {
				continue
			}
			sum += c
			last = append(last, pkgInit{f[1], c})
		}
		totals = append(totals, time.Duration(sum*float64(time.Millisecond)))
	}
	slices.SortFunc(last, func(a, b pkgInit) int { return cmp.Compare(b.ms, a.ms) })
	var top []string
	for _, p := range last[:min(5, len(last))] {
		top = append(top, fmt.Sprintf("%s %.2f", strings.TrimPrefix(p.name, "github.com/"), p.ms))
	}
	fmt.Printf("Package init of `impress --help` (%s, GODEBUG=inittrace=1, clock time summed over %d packages): median %s; costliest (ms, last run): %s.\n\n",
		b.label, len(last), ms(benchkit.Pct(totals, 50)), strings.Join(top, ", "))
	return nil
}

// daemonSide times the daemon's answer to GET /v1/projects on the big
// home, over a fresh connection each time as the CLI makes it, and the
// JSON decoding the CLI then does: the rest of the CLI's time is start-up
// and printing.
func daemonSide(b *build, nProjects, runs int) error {
	var answer, decode []time.Duration
	var size int
	for range runs {
		c := api.NewClient(b.big.socket)
		start := time.Now()
		var raw json.RawMessage
		if err := c.Do(context.Background(), "GET", "/v1/projects", nil, &raw); err != nil {
			return err
		}
		answer = append(answer, time.Since(start))
		size = len(raw)
		start = time.Now()
		var ps []api.Project
		if err := json.Unmarshal(raw, &ps); err != nil {
			return err
		}
		decode = append(decode, time.Since(start))
		if len(ps) != nProjects {
			return fmt.Errorf("GET /v1/projects: %d projects, want %d", len(ps), nProjects)
		}
	}
	fmt.Printf("Where `impress project list` spends its time with %d projects (%s): the daemon answers GET /v1/projects (%d KB of JSON) in %s (median, request to last byte, measured from a client in Go); decoding that JSON into []api.Project takes %s of the CLI's time.\n\n",
		nProjects, b.label, size/1024, ms(benchkit.Pct(answer, 50)), ms(benchkit.Pct(decode, 50)))
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
