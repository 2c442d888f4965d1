package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/store"
)

// Reviewing a receipt whose scan found something. The operator fixes the
// cause (a file they copied, a note they wrote) and re-runs the scan, or
// looks and says why a finding is not personal data left behind:
//
//	POST /v1/privacy/requests/{code}/rescan   scan again for what the purge removed
//	POST /v1/privacy/requests/{code}/ack      acknowledge findings with a reason
//
// A re-scan needs what the purge looked for, which is personal data: it
// is kept sealed beside the receipt (store receipts/<code>.secret) only
// while the receipt has findings nobody settled, and deleted as soon as a
// re-scan finds nothing or every finding is acknowledged. `purge --all`
// re-scans every open receipt, then destroys the master key those secrets
// are sealed under: what is still open after it can only be acknowledged.
// Doctor warns and the status page says "being reviewed" until a receipt
// is verified or reviewed.

// openCheck is what a receipt keeps for its re-scans: the purge's own
// data key, sealed by the master key, and the identifiers sealed with it.
type openCheck struct {
	SealedKey []byte `json:"sealed_key"`
	Secret    []byte `json:"secret"`
}

// maxReason bounds an acknowledgement's reason.
const maxReason = 500

// keepForRescan is what FinishPurge keeps beside a receipt with findings
// (nil: nothing, because nothing was found, the secret is lost, or the
// master key is about to go).
func (s *Service) keepForRescan(code string, d *purgeDetail, rc api.Receipt) []byte {
	if rc.Settled() || d.Lost || !d.HasSecret || len(d.SealedKey) == 0 || d.Scope == api.ScopeAll {
		return nil
	}
	sealed, err := s.DB.PurgeSecret(code)
	if err != nil {
		return nil
	}
	raw, err := json.Marshal(openCheck{SealedKey: d.SealedKey, Secret: sealed})
	if err != nil {
		return nil
	}
	return raw
}

// openSecret unseals what a receipt kept for its re-scans.
func (s *Service) openSecret(ctx context.Context, code string) (*purgeSecret, error) {
	raw, err := s.DB.ReceiptSecret(code)
	if store.IsNotFound(err) {
		return nil, &api.Error{Code: api.CodeInvalid, Message: fmt.Sprintf("receipt %s keeps nothing to scan for again", code),
			Hint: "a verified or reviewed receipt has nothing left to check, and after `purge --all` the identifiers went with the master key: `impress privacy requests ack " + code + " --reason TEXT` settles its findings"}
	}
	if err != nil {
		return nil, err
	}
	var oc openCheck
	if err := json.Unmarshal(raw, &oc); err != nil {
		return nil, fmt.Errorf("privacy: receipt %s: kept secret: %w", code, err)
	}
	m, err := s.accounts.MasterKey(ctx)
	if err != nil {
		return nil, err
	}
	dk, err := m.OpenDataKey("purge/"+code, oc.SealedKey)
	if err != nil {
		return nil, err
	}
	sec := &purgeSecret{}
	if err := records.Open(dk, sealPurge, oc.Secret, sec); err != nil {
		return nil, err
	}
	return sec, nil
}

// rescan scans again for what receipt code's purge removed, and records
// the result in the receipt (acknowledgements kept for findings still
// there). The caller holds privacy.run.
func (s *Service) rescan(ctx context.Context, code string) (*api.Receipt, error) {
	rc, err := s.privacyRequest(code)
	if err != nil {
		return nil, err
	}
	if rc.Status != api.RequestDone {
		return nil, api.Errorf(api.CodeConflict, "purge %s is still running (step %s): its own scan comes at the end", code, rc.Step)
	}
	sec, err := s.openSecret(ctx, code)
	if err != nil {
		return nil, err
	}
	res, err := s.scanFiles(newScanner(sec.IDs))
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	prev := rc.Scan
	if prev != nil {
		res.Identifiers, res.Shared, res.TooShort = prev.Identifiers, prev.Shared, prev.TooShort
		acks := map[[2]string]*api.Acknowledgement{}
		for _, f := range prev.Findings {
			acks[[2]string{f.File, f.Kind}] = f.Acknowledged
		}
		for i, f := range res.Findings {
			res.Findings[i].Acknowledged = acks[[2]string{f.File, f.Kind}]
		}
	}
	rc.Scan = res
	s.Log.Info("privacy: receipt scanned again", "code", code, "findings", len(res.Findings))
	return rc, s.saveReview(rc)
}

// acknowledge records the operator's reason on one finding (1-based) or,
// with finding 0, on every finding not acknowledged yet.
func (s *Service) acknowledge(code string, req api.AckRequest) (*api.Receipt, error) {
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, api.Errorf(api.CodeInvalid, "an acknowledgement needs a reason (--reason): what the finding is, and why it is not personal data left behind")
	case utf8.RuneCountInString(reason) > maxReason || strings.ContainsFunc(reason, func(r rune) bool { return r < ' ' }):
		return nil, api.Errorf(api.CodeInvalid, "the reason must be one line of at most %d characters", maxReason)
	}
	rc, err := s.privacyRequest(code)
	if err != nil {
		return nil, err
	}
	if rc.Status != api.RequestDone || rc.Scan == nil || len(rc.Scan.Findings) == 0 {
		return nil, api.Errorf(api.CodeInvalid, "receipt %s has no findings to acknowledge", code)
	}
	if req.Finding < 0 || req.Finding > len(rc.Scan.Findings) {
		return nil, api.Errorf(api.CodeInvalid, "receipt %s has %d finding(s); --finding %d is not one of them", code, len(rc.Scan.Findings), req.Finding)
	}
	ack := &api.Acknowledgement{Reason: reason, At: s.Now().UTC()}
	for i := range rc.Scan.Findings {
		if req.Finding == i+1 || req.Finding == 0 && rc.Scan.Findings[i].Acknowledged == nil {
			rc.Scan.Findings[i].Acknowledged = ack
		}
	}
	s.Log.Info("privacy: findings acknowledged", "code", code, "finding", req.Finding)
	return rc, s.saveReview(rc)
}

