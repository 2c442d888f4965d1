package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/store"
)

// A purge is a persisted state machine (store purges/<code>). Each step
// does its work, then records that it is done in one fsynced commit; every
// step is idempotent, so a daemon killed anywhere redoes at most the step
// it was in, and a restarted daemon finishes every purge it finds before
// it serves anything (startPrivacy):
//
//	received → planned → revoke → shred → delete → compact → scan → done
//
// planned: the identifiers to scan for are read from the data (it is the
// last moment they can be) and sealed with a key of the purge's own; revoke:
// Meta is asked to revoke the tokens (best effort, the outcome goes to the
// receipt); shred: the data keys are destroyed, so every copy of the
// sealed data, anywhere, is unreadable from here on; delete: records,
// index entries, files and log lines; compact: the store is rewritten so
// that no deleted byte stays in its free pages; scan: every file under the
// data and state directories and the config file (with purge --all, older
// receipts' open checks are scanned again too); done: the receipt replaces
// the record (purge --all removes the master key first).

// revokeTimeout bounds one connection's revocation at Meta.
const revokeTimeout = 20 * time.Second

// purgeDetail is the daemon's state of a purge (PurgeRecord.Detail). It
// holds names and hashes that impress made, never personal data: that is
// the purge's secret, sealed and stored beside the record.
type purgeDetail struct {
	purgeTarget
	Source     string            `json:"source"`
	StartedAt  time.Time         `json:"started_at"`
	Conns      []string          `json:"conns,omitempty"`
	Projects   []string          `json:"projects,omitempty"`
	Media      []string          `json:"media,omitempty"`
	Renders    []string          `json:"renders,omitempty"`
	Files      []string          `json:"files,omitempty"`
	Counts     map[string]int    `json:"counts,omitempty"`
	Revocation []api.Revocation  `json:"revocation,omitempty"`
	Effects    []api.PurgeEffect `json:"effects,omitempty"`
	// MasterKey is where the master key was (purge --all): recorded
	// before it is removed.
	MasterKey string          `json:"master_key,omitempty"`
	Scan      *api.ScanResult `json:"scan,omitempty"`
	Shared    int             `json:"shared,omitempty"`
	TooShort  int             `json:"too_short,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
	// SealedKey is the purge's own data key, sealed by the master key;
	// the secret (store PurgeSecret) is sealed with it.
	SealedKey []byte `json:"sealed_key,omitempty"`
	HasSecret bool   `json:"has_secret,omitempty"`
	// Unsealed: the secret could not be sealed (no master key) and lives
	// in memory only.
	Unsealed bool `json:"unsealed,omitempty"`
	// Lost is set when the secret could not be recovered after a restart:
	// the scan then knows nothing to look for and the receipt is not
	// verified.
	Lost bool `json:"lost,omitempty"`
}

// purgeSecret is the personal part of a purge: the identifiers the scan
// looks for, and the app-scoped id of a deletion request from Meta.
type purgeSecret struct {
	IDs      []scanID `json:"ids,omitempty"`
	MetaUser string   `json:"meta_user,omitempty"`
}

const sealPurge = "purge"

// errPurgeCrash is what a test hook returns to stop a purge as a crash
// would.
var errPurgeCrash = errors.New("purge stopped by a test hook")

func decodeDetail(rec store.PurgeRecord) (purgeDetail, error) {
	var d purgeDetail
	if err := json.Unmarshal(rec.Detail, &d); err != nil {
		return d, fmt.Errorf("privacy: purge %s: unreadable record: %w", rec.Code, err)
	}
	return d, nil
}

// purgeKey opens (or, the first time, makes) the purge's own data key.
func (s *Service) purgeKey(ctx context.Context, code string, d *purgeDetail) (*secrets.DataKey, error) {
	m, err := s.accounts.MasterKey(ctx)
	if err != nil {
		return nil, err
	}
	if len(d.SealedKey) > 0 {
		return m.OpenDataKey("purge/"+code, d.SealedKey)
	}
	dk, sealed, err := m.NewDataKey("purge/" + code)
	if err != nil {
		return nil, err
	}
	d.SealedKey = sealed
	return dk, nil
}

// sealSecret seals sec for the store (the caller writes it with the
// record) and keeps it in memory for the steps that follow. Without a
// master key it returns nil and the secret stays in memory only (a
// restart then loses it, and the receipt says so).
func (s *Service) sealSecret(ctx context.Context, code string, d *purgeDetail, sec *purgeSecret) []byte {
	s.privacy.setSecret(code, sec)
	dk, err := s.purgeKey(ctx, code, d)
	if err == nil {
		var sealed []byte
		if sealed, err = records.Seal(dk, sealPurge, sec); err == nil {
			d.HasSecret, d.Unsealed = true, false
			return sealed
		}
	}
	s.Log.Warn("privacy: purge identifiers kept in memory only", "code", code, "err", err)
	d.SealedKey, d.HasSecret, d.Unsealed = nil, false, true
	return nil
}

// secretOf returns the purge's secret, from memory or unsealed.
func (s *Service) secretOf(ctx context.Context, code string, d *purgeDetail) *purgeSecret {
	if sec := s.privacy.secret(code); sec != nil {
		return sec
	}
	sec := &purgeSecret{}
	if !d.HasSecret {
		// Kept in memory only, and this is another process: gone.
		d.Lost = d.Lost || d.Unsealed
		return sec
	}
	sealed, err := s.DB.PurgeSecret(code)
	var dk *secrets.DataKey
	if err == nil {
		dk, err = s.purgeKey(ctx, code, d)
	}
	if err == nil {
		err = records.Open(dk, sealPurge, sealed, sec)
	}
	if err != nil {
		s.Log.Error("privacy: purge secret unreadable", "code", code, "err", err)
		d.Lost = true
		return &purgeSecret{}
	}
	s.privacy.setSecret(code, sec)
	return sec
}

// newPurge records a purge under code (one fsynced commit).
func (s *Service) newPurge(ctx context.Context, code string, t purgeTarget, source, metaUser string) error {
	d := purgeDetail{purgeTarget: t, Source: source, StartedAt: s.Now().UTC()}
	var sealed []byte
	if metaUser != "" {
		sealed = s.sealSecret(ctx, code, &d, &purgeSecret{MetaUser: metaUser})
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = s.DB.CreatePurge(store.PurgeRecord{Code: code, Step: api.PurgeReceived, Detail: raw}, sealed)
	return err
}

// runPurge carries a purge from the step it reached to its receipt.
func (s *Service) runPurge(ctx context.Context, code string) (*api.Receipt, error) {
	for {
		rec, err := s.DB.Purge(code)
		if store.IsNotFound(err) {
			r, err := s.DB.Receipt(code)
			if err != nil {
				return nil, err
			}
			return receiptOf(r)
		}
		if err != nil {
			return nil, err
		}
		d, err := decodeDetail(rec)
		if err != nil {
			return nil, err
		}
		if d.Counts == nil {
			d.Counts = map[string]int{}
		}
		stepStart := time.Now()
		next, sealed, err := s.purgeStep(ctx, code, rec.Step, &d)
		if err != nil {
			return nil, fmt.Errorf("privacy: purge %s, step after %s: %w", code, rec.Step, err)
		}
		if err := s.privacy.crashHook(next, false); err != nil {
			return nil, err
		}
		if next == api.PurgeDone {
			rc := buildReceipt(code, rec.CreatedAt, s.Now().UTC(), &d)
			raw, err := json.Marshal(rc)
			if err != nil {
				return nil, err
			}
			if _, err := s.DB.FinishPurge(code, raw, s.keepForRescan(code, &d, rc)); err != nil {
				return nil, err
			}
			s.privacy.setSecret(code, nil)
			// The record (sealed identifiers, names) leaves the file too.
			if err := s.DB.Compact(); err != nil {
				s.Log.Warn("privacy: compaction after the receipt failed", "code", code, "err", err)
			}
			s.Log.Info("privacy: purge done", "code", code, "scope", d.Scope, "verified", rc.Verified)
			s.privacy.publish(api.PurgeEvent{Code: code, Step: api.PurgeDone, Receipt: &rc})
			return &rc, nil
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		if _, err := s.DB.UpdatePurge(code, sealed, func(p *store.PurgeRecord) error {
			p.Step, p.Detail = next, raw
			return nil
		}); err != nil {
			return nil, err
		}
		s.Log.Info("privacy: purge step done", "code", code, "step", next, "took", time.Since(stepStart).Round(time.Millisecond).String())
		s.privacy.publish(api.PurgeEvent{Code: code, Step: next})
		if err := s.privacy.crashHook(next, true); err != nil {
			return nil, err
		}
	}
}

// purgeStep does the step after done and returns its name, and the
// purge's secret, sealed, when the step made a new one.
func (s *Service) purgeStep(ctx context.Context, code, done string, d *purgeDetail) (string, []byte, error) {
	if done == api.PurgeReceived {
		sec := s.secretOf(ctx, code, d)
		plan, err := s.planPurge(ctx, d.purgeTarget, sec.MetaUser)
		if err != nil {
			return "", nil, err
		}
		d.Conns, d.Projects = plan.data.Conns, plan.data.Projects
		d.Media, d.Renders, d.Files = plan.data.Media, plan.data.Renders, plan.data.Files
		d.Counts, d.Notes, d.Effects = plan.counts, append(d.Notes, plan.notes...), plan.effects
		d.Shared, d.TooShort = plan.data.Shared, plan.data.TooShort
		sealed := s.sealSecret(ctx, code, d, &purgeSecret{IDs: plan.data.IDs, MetaUser: sec.MetaUser})
		return api.PurgePlanned, sealed, nil
	}
	next, err := s.purgeWork(ctx, code, done, d)
	return next, nil, err
}

// purgeWork does the steps after planning.
func (s *Service) purgeWork(ctx context.Context, code, done string, d *purgeDetail) (string, error) {
	switch done {
	case api.PurgePlanned:
		d.Revocation = s.revokeAll(ctx, code, d)
		return api.PurgeRevoke, nil
	case api.PurgeRevoke:
		for _, c := range d.Conns {
			if _, err := s.DB.DestroyDataKey(c); err != nil {
				return "", err
			}
		}
		return api.PurgeShred, nil
	case api.PurgeShred:
		return api.PurgeDelete, s.purgeDelete(ctx, code, d)
	case api.PurgeDelete:
		return api.PurgeCompact, s.DB.Compact()
	case api.PurgeCompact:
		sec := s.secretOf(ctx, code, d)
		res, err := s.scanFiles(s.privacy.scannerFor(code, sec))
		if err != nil {
			return "", fmt.Errorf("scan: %w", err)
		}
		res.Identifiers, res.Shared, res.TooShort = len(sec.IDs), d.Shared, d.TooShort
		d.Scan = res
		if d.Scope == api.ScopeAll {
			// Older receipts' open checks need the master key, which
			// the next step destroys; say where it is before it goes.
			s.reviewOpenReceipts(ctx, code)
			d.MasterKey = s.masterKeyWhere()
		}
		return api.PurgeScan, nil
	case api.PurgeScan:
		if d.Scope == api.ScopeAll {
			s.removeMasterKey(ctx, d)
		}
		return api.PurgeDone, nil // the receipt is written by runPurge
	}
	return "", fmt.Errorf("unknown step %q", done)
}

// revokeAll asks Meta to revoke each covered connection's tokens. Nothing
// here stops the purge; a receipt says what happened, with identifiers
// masked.
func (s *Service) revokeAll(ctx context.Context, code string, d *purgeDetail) []api.Revocation {
	var out []api.Revocation
	for _, name := range d.Conns {
		c, err := s.DB.Conn(name)
		if err != nil {
			continue // leftovers only: nothing to revoke
		}
		if len(c.SealedToken) == 0 {
			out = append(out, api.Revocation{Outcome: "no_token"})
			continue
		}
		if c.Flavour != "facebook" {
			out = append(out, api.Revocation{Outcome: "not_supported",
				Detail: "Instagram Login has no revoke endpoint; the token dies with its data key, and the user can remove the app in Instagram: Settings → Apps and websites"})
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, revokeTimeout)
		ok, why := s.accounts.Revoke(rctx, c)
		cancel()
		if ok {
			out = append(out, api.Revocation{Outcome: "revoked"})
		} else {
			sc := s.privacy.scannerFor(code, s.secretOf(ctx, code, d))
			out = append(out, api.Revocation{Outcome: "failed", Detail: sc.mask(s.RedactString(why))})
		}
	}
	return out
}

// insideDirs reports whether path lies under the data or state directory:
// a purge deletes only files impress made.
func (s *Service) insideDirs(path string) bool {
	for _, dir := range []string{s.Paths.DataDir, s.Paths.StateDir} {
		if rel, err := filepath.Rel(dir, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// purgeDelete is the delete step: records and index entries, files, log
// lines. Each part tolerates having run before.
func (s *Service) purgeDelete(ctx context.Context, code string, d *purgeDetail) error {
	all := d.Scope == api.ScopeAll
	// Stop the covered jobs first, so none writes after its record went.
	if jobs, err := s.DB.Jobs(""); err == nil && s.Jobs != nil {
		for _, j := range jobs {
			if jobOwned(j, d.Scope, d.Conns, d.Projects) {
				s.Jobs.Cancel(j.ID)
			}
		}
	}
	reason, at := store.RemovedByPurge, d.StartedAt
	if d.Source == api.SourceMeta {
		reason = store.RemovedByMetaDeletion
	}
	if at.IsZero() {
		at = s.Now().UTC()
	}
	for _, c := range d.Conns {
		// Said first, so that a crash in between leaves the record of
		// why, never a connection gone without a word.
		if store.ValidConnName(c) == nil {
			if err := s.DB.PutRemoved(store.RemovedConn{Name: c, Reason: reason, Code: code, At: at}); err != nil {
				return err
			}
		}
		if _, err := s.DB.DeleteConnection(c); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	if _, err := s.DB.DeleteJobs(func(j store.Job, _ func(string) bool) bool {
		return jobOwned(j, d.Scope, d.Conns, d.Projects)
	}); err != nil {
		return err
	}
	for _, p := range d.Projects {
		if _, err := s.DB.DeleteProject(p); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	for _, k := range d.Renders {
		if err := s.DB.DeleteRender(k); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	for _, m := range d.Media {
		if err := s.DB.DeleteMedia(m); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	if all || d.Scope == api.ScopeAccount {
		if err := s.DB.DeleteAccount(); err != nil {
			return err
		}
	}
	files := 0
	for _, f := range d.Files {
		if !s.insideDirs(f) {
			continue
		}
		if err := os.Remove(f); err == nil {
			files++
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if all {
		// Everything impress made from media: the store, renders with
		// their temporaries, import temporaries.
		for _, dir := range []string{mediastore.Root(s.Paths.DataDir), mediastore.RendersDir(s.Paths.DataDir)} {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
	}
	if files > d.Counts[cntFiles] {
		d.Counts[cntFiles] = files
	}
	lines, err := s.purgeLogs(ctx, code, d)
	if err != nil {
		return err
	}
	d.Counts[cntLogLines] += lines
	return nil
}

// purgeFilter is the log-line filter of a purge.
func (s *Service) purgeFilter(ctx context.Context, code string, d *purgeDetail) *lineFilter {
	f := &lineFilter{m: s.privacy.scannerFor(code, s.secretOf(ctx, code, d)), names: map[string]bool{}, all: d.Scope == api.ScopeAll}
	for _, n := range slices.Concat(d.Conns, d.Projects) {
		f.names[n] = true
	}
	return f
}

// purgeLogs rewrites the daemon log files (current and rotated) and the
// auto-start output without the purge's lines, and removes temporaries an
// interrupted rewrite left (they hold whole copies of the log).
func (s *Service) purgeLogs(ctx context.Context, code string, d *purgeDetail) (int, error) {
	f := s.purgeFilter(ctx, code, d)
	removed := 0
	if s.LogFile != nil {
		n, err := s.LogFile.Rewrite(func(l string) bool { return !f.drop(l) })
		if err != nil {
			return removed, fmt.Errorf("rewrite the log: %w", err)
		}
		removed += n
	} else {
		files, _ := filepath.Glob(s.Paths.LogFile() + "*")
		for _, name := range files {
			if strings.HasSuffix(name, ".tmp") {
				continue
			}
			n, err := filterTextFile(name, f)
			if err != nil {
				return removed, err
			}
			removed += n
		}
	}
	n, err := filterTextFile(filepath.Join(s.Paths.StateDir, "daemon.out"), f)
	if err != nil {
		return removed, err
	}
	removed += n
	tmps, _ := filepath.Glob(filepath.Join(s.Paths.StateDir, "*.tmp"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return removed, nil
}

// buildReceipt is the receipt of a purge: what it did, nothing of whom.
func buildReceipt(code string, started, finished time.Time, d *purgeDetail) api.Receipt {
	rc := receiptBase(code, started, d)
	rc.Status, rc.Step, rc.FinishedAt, rc.Scan, rc.Notes = api.RequestDone, api.PurgeDone, finished, d.Scan, d.Notes
	if d.Lost {
		rc.Notes = append(rc.Notes, "the daemon was interrupted and the identifiers to scan for could not be recovered (master key unavailable): the scan looked for nothing")
	}
	rc.Verified = d.Scan != nil && len(d.Scan.Findings) == 0 && !d.Lost
	rc.MasterKey = d.MasterKey
	rc.Notes = append(rc.Notes, findingsNotes(&rc, !d.Lost && d.HasSecret && d.Scope != api.ScopeAll)...)
	return rc
}

// progressReceipt describes a purge still running.
func progressReceipt(rec store.PurgeRecord) (api.Receipt, error) {
	d, err := decodeDetail(rec)
	if err != nil {
		return api.Receipt{}, err
	}
	status := api.RequestInProgress
	if rec.Step == api.PurgeReceived {
		status = api.RequestReceived
	}
	rc := receiptBase(rec.Code, rec.CreatedAt, &d)
	rc.Status, rc.Step = status, rec.Step
	return rc, nil
}

// receiptBase is what a purge's receipt says whether it ended or not:
// scope, source, revocation, effects, when it started (the purge's own
// start when it has one, else created) and the counts that are not zero.
func receiptBase(code string, created time.Time, d *purgeDetail) api.Receipt {
	rc := api.Receipt{Code: code, Scope: d.Scope, Source: d.Source, StartedAt: created, Counts: map[string]int{},
		Revocation: d.Revocation, Effects: d.Effects}
	if !d.StartedAt.IsZero() {
		rc.StartedAt = d.StartedAt
	}
	for k, v := range d.Counts {
		if v > 0 {
			rc.Counts[k] = v
		}
	}
	return rc
}

func receiptOf(r store.ReceiptRecord) (*api.Receipt, error) {
	var rc api.Receipt
	if err := json.Unmarshal(r.Data, &rc); err != nil {
		return nil, fmt.Errorf("privacy: receipt %s: %w", r.Code, err)
	}
	return &rc, nil
}
