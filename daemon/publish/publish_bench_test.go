package publish

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/projects"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// BenchmarkPublishUpload1GiB measures the daemon's peak RSS growth while it
// hashes and uploads a 1 GiB file (issue 5: under 32 MiB): the publish
// job's own code path (hashFile, pubRun.uploadFile → meta.Upload) runs in
// this process; the rupload end that receives the bytes runs in a child
// process so that its memory is not counted. It is a sink speaking
// rupload's protocol, because the sandbox rightly refuses files over 300
// MB. The peak is Linux's VmHWM, reset through /proc/self/clear_refs
// before the work.
//
//	go test ./daemon -run '^$' -bench PublishUpload1GiB -benchtime 1x
func BenchmarkPublishUpload1GiB(b *testing.B) {
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		b.Skip("needs Linux /proc to measure peak RSS")
	}
	url, stop := startSinkChild(b)
	defer stop()
	cl, err := meta.New(meta.Config{Flavour: meta.FlavourFacebook, Endpoint: url, TokenSource: meta.StaticToken("bench-token-0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	big := filepath.Join(dir, "big.mp4")
	f, err := os.Create(big)
	if err != nil {
		b.Fatal(err)
	}
	const size = 1 << 30
	if err := f.Truncate(size); err != nil { // sparse: no disk, same bytes to read
		b.Fatal(err)
	}
	f.Close()

	db, err := store.Open(filepath.Join(dir, "impress.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, _ := config.Load(config.LoadOptions{File: filepath.Join(dir, "none.yaml"), Env: func(string) string { return "" }})
	d := feature.Deps{DB: db, Red: &redact.Redactor{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SettingsFn: func() *config.Settings { return st }}
	d.Jobs = d.NewJobs()
	s := New(d, nil, projects.New(d), nil)
	p := &publisher{s: s, quota: newQuotaGate(), pace: newPacer()}
	ctx := context.Background()

	var growth, seconds float64
	for i := 0; i < b.N; i++ {
		job, err := db.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobRunning}, false)
		if err != nil {
			b.Fatal(err)
		}
		c := meta.Container{ID: fmt.Sprint("1790000000000", i)}
		r := &pubRun{p: p, jp: s.Jobs.ProgressOf(job.ID), id: job.ID, t: s.pubTimings(),
			acct: &pubAccount{Client: cl, Conn: "bench", IGUser: "17841400000000001", Flavour: meta.FlavourFacebook},
			d:    api.PublishDetail{Connection: "bench"}}
		it := &api.PublishItem{Target: "big.mp4", File: big, Size: size, Kind: mediastore.KindVideo, UploadURI: c.UploadURI}

		base := resetPeakRSS(b)
		start := time.Now()
		sum, err := s.renderer.HashFile(ctx, big)
		if err != nil {
			b.Fatal(err)
		}
		it.SHA256 = sum
		if err := r.uploadFile(ctx, it, c.ID, 0); err != nil {
			b.Fatal(err)
		}
		seconds = time.Since(start).Seconds()
		peak := procStatusKB(b, "VmHWM")
		growth = float64(peak-base) / 1024
		s.renderer = projects.New(d) // the next round hashes again
	}
	b.ReportMetric(growth, "MiB-peak-RSS-growth")
	b.ReportMetric(float64(size)/(1<<20)/seconds, "MiB/s-hash+upload")
	if growth >= 32 {
		b.Errorf("peak RSS grew by %.1f MiB hashing and uploading 1 GiB; the limit is 32 MiB", growth)
	}
}

// resetPeakRSS collects garbage, resets VmHWM to the current RSS and
// returns that RSS in KiB.
func resetPeakRSS(b *testing.B) int64 {
	b.Helper()
	for range 2 {
		runtime.GC()
	}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
	return procStatusKB(b, "VmRSS")
}

func procStatusKB(b *testing.B, field string) int64 {
	b.Helper()
	data := testkit.ReadFile(b, "/proc/self/status")
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// TestPublishUploadSinkChild serves rupload for the upload benchmark from
// a child process: every POST body is read and dropped, and the answer is
// rupload's success. It prints its URL and serves until stdin closes.
func TestPublishUploadSinkChild(t *testing.T) {
	if os.Getenv("IMPRESS_PUBLISH_SINK_CHILD") == "" {
		t.Skip("only runs as the upload benchmark's child")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		if want, _ := strconv.ParseInt(r.Header.Get("file_size"), 10, 64); r.Method != http.MethodPost || n != want {
			http.Error(w, `{"debug_info":{"retriable":false,"type":"ProcessingFailedError","message":"short body"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"message":"Upload successful."}`)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Printf("SINK http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
}

func startSinkChild(b *testing.B) (string, func()) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublishUploadSinkChild$", "-test.v")
	cmd.Env = append(os.Environ(), "IMPRESS_PUBLISH_SINK_CHILD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() { stdin.Close(); cmd.Wait() }
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "SINK "); ok {
			go io.Copy(io.Discard, out)
			return u, stop
		}
	}
	stop()
	b.Fatal("the sink child printed no URL")
	return "", nil
}
