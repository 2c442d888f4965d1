// Command publishbench measures issue 5's publish throughput goal: N
// publishes (default 50) with a latency injected into every Graph call
// (default 100 ms) at concurrency C (default 8), against the ideal for that
// latency and call count:
//
//	ideal = ceil(N / C) × (Graph calls per publish) × latency
//
// The daemon runs in this process on a throw-away IMPRESS_HOME with its
// shipped defaults (publish.concurrency set to C), logged in to an offline
// sandbox with a Facebook Login token (resumable upload); the client does
// what `impress publish --manifest --concurrency C` does: one
// reconciliation of the run against the account's live media (-live posts
// are already there, inside the window; the listing pages through them),
// then C publishes in flight. -manifest=false publishes ad hoc, without the
// reconciliation. Calls are counted at the sandbox: Graph calls (the
// listing's pages included) and the rupload POST, which gets the injected
// latency too.
//
// Usage: go run ./bench/publishbench [-n 50] [-c 8] [-latency 100ms] [-runs 3] [-live 100] [-manifest=true]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/bench/internal/benchkit"
	"github.com/impress-dev/impress/daemon"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta/sandbox"
)

func main() {
	n := flag.Int("n", 50, "publishes per run")
	c := flag.Int("c", 8, "publishes in flight (and publish.concurrency)")
	lat := flag.Duration("latency", 100*time.Millisecond, "latency injected into every Graph call")
	runs := flag.Int("runs", 3, "runs (median reported)")
	flag.IntVar(&livePosts, "live", 100, "posts already live on the account, inside the reconciliation window")
	flag.BoolVar(&manifest, "manifest", true, "reconcile the run first, as a manifest does")
	flag.Parse()
	if pf := os.Getenv("PUBBENCH_CPUPROFILE"); pf != "" {
		f, _ := os.Create(pf)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *c, *lat, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "publishbench:", err)
		os.Exit(1)
	}
}

var (
	livePosts int
	manifest  bool
)

type result struct {
	total, ideal time.Duration
	perPublish   float64
}

func run(n, conc int, lat time.Duration, runs int) error {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return fmt.Errorf("ffmpeg is needed to make the clip: %w", err)
	}
	os.Setenv("IMPRESS_KEYRING", "file") // never the OS keyring
	var results []result
	for i := 0; i < runs; i++ {
		r, err := once(ff, n, conc, lat)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "run %d: %s for %d publishes (%.2f calls each), ideal %s, ratio %.3f\n",
			i+1, r.total.Round(time.Millisecond), n, r.perPublish, r.ideal.Round(time.Millisecond), float64(r.total)/float64(r.ideal))
		results = append(results, r)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].total < results[j].total })
	med := results[len(results)/2]
	host, _ := os.Hostname()
	fmt.Printf("## Publishing: %d publishes at concurrency %d with %s per Meta call\n\n", n, conc, lat)
	fmt.Printf("Goal (issue 5): total time within 1.3× of the ideal for that latency and call count.\n\n")
	fmt.Printf("`go run ./bench/publishbench -n %d -c %d -latency %s -runs %d -live %d -manifest=%t` (%s, %d CPU, %s, %s/%s):\n\n",
		n, conc, lat, runs, livePosts, manifest, host, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("| runs | Meta calls per publish | ideal ceil(%d/%d)×calls×%s | measured (median) | ratio |\n|---|---|---|---|---|\n", n, conc, lat)
	all := make([]string, 0, len(results))
	for _, r := range results {
		all = append(all, r.total.Round(time.Millisecond).String())
	}
	fmt.Printf("| %s | %.2f | %s | %s | %.3f |\n", strings.Join(all, ", "), med.perPublish, med.ideal.Round(time.Millisecond),
		med.total.Round(time.Millisecond), float64(med.total)/float64(med.ideal))
	return nil
}

