package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/store"
)

// Server is the daemon's state and local API handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	logFile *rotatingFile
	red     *redact.Redactor
	started time.Time

	mu       sync.RWMutex
	settings *config.Settings

	db       *store.DB // nil in recovery state
	state    string    // "ok" | "recovery"
	storeErr error

	jobs     *jobRunner
	shutdown context.CancelFunc

	// services started by feature files (render queue, token refresher,
	// scheduler, sweeper, public listener), stopped in reverse order.
	stops []func(context.Context)

	// render is the render feature's state (render.go).
	render *renderState

	// pub is the publish feature's state (publish.go).
	pub *publisher

	// auth is the login and token state (auth.go, tokens.go); its zero
	// value is ready.
	auth authState

	// comm is the community feature's state: public endpoint, event
	// followers, cache lock (community.go, public.go, webhooks.go); its
	// zero value is ready.
	comm communityState

	// privacy is the privacy feature's state: purge worker, progress
	// subscribers, retention sweeper (privacy*.go); its zero value is ready.
	privacy privacyState
}

// Settings returns the current settings (they change on reload).
func (s *Server) Settings() *config.Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings
}

// Handler is the local API with its hardening middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.coreRoutes(mux)
	s.featureRoutes(mux)
	return s.harden(mux)
}

// harden refuses what no impress client sends: an Origin or Referer (a
// browser), or a Host other than api.Host (DNS rebinding). It also recovers
// from handler panics so one bad request cannot take the daemon down.
func (s *Server) harden(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" || r.Host != api.Host {
			s.log.Warn("refused local API request", "host", r.Host, "origin", r.Header.Get("Origin"), "path", r.URL.Path)
			writeError(w, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden,
				Message: "invalid local API request: browsers and foreign hosts are refused"})
			return
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "path", r.URL.Path, "panic", v)
				writeError(w, api.Errorf(api.CodeInternal, "internal error in %s; see the daemon log", r.URL.Path))
			}
		}()
		r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
		next.ServeHTTP(w, r)
	})
}

// needStore wraps handlers that use the store: in recovery state they
// answer store_recovery with the fix instead of touching a corrupt file.
func (s *Server) needStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.db == nil {
			writeError(w, &api.Error{Code: api.CodeRecovery,
				Message: "the store failed its consistency check: " + s.storeErr.Error(),
				Hint:    "run `impress doctor` for the recovery steps"})
			return
		}
		h(w, r)
	}
}

func (s *Server) coreRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/ping", s.ping)
	mux.HandleFunc("POST /v1/shutdown", s.shutdownHandler)
	mux.HandleFunc("POST /v1/config/reload", s.reload)
	mux.HandleFunc("GET /v1/health", s.health)
	mux.HandleFunc("GET /v1/account", s.needStore(s.getAccount))
	mux.HandleFunc("PATCH /v1/account", s.needStore(s.patchAccount))
	mux.HandleFunc("GET /v1/jobs", s.needStore(s.listJobs))
	mux.HandleFunc("GET /v1/jobs/{id}", s.needStore(s.getJob))
	mux.HandleFunc("GET /v1/jobs/{id}/events", s.needStore(s.jobEvents))
	mux.HandleFunc("POST /v1/jobs/{id}/cancel", s.needStore(s.cancelJob))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, api.Errorf(api.CodeNotFound, "no such local API endpoint: %s %s (is the CLI newer than the daemon? run `impress version`)", r.Method, r.URL.Path))
	})
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, api.Ping{
		Version:   s.cfg.Version,
		PID:       os.Getpid(),
		State:     s.state,
		StartedAt: s.started,
		Socket:    s.cfg.Paths.Socket,
		DataDir:   s.cfg.Paths.DataDir,
		StateDir:  s.cfg.Paths.StateDir,
		LogFile:   s.cfg.Paths.LogFile(),
	})
}

