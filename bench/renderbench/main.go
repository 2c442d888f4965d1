// Command renderbench measures impress's render engine against the plain
// ffmpeg commands a user would otherwise write (issue 3's performance
// goals), side by side in one run, and prints a Markdown report:
//
//   - the 4.5 s edit (a 1920x1080 clip blur-fitted to 1080x1920 with a
//     title, a fade into a zooming photo, music ducked under the clip
//     audio): render.Render against the naive single ffmpeg command doing
//     the same at full resolution, with SSIM between the two outputs;
//   - the overhead of render.Render against re-running by hand the very
//     ffmpeg command it ran;
//   - the fast path on a 60 s compliant reel against
//     `ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4`;
//   - the render-side part of a cache hit on an unchanged 60 s spec
//     (parse, canonical bytes, input hashes, CacheKey).
//
// Each measurement runs -n times, alternating the contenders so that load
// from elsewhere hits both alike; the report gives medians.
//
// Usage: go run ./bench/renderbench [-n 3] [-keep DIR]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/impress-dev/impress/bench/internal/benchkit"
	"github.com/impress-dev/impress/render"
)

func main() {
	n := flag.Int("n", 3, "runs per measurement (median reported)")
	keep := flag.String("keep", "", "work in this directory and keep it (default: a temp dir, removed)")
	flag.Parse()
	if err := run(*n, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "renderbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir     string
	ffmpeg  string
	ffprobe string
	font    string
}

func run(n int, keep string) error {
	ctx := context.Background()
	b := &bench{}
	var err error
	if b.ffmpeg, err = exec.LookPath("ffmpeg"); err != nil {
		return err
	}
	if b.ffprobe, err = exec.LookPath("ffprobe"); err != nil {
		return err
	}
	if b.font = render.FindFont(); b.font == "" {
		return fmt.Errorf("no font (apt-get install fonts-dejavu-core)")
	}
	b.dir = keep
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "renderbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(b.dir)
	} else if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return err
	}
	tc, err := render.Check(ctx, b.ffmpeg, b.ffprobe)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "making inputs…")
	if err := b.inputs(); err != nil {
		return err
	}

	var rep report
	rep.header(tc, n)
	if err := b.edit(ctx, n, &rep); err != nil {
		return err
	}
	if err := b.fastPath(ctx, n, &rep); err != nil {
		return err
	}
	if err := b.cacheHit(n, &rep); err != nil {
		return err
	}
	fmt.Print(rep.String())
	return nil
}

