// Package privacy is the daemon's privacy feature (README "Privacy: what
// impress keeps, and how it deletes"): purges with receipts (privacy_purge.go,
// privacy_plan.go, privacy_scan.go), retention on a clock
// (privacy_retention.go), export (privacy_export.go) and Meta's data
// deletion callback (privacy_meta.go).
//
// There is one store, and a purge must reach every record of what it
// covers, so privacy reads and deletes in the store directly; it opens
// what community caches through package records. It reaches the auth
// feature through feature.AccountData (keys, tokens, revoke), the projects
// feature through feature.Projects (the export), and serves its public
// routes through feature.PublicRoutes.
//
//	POST /v1/privacy/purge/plan        dry run
//	POST /v1/privacy/purge             run one, NDJSON progress, the receipt last
//	GET  /v1/privacy/requests          receipts and purges in progress
//	GET  /v1/privacy/requests/{code}   one of them
//	POST /v1/privacy/requests/{code}/rescan  scan again (privacy_review.go)
//	POST /v1/privacy/requests/{code}/ack     acknowledge findings
//	GET  /v1/privacy/retention         policies
//	PUT  /v1/privacy/retention/{kind}  set one, then sweep
//	GET  /v1/privacy/export            zip of JSON (and media)
//
// Purges and sweeps run one at a time (privacyState.run): both end with a
// compaction, and a scan must not look at a store being rewritten.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/shell"
	"github.com/impress-dev/impress/store"
)

// Service is the privacy feature.
type Service struct {
	feature.Deps
	accounts     feature.AccountData
	projects     feature.Projects
	publicRoutes feature.PublicRoutes
	privacy      privacyState
	// deletionOnce answers each signed data deletion request once.
	deletionOnce *public.Replays

	// stop ends the purge worker and the sweeper that Start started.
	stop func(context.Context)
}

// Options are the privacy feature's test seams; the zero value is the real
// thing.
type Options struct {
	// Hook is called around each purge step; an error stops the purge as
	// a crash would.
	Hook func(step string, saved bool) error
	// SweepEvery is the retention sweeper's period (default 1 h).
	SweepEvery time.Duration
}

// New builds the privacy feature on the auth feature's account data, the
// projects feature (for the export), and the public endpoint's routes.
func New(d feature.Deps, accounts feature.AccountData, projects feature.Projects, routes feature.PublicRoutes, o Options) *Service {
	s := &Service{Deps: d, accounts: accounts, projects: projects, publicRoutes: routes, deletionOnce: public.NewReplays(public.DataDeletion)}
	s.privacy.hook, s.privacy.sweepEvery = o.Hook, o.SweepEvery
	return s
}

// Routes registers the purge, requests, retention and export routes.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/privacy/purge/plan", s.NeedStore(s.purgePlanHandler))
	mux.HandleFunc("POST /v1/privacy/purge", s.NeedStore(s.purgeHandler))
	mux.HandleFunc("GET /v1/privacy/requests", s.NeedStore(s.listPrivacyRequests))
	mux.HandleFunc("GET /v1/privacy/requests/{code}", s.NeedStore(s.getPrivacyRequest))
	mux.HandleFunc("POST /v1/privacy/requests/{code}/rescan", s.NeedStore(s.rescanHandler))
	mux.HandleFunc("POST /v1/privacy/requests/{code}/ack", s.NeedStore(s.ackHandler))
	mux.HandleFunc("GET /v1/privacy/retention", s.NeedStore(s.getRetention))
	mux.HandleFunc("PUT /v1/privacy/retention/{kind}", s.NeedStore(s.putRetention))
	mux.HandleFunc("GET /v1/privacy/export", s.NeedStore(s.exportHandler))
}