// saveReview recomputes what a receipt says after a re-scan or an
// acknowledgement and stores it; a settled receipt lets its secret go.
func (s *Service) saveReview(rc *api.Receipt) error {
	rc.Verified = len(rc.Scan.Findings) == 0
	rc.Reviewed = !rc.Verified
	for _, f := range rc.Scan.Findings {
		rc.Reviewed = rc.Reviewed && f.Acknowledged != nil
	}
	var notes []string
	for _, n := range rc.Notes {
		if !strings.HasPrefix(n, findingsNote) {
			notes = append(notes, n)
		}
	}
	_, err := s.DB.ReceiptSecret(rc.Code)
	rc.Notes = append(notes, findingsNotes(rc, err == nil)...)
	raw, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	_, err = s.DB.UpdateReceipt(rc.Code, raw, rc.Settled())
	return err
}

// findingsNote starts every note about a receipt's findings (replaced at
// each review).
const findingsNote = "the scan "

// findingsNotes says what a receipt's findings are waiting for; rescan
// says whether the receipt keeps what a re-scan needs.
func findingsNotes(rc *api.Receipt, rescan bool) []string {
	if rc.Scan == nil || len(rc.Scan.Findings) == 0 {
		return nil
	}
	open := 0
	for _, f := range rc.Scan.Findings {
		if f.Acknowledged == nil {
			open++
		}
	}
	if open == 0 {
		return []string{fmt.Sprintf("%sfound purged identifiers in %d place(s), each acknowledged by the operator", findingsNote, len(rc.Scan.Findings))}
	}
	if !rescan {
		return []string{fmt.Sprintf("%sfound purged identifiers in %d place(s), %d not reviewed: look, remove what is left, and `impress privacy requests ack %s --reason TEXT` (the identifiers are gone: it cannot be scanned again)",
			findingsNote, len(rc.Scan.Findings), open, rc.Code)}
	}
	return []string{fmt.Sprintf("%sfound purged identifiers in %d place(s), %d not reviewed: remove what is left and `impress privacy requests rescan %s`, or `impress privacy requests ack %s --reason TEXT` if it is not personal data",
		findingsNote, len(rc.Scan.Findings), open, rc.Code, rc.Code)}
}

// reviewOpenReceipts is `purge --all`'s last look at older receipts: each
// one with open findings is scanned again while the master key still
// opens its secret; what stays open can only be acknowledged afterwards.
func (s *Service) reviewOpenReceipts(ctx context.Context, self string) {
	rs, err := s.DB.Receipts()
	if err != nil {
		s.Log.Warn("privacy: list receipts", "err", err)
		return
	}
	for _, r := range rs {
		rc, err := receiptOf(r)
		if err != nil || r.Code == self || rc.Settled() {
			continue
		}
		if _, err := s.DB.ReceiptSecret(r.Code); err != nil {
			continue
		}
		if rc, err = s.rescan(ctx, r.Code); err != nil {
			s.Log.Warn("privacy: re-scan of an open receipt", "code", r.Code, "err", err)
			continue
		}
		if !rc.Settled() {
			rc.Notes = append(rc.Notes, "its identifiers were destroyed with the master key by `purge --all` "+self+": it can no longer be scanned again, only acknowledged")
			raw, _ := json.Marshal(rc)
			if _, err := s.DB.UpdateReceipt(rc.Code, raw, true); err != nil {
				s.Log.Warn("privacy: update an open receipt", "code", rc.Code, "err", err)
			}
		}
	}
}

// removeMasterKey is `purge --all`'s last act: the key file or keyring
// entry goes, and the receipt says where it was (the data directory
// written as <data>).
func (s *Service) removeMasterKey(ctx context.Context, d *purgeDetail) {
	where, err := s.accounts.RemoveMasterKey(ctx)
	if err != nil {
		d.Notes = append(d.Notes, "the master key could not be removed: "+s.RedactString(err.Error())+"; remove it by hand (`impress auth status` said where)")
		d.MasterKey = ""
		return
	}
	if where != "" {
		d.MasterKey = where
	}
	d.MasterKey = strings.ReplaceAll(d.MasterKey, s.Paths.DataDir, "<data>")
	if d.MasterKey == "" {
		d.Notes = append(d.Notes, "there was no master key to remove")
	}
}

// masterKeyWhere is where the master key is now, from the files that name
// it: recorded before it is removed, so a purge resumed after the removal
// still says where it was.
func (s *Service) masterKeyWhere() string {
	return secrets.Where(secrets.Options{Dir: s.Paths.DataDir})
}

func (s *Service) rescanHandler(w http.ResponseWriter, r *http.Request) {
	s.privacy.run.Lock()
	rc, err := s.rescan(r.Context(), r.PathValue("code"))
	s.privacy.run.Unlock()
	httpx.Reply(w, s.Fail, rc, err)
}

func (s *Service) ackHandler(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, s.Fail, func(_ context.Context, req api.AckRequest) (*api.Receipt, error) {
		s.privacy.run.Lock()
		defer s.privacy.run.Unlock()
		return s.acknowledge(r.PathValue("code"), req)
	})
}