func once(ff string, n, conc int, lat time.Duration) (result, error) {
	home, err := os.MkdirTemp("", "impress-pubbench.")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(home)
	clip := filepath.Join(home, "reel.mp4")
	mk := exec.Command(ff, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-use_editlist", "0", "-shortest", "file:"+clip)
	if out, err := mk.CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("make the clip: %v: %s", err, out)
	}

	// Pages as large as Meta serves them (100): the listing asks 50.
	sb := sandbox.New(sandbox.Options{Seed: 1, ProcessingTime: -1, MaxPageSize: 100})
	for i := range livePosts {
		if _, err := sb.AddMedia(sandbox.ElsewherePost{Caption: fmt.Sprintf("earlier post %d", i),
			Ago: sandbox.Duration(time.Duration(i+1) * time.Hour)}); err != nil {
			return result{}, err
		}
	}
	cnt := &benchkit.CallCounter{H: sb}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	hs := &http.Server{Handler: cnt}
	go hs.Serve(ln)
	defer func() { hs.Close(); sb.Close() }()

	env := map[string]string{
		"IMPRESS_HOME":                home,
		"IMPRESS_META_ENDPOINT":       "http://" + ln.Addr().String(),
		"IMPRESS_META_APP_ID":         sb.AppID(),
		"IMPRESS_META_APP_SECRET":     sb.AppSecret(),
		"IMPRESS_PUBLISH_CONCURRENCY": strconv.Itoa(conc),
	}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "PATH" || k == "HOME" {
			return os.Getenv(k)
		}
		return ""
	}
	paths, err := config.ResolvePaths(getenv)
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Config{Paths: paths, Version: "bench", Stderr: io.Discard,
			Load: func() (*config.Settings, error) {
				return config.Load(config.LoadOptions{File: paths.ConfigFile, Env: getenv})
			}})
	}()
	defer func() { cancel(); <-done }()
	c := api.NewClient(paths.Socket)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if _, err := c.Ping(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("the daemon did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tok, err := sb.IssueToken(sandbox.TokenRequest{Flavour: "facebook"})
	if err != nil {
		return result{}, err
	}
	if _, err := c.LoginWithToken(ctx, api.TokenLogin{Connection: "main", Token: tok, Flavor: "facebook", Account: sandbox.IGCreatorID}); err != nil {
		return result{}, fmt.Errorf("login: %w", err)
	}
	sb.SetLatency(lat)
	cnt.Reset()

	start := time.Now()
	reqs := make([]api.PublishRequest, n)
	for i := range reqs {
		reqs[i] = api.PublishRequest{Targets: []string{clip}, Caption: ptr(fmt.Sprintf("bench %d", i))}
	}
	if manifest {
		ans, err := c.Reconcile(ctx, api.ReconcileRequest{Items: reqs})
		if err != nil {
			return result{}, fmt.Errorf("reconcile: %w", err)
		}
		for i, v := range ans.Items {
			if v.Outcome != api.ReconcileNotLive {
				return result{}, fmt.Errorf("item %d: %s", i, v.Outcome)
			}
			reqs[i].Reconciled = true
		}
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := c.Publish(ctx, reqs[i])
			if err != nil {
				errs <- err
				return
			}
			if err := waitDone(ctx, c, res.Job.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	close(errs)
	for err := range errs {
		return result{}, err
	}
	if got := len(sb.Published()); got != n {
		return result{}, fmt.Errorf("the sandbox holds %d media for %d publishes", got, n)
	}
	per := float64(cnt.Calls()) / float64(n)
	rounds := math.Ceil(float64(n) / float64(conc))
	ideal := time.Duration(rounds * per * float64(lat))
	return result{total: total, ideal: ideal, perPublish: per}, nil
}

// waitDone follows a job to its end through the events stream.
func waitDone(ctx context.Context, c *api.Client, id string) error {
	var final *api.Job
	err := c.WatchJob(ctx, id, func(ev api.JobEvent) error {
		if ev.Job != nil {
			final = ev.Job
		}
		return nil
	})
	if err != nil {
		return err
	}
	if final == nil || final.State != api.JobDone {
		return fmt.Errorf("job %s did not publish: %+v", id, final)
	}
	return nil
}

func ptr(s string) *string { return &s }