// Start runs before every other feature starts: it finishes the
// purges a crash interrupted (nothing is served until they are done; one
// that cannot finish stops the start, since serving could expose what it
// was deleting), sweeps expired data, then starts the purge worker and the
// hourly sweeper.
func (s *Service) Start(ctx context.Context) error {
	s.publicRoutes.HandlePublic(public.DataDeletion, http.HandlerFunc(s.dataDeletionCallback))
	s.publicRoutes.HandlePublic(public.DeletionStatus, http.HandlerFunc(s.deletionStatusPage))
	purges, err := s.DB.Purges()
	if err != nil {
		return fmt.Errorf("daemon: privacy: %w", err)
	}
	for _, p := range purges {
		s.Log.Info("privacy: resuming an interrupted purge", "code", p.Code, "step", p.Step)
		s.privacy.run.Lock()
		_, err := s.runPurge(ctx, p.Code)
		s.privacy.run.Unlock()
		if err != nil {
			return fmt.Errorf("daemon: privacy: an interrupted purge (%s) could not finish: %w; fix the cause and start the daemon again, it resumes the purge", p.Code, err)
		}
	}
	if _, err := s.retentionSweep(ctx); err != nil {
		s.Log.Error("privacy: retention sweep failed", "err", err)
	}
	done := make(chan struct{})
	go s.purgeWorker(ctx, done)
	stopSweeper := make(chan struct{})
	sweeperDone := make(chan struct{})
	go s.sweeper(ctx, stopSweeper, sweeperDone)
	s.stop = func(ctx context.Context) {
		close(stopSweeper)
		for _, ch := range []chan struct{}{done, sweeperDone} {
			select {
			case <-ch:
			case <-ctx.Done():
			}
		}
	}
	return nil
}

// Stop ends the purge worker and the sweeper, waiting for a purge step or
// sweep in progress (bounded by ctx; one cut short resumes at the next
// start).
func (s *Service) Stop(ctx context.Context) {
	if s.stop != nil {
		s.stop(ctx)
	}
}

// purgeWorker runs the recorded purges, oldest first, whenever kicked.
// The store is the queue: a purge recorded by a request that raced a
// shutdown is resumed at the next start.
func (s *Service) purgeWorker(ctx context.Context, done chan struct{}) {
	defer close(done)
	wake := s.privacy.wakeChan()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		for ctx.Err() == nil {
			purges, err := s.DB.Purges()
			if err != nil {
				s.Log.Error("privacy: list purges", "err", err)
				break
			}
			var next string
			for _, p := range purges {
				if s.privacy.failure(p.Code) == nil {
					next = p.Code
					break
				}
			}
			if next == "" {
				break
			}
			s.privacy.run.Lock()
			_, err = s.runPurge(ctx, next)
			s.privacy.run.Unlock()
			if err != nil {
				if ctx.Err() != nil {
					return // shutting down: resumed at the next start
				}
				s.Log.Error("privacy: purge stopped", "code", next, "err", err)
				s.privacy.setFailed(next, err)
				s.privacy.publish(api.PurgeEvent{Code: next, Step: "failed"})
			}
		}
	}
}

// newConfirmationCode is a random code, never derived from who asked.
func newConfirmationCode() (string, error) { return public.NewCode() }

var codeRE = public.CodeRE

func (s *Service) purgeTargetOf(r api.PurgeRequest) (purgeTarget, error) {
	t := purgeTarget{Scope: r.Scope}
	switch r.Scope {
	case api.ScopeConnection:
		if r.Connection == "" {
			return t, api.Errorf(api.CodeInvalid, "purge --connection needs a connection name")
		}
		t.Target = r.Connection
	case api.ScopeProject:
		if r.Project == "" {
			return t, api.Errorf(api.CodeInvalid, "purge --project needs a project name")
		}
		t.Target = r.Project
	case api.ScopeMeta, api.ScopeAccount, api.ScopeAll:
	default:
		return t, api.Errorf(api.CodeInvalid, "unknown purge scope %q: want connection, meta, project, account or all", r.Scope)
	}
	return t, nil
}

// readPurgeTarget decodes a purge request and checks its target; false
// means the error is written.
func (s *Service) readPurgeTarget(w http.ResponseWriter, r *http.Request) (purgeTarget, bool) {
	var req api.PurgeRequest
	if !httpx.DecodeBody(w, r, &req) {
		return purgeTarget{}, false
	}
	t, err := s.purgeTargetOf(req)
	if err != nil {
		s.Fail(w, err)
		return t, false
	}
	return t, true
}