// inputs makes the sources: a 1920x1080 30 fps clip with detail and a
// tone (about 12 Mb/s, like phone footage), a 4032x3024 phone-size photo,
// a music track, and a 60 s reel that already meets the reels preset.
func (b *bench) inputs() error {
	steps := append(benchkit.EditInputs(b.path), [][]string{
		{"-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=30:duration=60", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
			"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
			"-flags", "+cgop", "-b:v", "8M", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-shortest", "file:" + b.path("reel60.mp4")},
	}...)
	for _, s := range steps {
		if _, err := b.ff(s...); err != nil {
			return err
		}
	}
	return os.WriteFile(b.path("edit.yaml"), []byte(benchkit.EditSpec), 0o644)
}

// naiveArgs is the command a user writes by hand for the same edit
// (benchkit.NaiveEdit), encoding with impress's options enc at x264's
// default preset.
func (b *bench) naiveArgs(out string, enc []string) []string {
	return benchkit.NaiveEdit(b.font, b.path, enc, out)
}

func (b *bench) edit(ctx context.Context, n int, rep *report) error {
	spec, err := render.LoadSpec(b.path("edit.yaml"))
	if err != nil {
		return err
	}
	ours, naive, byHand := b.path("impress.mp4"), b.path("naive.mp4"), b.path("byhand.mp4")
	var sImpress, sNaive, sByHand []sample
	var res *render.Result
	for i := range n {
		fmt.Fprintf(os.Stderr, "edit run %d/%d…\n", i+1, n)
		sm, err := timed(func() (err error) {
			res, err = render.Render(ctx, render.RenderRequest{Spec: spec, FFmpeg: b.ffmpeg, FFprobe: b.ffprobe, Output: ours, TempDir: b.dir}, nil)
			return err
		})
		if err != nil {
			return err
		}
		sImpress = append(sImpress, sm)

		sm, err = timed(func() error { _, err := b.ffRaw(b.naiveArgs(naive, benchkit.EncoderArgs(res.Command))...); return err })
		if err != nil {
			return err
		}
		sNaive = append(sNaive, sm)

		// the very command Render ran, by hand: same argv, output renamed
		// (its text file lives in Render's work dir, gone by now: rewrite it)
		argv := append([]string(nil), res.Command[1:]...)
		argv[len(argv)-1] = "file:" + byHand
		work, err := b.rewriteWorkFiles(argv)
		if err != nil {
			return err
		}
		sm, err = timed(func() error { _, err := b.ffRaw(argv...); return err })
		os.RemoveAll(work)
		if err != nil {
			return err
		}
		sByHand = append(sByHand, sm)
	}
	ssim, err := b.ssim(ours, naive)
	if err != nil {
		return err
	}
	rep.section("4.5 s edit: impress vs the naive single ffmpeg command",
		"1920x1080 clip blur-fitted to 1080x1920 with a title, fade into a zooming 4032x3024 photo, music ducked under the clip audio. Both use impress's output options (CRF 21, 20 Mb/s cap, closed 2 s GOP, AAC 128k); impress encodes with x264 preset faster, the naive command with x264's default (medium).")
	rep.row("impress (render.Render: probe, graph, encode, validate)", sImpress)
	rep.row("naive ffmpeg command (full-size blur, default scalers)", sNaive)
	rep.ratio("impress / naive", sImpress, sNaive, "≤ 0.70")
	rep.row("the ffmpeg command render.Render ran, re-run by hand", sByHand)
	rep.ratio("render.Render / same command by hand", sImpress, sByHand, "≤ 1.05")
	rep.line(fmt.Sprintf("SSIM impress vs naive: **%s** (goal ≥ 0.95)", ssim))
	rep.code("impress's command", render.ShellJoin(res.Command))
	rep.code("naive command", "ffmpeg "+render.ShellJoin(b.naiveArgs("naive.mp4", benchkit.EncoderArgs(res.Command))))
	return nil
}

// rewriteWorkFiles recreates the text files an argv's graph reads (Render
// removed its private work dir) from the spec, and returns that dir.
func (b *bench) rewriteWorkFiles(argv []string) (string, error) {
	for _, a := range argv {
		i := strings.Index(a, "textfile=")
		if i < 0 {
			continue
		}
		p := a[i+len("textfile="):]
		p = p[:strings.IndexAny(p, ":[")] // the next option or the end of the filter
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", err
		}
		return filepath.Dir(p), os.WriteFile(p, []byte("Summer sale"), 0o600)
	}
	return "", nil
}

func (b *bench) fastPath(ctx context.Context, n int, rep *report) error {
	in, out, plain := b.path("reel60.mp4"), b.path("fast.mp4"), b.path("plain.mp4")
	var sFast, sPlain []sample
	for i := range n {
		fmt.Fprintf(os.Stderr, "fast path run %d/%d…\n", i+1, n)
		var res *render.Result
		sm, err := timed(func() (err error) {
			res, err = render.Render(ctx, render.RenderRequest{Input: in, Preset: "reels", FFmpeg: b.ffmpeg, FFprobe: b.ffprobe, Output: out}, nil)
			return err
		})
		if err != nil {
			return err
		}
		if !res.FastPath {
			return fmt.Errorf("60 s reel did not take the fast path: %v", res.Reasons)
		}
		sFast = append(sFast, sm)
		sm, err = timed(func() error {
			_, err := b.ffRaw("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", in, "-c", "copy", "-movflags", "+faststart", plain)
			return err
		})
		if err != nil {
			return err
		}
		sPlain = append(sPlain, sm)
	}
	same, err := b.sameVideo(in, out)
	if err != nil {
		return err
	}
	rep.section("Fast path: a 60 s compliant reel",
		"render.Render with Input (sniff; ffprobe and a speculative remux at once; conformance; faststart, no edit list; validate the output) against the plain remux.")
	rep.row("impress fast path (render.Render)", sFast)
	rep.row("ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4", sPlain)
	rep.ratio("impress / plain remux", sFast, sPlain, "≤ 1.5 (aim 1.2)")
	rep.line(fmt.Sprintf("video bitstream identical (streamhash): **%v**", same))
	return nil
}

