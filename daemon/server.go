package daemon

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/auth"
	"github.com/impress-dev/impress/daemon/community"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/privacy"
	"github.com/impress-dev/impress/daemon/projects"
	"github.com/impress-dev/impress/daemon/publish"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/shell"
	"github.com/impress-dev/impress/store"
)

// Server is the daemon's state and local API handler.
type Server struct {
	// Deps are the store, log, redactor, clock and job runner every
	// feature is built with; the root uses them too.
	feature.Deps

	cfg     Config
	started time.Time

	// mu guards settings. Lock order: innermost — any code may read the
	// settings while holding its own locks, and nothing is taken under mu.
	mu       sync.RWMutex
	settings *config.Settings
	// startSettings are the settings the daemon started with: the values
	// in use of the keys read only at start (config.Key.StartOnly).
	startSettings *config.Settings

	state    string // "ok" | "recovery"
	shutdown context.CancelFunc
	// stopping is set when Run begins to stop (new work is refused, ping
	// says "stopping"); storeClosed once the store is closed (only ping
	// answers until the socket closes).
	stopping, storeClosed atomic.Bool

	// healthShare is the one health check in flight and the last result
	// (health.go).
	healthShare healthShare

	// feats is the feature table (features.go).
	feats []feature.Feature

	// stops are the Stop of each started feature, run in reverse order.
	stops []func(context.Context)

	// accounts is the auth feature (connections, tokens, Graph clients).
	accounts *auth.Service

	// projects is the projects feature (projects, renders, the media store).
	projects *projects.Service

	// publish is the publish feature.
	publish *publish.Service

	// community is the community feature, which owns the public listener.
	community *community.Service

	// privacy is the privacy feature (purge, export, retention).
	privacy *privacy.Service
}

// serverOptions are the features' test seams; Run passes the zero value
// (the real thing).
type serverOptions struct {
	Auth    auth.Options
	Privacy privacy.Options
}

// newServer builds the daemon's root on d's store (nil in recovery state),
// log, log file and redactor: it fills in the rest of d (paths, settings,
// clock, the job runner) and builds every feature with it. Run uses it, and
// so do tests.
func newServer(cfg Config, settings *config.Settings, d feature.Deps, o serverOptions) *Server {
	s := &Server{cfg: cfg, settings: settings, startSettings: settings, state: "ok"}
	if d.DB == nil {
		s.state = "recovery"
	}
	d.Paths, d.SettingsFn, d.Clock = cfg.Paths, s.Settings, cfg.Now
	s.Deps = d
	s.Jobs = s.NewJobs()
	s.accounts = auth.New(s.Deps, o.Auth)
	s.projects = projects.New(s.Deps)
	s.community = community.New(s.Deps, s.accounts)
	s.publish = publish.New(s.Deps, s.accounts, s.projects, s.community)
	s.privacy = privacy.New(s.Deps, s.accounts, s.projects, s.community, o.Privacy)
	s.started = s.Now().UTC()
	s.feats = s.features()
	return s
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
	s.pprofRoutes(mux)
	return s.harden(mux)
}

// harden refuses what no impress client sends: an Origin or Referer (a
// browser), or a Host other than api.Host (DNS rebinding). It also recovers
// from handler panics so one bad request cannot take the daemon down.
func (s *Server) harden(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" || r.Host != api.Host {
			s.Log.Warn("refused local API request", "host", r.Host, "origin", r.Header.Get("Origin"), "path", r.URL.Path)
			httpx.WriteError(w, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden,
				Message: "invalid local API request: browsers and foreign hosts are refused"})
			return
		}
		defer httpx.Recover(r, s.Log, "handler panic", func() {
			httpx.WriteError(w, api.Errorf(api.CodeInternal, "internal error in %s; see the daemon log", r.URL.Path))
		})
		r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
		if s.stopping.Load() && r.URL.Path != "/v1/ping" {
			if s.storeClosed.Load() {
				// the store is gone: drop the connection, which a client
				// takes for a daemon that went away (and reconnects)
				panic(http.ErrAbortHandler)
			}
			if r.Method != http.MethodGet && r.URL.Path != "/v1/shutdown" {
				httpx.WriteError(w, &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeTransient,
					Message: "the daemon is stopping; nothing was started", Hint: "run the command again once `impress daemon status` says it is not running (the next command starts it)"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) coreRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/ping", s.ping)
	mux.HandleFunc("POST /v1/shutdown", s.shutdownHandler)
	mux.HandleFunc("POST /v1/config/reload", s.reload)
	mux.HandleFunc("GET /v1/health", s.health)
	mux.HandleFunc("GET /v1/account", s.NeedStore(s.getAccount))
	mux.HandleFunc("PATCH /v1/account", s.NeedStore(s.patchAccount))
	s.Jobs.Routes(mux, s.NeedStore)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, api.Errorf(api.CodeNotFound, "no such local API endpoint: %s %s (is the CLI newer than the daemon? run `impress version`)", r.Method, r.URL.Path))
	})
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, api.Ping{
		Version:   s.cfg.Version,
		PID:       os.Getpid(),
		State:     s.pingState(),
		StartedAt: s.started,
		Socket:    s.Paths.Socket,
		DataDir:   s.Paths.DataDir,
		StateDir:  s.Paths.StateDir,
		LogFile:   s.Paths.LogFile(),
	})
}