func (s *Service) purgePlanHandler(w http.ResponseWriter, r *http.Request) {
	t, ok := s.readPurgeTarget(w, r)
	if !ok {
		return
	}
	plan, err := s.planPurge(r.Context(), t, "")
	if err != nil {
		s.Fail(w, err)
		return
	}
	out := api.PurgePlan{Scope: t.Scope, Counts: map[string]int{}, Effects: plan.effects, Identifiers: len(plan.data.IDs), Notes: plan.notes}
	for k, v := range plan.counts {
		if v > 0 {
			out.Counts[k] = v
		}
	}
	out.Counts[cntFiles] = len(plan.data.Files)
	if n := s.countLogLines(plan, t); n > 0 {
		out.Counts[cntLogLines] = n
	}
	if out.Counts[cntFiles] == 0 {
		delete(out.Counts, cntFiles)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// countLogLines is how many log lines a purge would remove (dry run).
func (s *Service) countLogLines(plan *purgePlan, t purgeTarget) int {
	f := &lineFilter{m: newScanner(plan.data.IDs), names: map[string]bool{}, all: t.Scope == api.ScopeAll}
	for _, n := range append(append([]string(nil), plan.data.Conns...), plan.data.Projects...) {
		f.names[n] = true
	}
	n := 0
	files := s.logFiles()
	for _, name := range files {
		data, err := readFileIfExists(name)
		if err != nil {
			continue
		}
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if l != "" && f.drop(l) {
				n++
			}
		}
	}
	return n
}

// purgeHandler records a purge (or joins the one already running for the
// same target), lets the worker run it, and streams its steps until the
// receipt. The purge does not depend on this request: a client that goes
// away leaves it running.
func (s *Service) purgeHandler(w http.ResponseWriter, r *http.Request) {
	t, ok := s.readPurgeTarget(w, r)
	if !ok {
		return
	}
	if _, _, err := s.resolvePurge(t); err != nil {
		s.Fail(w, err)
		return
	}
	code, err := s.pendingPurgeFor(t)
	if err != nil {
		s.Fail(w, err)
		return
	}
	var ch chan api.PurgeEvent
	var unsub func()
	if code != "" {
		ch, unsub = s.privacy.subscribe(code)
		s.privacy.setFailed(code, nil) // asked again: try again
	} else {
		// Subscribe before the record exists, so no step is missed.
		if code, err = newConfirmationCode(); err != nil {
			s.Fail(w, err)
			return
		}
		ch, unsub = s.privacy.subscribe(code)
		if err := s.newPurge(r.Context(), code, t, api.SourceCLI, ""); err != nil {
			unsub()
			s.Fail(w, err)
			return
		}
	}
	defer unsub()
	s.Log.Info("privacy: purge requested", "code", code, "scope", t.Scope)
	s.privacy.kick()
	out := httpx.NewNDJSON(w)
	out.Send(api.PurgeEvent{Code: code, Step: api.PurgeReceived})
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev := <-ch:
			if ev.Step == "failed" {
				err := s.privacy.failure(code)
				out.Error(&api.Error{Code: api.CodeInternal, Message: fmt.Sprintf("purge %s stopped: %s", code, s.RedactString(errString(err))),
					Hint: "the purge resumes at the next daemon start, or when you run the same purge again"})
				return
			}
			out.Send(ev)
			if ev.Receipt != nil {
				return
			}
		case <-tick.C:
			// A step published while the channel was full, or the end
			// reached before we subscribed: the store knows.
			if rc, err := s.DB.Receipt(code); err == nil {
				if r, err := receiptOf(rc); err == nil {
					out.Send(api.PurgeEvent{Code: code, Step: api.PurgeDone, Receipt: r})
					return
				}
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// pendingPurgeFor finds a purge in progress with the same target.
func (s *Service) pendingPurgeFor(t purgeTarget) (string, error) {
	ps, err := s.DB.Purges()
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		d, err := decodeDetail(p)
		if err == nil && d.purgeTarget == t {
			return p.Code, nil
		}
	}
	return "", nil
}

func (s *Service) listPrivacyRequests(w http.ResponseWriter, r *http.Request) {
	out := []api.Receipt{}
	ps, err := s.DB.Purges()
	if err != nil {
		s.Fail(w, err)
		return
	}
	for i := len(ps) - 1; i >= 0; i-- {
		if rc, err := progressReceipt(ps[i]); err == nil {
			out = append(out, rc)
		}
	}
	rs, err := s.DB.Receipts()
	if err != nil {
		s.Fail(w, err)
		return
	}
	for _, r := range rs {
		if rc, err := receiptOf(r); err == nil {
			out = append(out, *rc)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// privacyRequest returns a receipt, or the state of a purge in progress.
func (s *Service) privacyRequest(code string) (*api.Receipt, error) {
	if !codeRE().MatchString(code) {
		return nil, api.Errorf(api.CodeNotFound, "no deletion request %q (a code is 26 letters and digits)", code)
	}
	if p, err := s.DB.Purge(code); err == nil {
		rc, err := progressReceipt(p)
		return &rc, err
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	rr, err := s.DB.Receipt(code)
	if store.IsNotFound(err) {
		return nil, &api.Error{Code: api.CodeNotFound, Message: fmt.Sprintf("no deletion request %q", code),
			Hint: "`impress privacy requests list` shows them"}
	}
	if err != nil {
		return nil, err
	}
	return receiptOf(rr)
}

func (s *Service) getPrivacyRequest(w http.ResponseWriter, r *http.Request) {
	rc, err := s.privacyRequest(r.PathValue("code"))
	httpx.Reply(w, s.Fail, rc, err)
}

// logFiles lists the daemon log files, current and rotated.
func (s *Service) logFiles() []string {
	if s.LogFile != nil {
		return s.LogFile.Files()
	}
	files, _ := filepath.Glob(s.Paths.LogFile() + "*")
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".tmp") {
			out = append(out, f)
		}
	}
	return out
}

func readFileIfExists(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// Health is doctor's view of the privacy feature: purges that stopped on
// an error, and receipts whose scan found something.
func (s *Service) Health() []api.Check {
	if s.DB == nil {
		return nil
	}
	var out []api.Check
	ps, err := s.DB.Purges()
	if err != nil {
		return []api.Check{{Name: "privacy", Status: "FAIL", Detail: err.Error()}}
	}
	for _, p := range ps {
		if err := s.privacy.failure(p.Code); err != nil {
			out = append(out, api.Check{Name: "privacy", Status: "FAIL",
				Detail: fmt.Sprintf("purge %s stopped after step %s: %s", p.Code, p.Step, s.RedactString(err.Error())),
				Fix:    "fix the cause, then restart the daemon, which resumes the purge before anything else: `impress daemon stop && impress daemon start`"})
		}
	}
	rs, err := s.DB.Receipts()
	if err != nil {
		return append(out, api.Check{Name: "privacy", Status: "FAIL", Detail: err.Error()})
	}
	var unsettled []string
	failed := len(out)
	for _, r := range rs {
		if rc, err := receiptOf(r); err == nil && !rc.Settled() {
			unsettled = append(unsettled, r.Code)
		}
	}
	switch {
	case len(unsettled) > 0:
		code := unsettled[0] // the commands work as printed, so they name one
		out = append(out, api.Check{Name: "privacy", Status: "WARN",
			Detail: fmt.Sprintf("%d purge receipt(s) not verified: the scan found purged identifiers, and no one has reviewed them", len(unsettled)),
			Fix: "`" + shell.Line("impress", "privacy", "requests", "show", code) + "` says where; fix the cause and `" +
				shell.Line("impress", "privacy", "requests", "rescan", code) + "`, or `" +
				shell.Line("impress", "privacy", "requests", "ack", code, "--reason", "not personal data") + "` if it is not personal data" +
				" (`impress privacy requests list` lists every receipt)"})
	case failed == 0:
		out = append(out, api.Check{Name: "privacy", Status: "OK",
			Detail: fmt.Sprintf("%d purge receipt(s), all verified or reviewed; %d purge(s) in progress", len(rs), len(ps))})
	}
	out = append(out, s.statusHealth()...)
	return out
}