func (s *Server) shutdownHandler(w http.ResponseWriter, r *http.Request) {
	s.log.Info("shutdown requested over the local API")
	writeJSON(w, http.StatusOK, map[string]string{"status": "stopping"})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	go s.shutdown()
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Load()
	if err != nil {
		writeError(w, api.Errorf(api.CodeInvalid, "reload config: %v", err))
		return
	}
	s.mu.Lock()
	s.settings = st
	s.mu.Unlock()
	for _, k := range []string{"meta.app_secret", "meta.webhook_verify_token"} {
		if v := st.String(k); v != "" {
			s.red.Add(v)
		}
	}
	s.log.Info("config reloaded", "file", st.File())
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	h := api.Health{Store: api.Check{Name: "store", Status: "OK", Detail: s.cfg.Paths.DBFile()}}
	if s.db == nil {
		h.Store = api.Check{Name: "store", Status: "FAIL",
			Detail: s.storeErr.Error(),
			Fix: "stop the daemon (`impress daemon stop`), move " + s.cfg.Paths.DBFile() +
				" aside (e.g. `mv " + s.cfg.Paths.DBFile() + " " + s.cfg.Paths.DBFile() + ".corrupt`) and start again; " +
				"an expert can try `bbolt surgery revert-meta-page` on the copy"}
	} else if v, err := s.db.Version(); err == nil {
		size, _ := s.db.Size()
		h.Store.Detail = s.cfg.Paths.DBFile() + " (schema " + strconv.FormatUint(v, 10) + ", " + strconv.FormatInt(size/1024, 10) + " KiB)"
	}
	for _, k := range s.Settings().UnknownFileKeys() {
		h.Checks = append(h.Checks, api.Check{Name: "config", Status: "WARN", Detail: "unknown key " + k + " in " + s.Settings().File(),
			Fix: "remove it or fix the spelling; `impress config list` shows the keys"})
	}
	h.Checks = append(h.Checks, s.featureHealth()...)
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.db.Account()
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, accountToAPI(a))
}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) {
	var u api.AccountUpdate
	if !decodeBody(w, r, &u) {
		return
	}
	a, err := s.db.UpdateAccount(func(a *store.Account) {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&a.Email, u.Email)
		set(&a.Company, u.Company)
		set(&a.Store, u.Store)
		set(&a.Contact, u.Contact)
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, accountToAPI(a))
}

func accountToAPI(a store.Account) api.Account {
	return api.Account{Email: a.Email, Company: a.Company, Store: a.Store, Contact: a.Contact, UpdatedAt: a.UpdatedAt}
}

// fail writes err as a wire error: *api.Error as is, store.ErrNotFound as
// not_found, anything else as internal (logged, with the log's path).
func (s *Server) fail(w http.ResponseWriter, err error) {
	if e, ok := api.AsError(err); ok {
		writeError(w, e)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, api.Errorf(api.CodeNotFound, "%s", err.Error()))
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		writeError(w, api.Errorf(api.CodeCancelled, "%s", s.red.String(err.Error())))
		return
	}
	s.log.Error("request failed", "err", err)
	writeError(w, &api.Error{Code: api.CodeInternal, Message: s.red.String(err.Error()),
		Hint: "details are in " + s.cfg.Paths.LogFile()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// statusFor maps a wire code to an HTTP status.
func statusFor(code string) int {
	switch code {
	case api.CodeInvalid:
		return http.StatusBadRequest
	case api.CodeNotFound:
		return http.StatusNotFound
	case api.CodeConflict:
		return http.StatusConflict
	case api.CodeForbidden:
		return http.StatusForbidden
	case api.CodeLoginNeeded:
		return http.StatusUnauthorized
	case api.CodeRejected:
		return http.StatusUnprocessableEntity
	case api.CodeTransient:
		return http.StatusServiceUnavailable
	case api.CodeCancelled:
		return 499
	case api.CodeRecovery:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

func writeError(w http.ResponseWriter, e *api.Error) {
	status := e.Status
	if status == 0 {
		status = statusFor(e.Code)
	}
	writeJSON(w, status, map[string]*api.Error{"error": e})
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, api.Errorf(api.CodeInvalid, "bad request body: %v", err))
		return false
	}
	return true
}

// ndjson writes a stream of events, one JSON object per line, flushed as
// they come. After the first write the status is 200, so errors travel
// in-band as {"error":…} (see package api).
type ndjson struct {
	w       http.ResponseWriter
	f       http.Flusher
	started bool
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	f, _ := w.(http.Flusher)
	return &ndjson{w: w, f: f}
}

// Start sends the status and headers now, before any event: a follower
// that may wait long for the first one knows at once that it is connected.
func (n *ndjson) Start() {
	n.header()
	if n.f != nil {
		n.f.Flush()
	}
}

func (n *ndjson) header() {
	if !n.started {
		n.w.Header().Set("Content-Type", "application/x-ndjson")
		n.w.WriteHeader(http.StatusOK)
		n.started = true
	}
}

func (n *ndjson) Send(v any) error {
	n.header()
	if err := json.NewEncoder(n.w).Encode(v); err != nil {
		return err
	}
	if n.f != nil {
		n.f.Flush()
	}
	return nil
}

func (n *ndjson) Error(e *api.Error) {
	if !n.started {
		writeError(n.w, e)
		return
	}
	n.Send(map[string]*api.Error{"error": e})
}