// pingState is the daemon's state for ping and `daemon status`.
func (s *Server) pingState() string {
	if s.stopping.Load() {
		return "stopping"
	}
	return s.state
}

func (s *Server) shutdownHandler(w http.ResponseWriter, r *http.Request) {
	s.Log.Info("shutdown requested over the local API")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "stopping"})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	go s.shutdown()
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Load()
	if err != nil {
		httpx.WriteError(w, api.Errorf(api.CodeInvalid, "reload config: %v", err))
		return
	}
	s.mu.Lock()
	s.settings = st
	s.mu.Unlock()
	addSecrets(s.Red, st)
	s.healthShare.invalidate() // tool paths may have changed
	s.reloadServices(r.Context())
	res := api.Reloaded{Status: "reloaded", RestartNeeded: []string{}}
	for _, k := range config.Keys {
		if k.StartOnly && st.Value(k) != s.startSettings.Value(k) {
			res.RestartNeeded = append(res.RestartNeeded, k.Name)
		}
	}
	s.Log.Info("config reloaded", "file", st.File(), "restart_needed", res.RestartNeeded)
	httpx.WriteJSON(w, http.StatusOK, res)
}

// effectiveSettings are the values the daemon runs with, secrets left
// out: a key read only at start keeps its value from then.
func (s *Server) effectiveSettings() []api.Setting {
	cur := s.Settings()
	out := make([]api.Setting, 0, len(config.Keys))
	for _, k := range config.Keys {
		if k.Secret {
			continue
		}
		from := cur
		if k.StartOnly {
			from = s.startSettings
		}
		out = append(out, api.Setting{Key: k.Name, Value: from.Value(k)})
	}
	return out
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	h := api.Health{Store: api.Check{Name: "store", Status: "OK", Detail: s.Paths.DBFile()}}
	if s.DB == nil {
		h.Store = api.Check{Name: "store", Status: "FAIL",
			Detail: s.StoreErr.Error(),
			Fix: "move the store aside and start on a new, empty one: `impress daemon stop && " +
				shell.Line("mv", s.Paths.DBFile(), s.Paths.DBFile()+".corrupt") + " && impress daemon start`; " +
				"the moved file keeps everything for a recovery (an expert can try bbolt's surgery revert-meta-page on a copy of it)"}
	} else if v, err := s.DB.Version(); err == nil {
		size, _ := s.DB.Size()
		h.Store.Detail = s.Paths.DBFile() + " (schema " + strconv.FormatUint(v, 10) + ", " + strconv.FormatInt(size/1024, 10) + " KiB)"
	}
	for _, k := range s.Settings().UnknownFileKeys() {
		h.Checks = append(h.Checks, api.Check{Name: "config", Status: "WARN", Detail: "unknown key " + k + " in " + s.Settings().File(),
			Fix: "remove it with `" + shell.Line("impress", "config", "unset", k) + "`, or fix its spelling (`impress config list` shows the keys)"})
	}
	h.Checks = append(h.Checks, s.featureHealth(r.Context())...)
	if r.Context().Err() != nil {
		return // the client left; nothing to answer
	}
	h.Settings = s.effectiveSettings()
	httpx.WriteJSON(w, http.StatusOK, h)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.DB.Account()
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, feature.AccountToAPI(a))
}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) {
	var u api.AccountUpdate
	if !httpx.DecodeBody(w, r, &u) {
		return
	}
	a, err := s.DB.UpdateAccount(func(a *store.Account) {
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
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, feature.AccountToAPI(a))
}