// cacheHit times what the render package does for a cache lookup of an
// unchanged 60 s spec: parse and resolve it, write its canonical bytes,
// hash the input files, compute the key. (The daemon adds a store read.)
func (b *bench) cacheHit(n int, rep *report) error {
	spec := "version: 1\nname: cached\nclips:\n  - video: reel60.mp4\n"
	if err := os.WriteFile(b.path("cached.yaml"), []byte(spec), 0o644); err != nil {
		return err
	}
	var ts []sample
	var key string
	for range max(n, 5) {
		start, c0 := time.Now(), cpuUsed()
		s, err := render.LoadSpec(b.path("cached.yaml"))
		if err != nil {
			return err
		}
		canon, err := render.MarshalSpec(s)
		if err != nil {
			return err
		}
		var hashes []string
		for _, p := range s.MediaPaths() {
			h, err := fileSHA256(p)
			if err != nil {
				return err
			}
			hashes = append(hashes, h)
		}
		key = render.CacheKey(canon, hashes, "reels", "5.1")
		ts = append(ts, sample{Wall: time.Since(start), CPU: cpuUsed() - c0})
	}
	fi, _ := os.Stat(b.path("reel60.mp4"))
	rep.section("Cache hit on an unchanged 60 s spec (render side)",
		fmt.Sprintf("LoadSpec + MarshalSpec + sha256 of the %.1f MB input + CacheKey; the daemon's store lookup is not included.", float64(fi.Size())/(1<<20)))
	rep.row("key "+key[:12]+"… (goal < 0.2 s)", ts)
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (b *bench) ssim(a, ref string) (string, error) { return benchkit.SSIM(b.ffmpeg, a, ref) }

func (b *bench) sameVideo(a, c string) (bool, error) { return benchkit.SameVideo(b.ffmpeg, a, c) }

func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// ff runs ffmpeg with quiet defaults.
func (b *bench) ff(args ...string) (string, error) {
	return b.ffRaw(append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)...)
}

// ffRaw runs ffmpeg with exactly args and returns its stderr.
func (b *bench) ffRaw(args ...string) (string, error) {
	cmd := exec.Command(b.ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String(), nil
}

// sample is one timed run: wall clock and the CPU time (user+system) it
// took, in this process and the child processes it waited for (ffmpeg,
// ffprobe). On a shared machine
// the wall time moves with the load; the CPU time is the work done.
type sample = benchkit.Sample

// cpuUsed is the CPU time of this process (Render's own Go work) plus its
// finished children.
func cpuUsed() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}

// timed runs f and measures it.
func timed(f func() error) (sample, error) {
	c0, t0 := cpuUsed(), time.Now()
	err := f()
	return sample{Wall: time.Since(t0), CPU: cpuUsed() - c0}, err
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

type report struct{ b strings.Builder }

func (r *report) header(tc *render.Toolchain, n int) {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	cpu := benchkit.CPUModel()
	fmt.Fprintf(&r.b, "Run %s on %s: %d CPUs (%s), %s/%s, ffmpeg %s, Go %s; load average at start: %s; median of %d runs.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH,
		tc.FFmpegVersion, runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "), n)
}

func (r *report) section(title, what string) {
	fmt.Fprintf(&r.b, "\n#### %s\n\n%s\n\n| what | wall time | CPU time |\n|---|---|---|\n", title, what)
}

func (r *report) row(what string, ss []sample) {
	fmt.Fprintf(&r.b, "| %s | %s | %s |\n", what, secsStr(median(benchkit.Walls(ss))), secsStr(median(benchkit.CPUs(ss))))
}

func (r *report) ratio(what string, a, b []sample, goal string) {
	q := func(x, y time.Duration) string {
		return strconv.FormatFloat(x.Seconds()/y.Seconds(), 'f', 2, 64) + "×"
	}
	fmt.Fprintf(&r.b, "| **%s** (goal %s) | **%s** | **%s** |\n", what, goal,
		q(median(benchkit.Walls(a)), median(benchkit.Walls(b))), q(median(benchkit.CPUs(a)), median(benchkit.CPUs(b))))
}

func (r *report) line(s string) { fmt.Fprintf(&r.b, "\n%s\n", s) }

func (r *report) code(title, s string) {
	fmt.Fprintf(&r.b, "\n<details><summary>%s</summary>\n\n```\n%s\n```\n</details>\n", title, s)
}

func secsStr(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s" }

func (r *report) String() string { return r.b.String() }
