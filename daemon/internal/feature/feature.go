// Package feature is how the daemon's features plug into its root: the
// [Deps] every feature is built with, the [Feature] row of the root's
// feature table, and the seams (small interfaces) through which one
// feature uses another without importing it. docs/ARCHITECTURE.md draws
// the whole picture.
package feature

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// Feature is one row of the daemon's feature table: everything the root
// needs to wire a feature in. Only Name and Routes are required.
type Feature struct {
	Name string
	// Routes registers the feature's local API routes.
	Routes func(mux *http.ServeMux)
	// Start runs once the store is open, in table order, before the local
	// API answers: it resumes persisted work first. An error stops the
	// daemon's start.
	Start func(ctx context.Context) error
	// Stop ends what Start started, in reverse table order at shutdown
	// (after running jobs were parked), bounded by ctx.
	Stop func(ctx context.Context)
	// Health is the feature's lines of `impress doctor`. ctx ends when no
	// client waits for them any more: checks that run tools stop then.
	Health func(ctx context.Context) []api.Check
	// Reload applies changed settings that the feature does not read per
	// use (`config set` reloads the daemon), after the new settings are
	// in place; optional.
	Reload func(ctx context.Context)
}

// Deps is what every feature gets from the daemon's root. A feature embeds
// it, so its code reads s.DB, s.Log, s.Now(), s.Fail(w, err).
type Deps struct {
	Paths config.Paths
	// DB is nil in recovery state (the store failed its check); routes
	// wrapped by NeedStore then answer store_recovery, and no feature is
	// started.
	DB       *store.DB
	StoreErr error // why DB is nil
	Log      *slog.Logger
	// Red masks secrets in logs and error messages; features register the
	// tokens they handle with AddSecret.
	Red *redact.Redactor
	// LogFile is the daemon's log file, nil when the log goes elsewhere
	// (tests); privacy prunes and rewrites it.
	LogFile *logx.File
	Jobs    *jobs.Runner
	// SettingsFn returns the current settings (they change on reload).
	SettingsFn func() *config.Settings
	// Clock is the daemon's clock (nil: time.Now). Tests move it.
	Clock func() time.Time
}

// NewJobs is a job runner on d's store, log and settings; the root and the
// test harnesses build d.Jobs with it.
func (d *Deps) NewJobs() *jobs.Runner {
	return jobs.New(jobs.Config{DB: d.DB, Log: d.Log, Red: d.Red, Settings: d.Settings, Fail: d.Fail})
}

// Settings returns the current settings.
func (d *Deps) Settings() *config.Settings { return d.SettingsFn() }

// Now is the daemon's clock.
func (d *Deps) Now() time.Time {
	if d.Clock != nil {
		return d.Clock()
	}
	return time.Now()
}

// AddSecret registers values the log and error messages must never show.
func (d *Deps) AddSecret(v ...string) {
	if d.Red != nil {
		d.Red.Add(v...)
	}
}

// RedactString masks the registered secrets and secret-shaped strings in v.
func (d *Deps) RedactString(v string) string {
	if d.Red != nil {
		return d.Red.String(v)
	}
	return meta.Redact(v)
}

// Fail writes err as the wire error a command exits with (see httpx.Fail).
func (d *Deps) Fail(w http.ResponseWriter, err error) {
	httpx.Fail(w, err, d.Log, d.Red, d.Paths.LogFile())
}

// NeedStore wraps handlers that use the store: in recovery state they
// answer store_recovery with the fix instead of touching a corrupt file.
func (d *Deps) NeedStore(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d.DB == nil {
			httpx.WriteError(w, &api.Error{Code: api.CodeRecovery,
				Message: "the store failed its consistency check: " + d.StoreErr.Error(),
				Hint:    "run `impress doctor` for the recovery steps"})
			return
		}
		h(w, r)
	}
}
