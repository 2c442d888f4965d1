package daemon

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"time"
)

// pprofEnv turns on Go's profiler on the local API socket:
// `IMPRESS_PPROF=1 impress daemon start` (or any command that starts the
// daemon), then for example
//
//	curl --unix-socket "$SOCK" 'http://impress.sock/debug/pprof/profile?seconds=10' > cpu.pprof
//	go tool pprof -top cpu.pprof
//
// It is for finding where the daemon's time goes (docs/BENCHMARKS.md). The
// endpoints are only on the unix socket, behind the same peer-credential
// and Host/Origin checks as every local route, and never on the public
// listener; they are off by default. (net/http/pprof is not used: its
// init registers handlers on the default mux in every command.)
const pprofEnv = "IMPRESS_PPROF"

// maxProfileSeconds bounds one CPU profile or trace.
const maxProfileSeconds = 300

// pprofRoutes mounts the profiler when cfg asks for it or pprofEnv is "1":
//
//	GET /debug/pprof/profile?seconds=N   CPU profile (default 10 s)
//	GET /debug/pprof/trace?seconds=N     execution trace (default 5 s)
//	GET /debug/pprof/{name}              heap, allocs, goroutine, block, mutex, threadcreate
func (s *Server) pprofRoutes(mux *http.ServeMux) {
	if !s.cfg.Pprof && os.Getenv(pprofEnv) != "1" {
		return
	}
	mux.HandleFunc("GET /debug/pprof/profile", timedProfile("cpu profile", 10, pprof.StartCPUProfile, pprof.StopCPUProfile))
	mux.HandleFunc("GET /debug/pprof/trace", timedProfile("trace", 5, trace.Start, trace.Stop))
	mux.HandleFunc("GET /debug/pprof/{name}", func(w http.ResponseWriter, r *http.Request) {
		p := pprof.Lookup(r.PathValue("name"))
		if p == nil {
			http.Error(w, "no such profile; try heap, allocs, goroutine, block, mutex, threadcreate", http.StatusNotFound)
			return
		}
		debug, _ := strconv.Atoi(r.URL.Query().Get("debug"))
		w.Header().Set("Content-Type", "application/octet-stream")
		if debug > 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		if err := p.WriteTo(w, debug); err != nil {
			fmt.Fprintf(w, "\nprofile %s: %v\n", p.Name(), err)
		}
	})
	s.Log.Info("profiler on the local socket", "path", "/debug/pprof/", "env", pprofEnv)
}

// timedProfile serves a profile that records for a while (the CPU profile,
// the execution trace): start writing to the client, record for ?seconds=
// (default def) or until the client goes away, then stop. Only one of each
// may run at a time in the process, so a second start is a conflict.
func timedProfile(what string, def int, start func(io.Writer) error, stop func()) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := profileSeconds(r, def)
		if err := start(w); err != nil {
			http.Error(w, what+": "+err.Error(), http.StatusConflict)
			return
		}
		sleepCtx(r, d)
		stop()
	}
}

func profileSeconds(r *http.Request, def int) time.Duration {
	n, err := strconv.Atoi(r.URL.Query().Get("seconds"))
	if err != nil || n <= 0 {
		n = def
	}
	return time.Duration(min(n, maxProfileSeconds)) * time.Second
}

// sleepCtx waits d or until the client goes away.
func sleepCtx(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}
