package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Privacy: verifiable purges with receipts, retention policy, export, and
// the deletion requests Meta sends (README "Privacy: what impress keeps, and
// how it deletes").
//
//	POST /v1/privacy/purge/plan        dry run: what a purge would remove (PurgePlan)
//	POST /v1/privacy/purge             run a purge, NDJSON PurgeEvent, the last with the receipt
//	GET  /v1/privacy/requests          receipts and purges in progress, newest first
//	GET  /v1/privacy/requests/{code}   one of them
//	POST /v1/privacy/requests/{code}/rescan  scan again for what it removed
//	POST /v1/privacy/requests/{code}/ack     acknowledge its findings with a reason
//	GET  /v1/privacy/retention         the policy of every kind
//	PUT  /v1/privacy/retention/{kind}  change one (then sweeps at once)
//	GET  /v1/privacy/export            a zip of everything held (application/zip)

// Purge scopes.
const (
	ScopeConnection = "connection" // one connection's data
	ScopeMeta       = "meta"       // every connection
	ScopeProject    = "project"    // a project, its media, renders and publish records
	ScopeAccount    = "account"    // the workspace's account profile
	ScopeAll        = "all"        // everything impress holds
	// ScopeMetaUser is a deletion request Meta sent for a user who is no
	// connection: nothing to delete, the scan still runs.
	ScopeMetaUser = "meta_user"
)

// Purge steps, in the order they run. A purge persists the step it
// reached; a restarted daemon continues from there.
const (
	PurgeReceived = "received" // recorded, nothing done yet
	PurgePlanned  = "planned"  // identifiers to scan for collected and sealed
	PurgeRevoke   = "revoke"   // tokens revoked at Meta (best effort)
	PurgeShred    = "shred"    // data keys destroyed
	PurgeDelete   = "delete"   // records, index entries, files and log lines deleted
	PurgeCompact  = "compact"  // store rewritten into a new file
	PurgeScan     = "scan"     // every file scanned for the identifiers
	PurgeDone     = "done"     // receipt written
)

// Request states for people (the Meta status page uses them too).
const (
	RequestReceived   = "received"
	RequestInProgress = "in_progress"
	RequestDone       = "done"
)

// Request sources.
const (
	SourceCLI  = "cli"
	SourceMeta = "meta" // Meta's data deletion callback
)

// PurgeRequest selects what a purge removes.
type PurgeRequest struct {
	Scope      string `json:"scope"`
	Connection string `json:"connection,omitempty"`
	Project    string `json:"project,omitempty"`
}

// PurgePlan is a dry run's answer: what would go, by kind and count.
type PurgePlan struct {
	Scope  string         `json:"scope"`
	Counts map[string]int `json:"counts"`
	// Effects is what else the purge does or leaves: jobs it cancels,
	// files it cannot reach.
	Effects []PurgeEffect `json:"effects,omitempty"`
	// Identifiers is how many distinct identifiers the scan would look for.
	Identifiers int      `json:"identifiers"`
	Notes       []string `json:"notes,omitempty"`
}

// Kinds of purge effects.
const (
	EffectScheduledPosts = "scheduled_posts" // publish jobs waiting for their --at time
	EffectQueuedPosts    = "queued_posts"    // publish jobs queued or running now
	EffectRenderJobs     = "render_jobs"     // renders queued or running
	EffectRenders        = "renders"         // cached render files
	EffectRenderOutputs  = "render_outputs"  // copies written with render --out, outside impress's directories
	EffectPublishedPosts = "published_posts" // posts live on Instagram
)

// What a purge does to an effect's kind.
const (
	EffectCancelled = "cancelled"
	EffectDeleted   = "deleted"
	EffectKept      = "kept" // a purge does not reach it
)

// PurgeEffect is something a purge does or leaves besides deleting the
// scope's records: the jobs it cancels, the files it deletes or cannot
// reach, by kind and count. It holds no personal data.
type PurgeEffect struct {
	Kind   string `json:"kind"`
	Action string `json:"action"` // cancelled | deleted | kept
	Count  int    `json:"count"`
	// Next is the earliest time among scheduled posts it cancels.
	Next time.Time `json:"next,omitzero"`
	// Note says it for people.
	Note string `json:"note"`
}

// Revocation is the outcome of asking Meta to revoke one connection's
// tokens: revoked, failed, not_supported (Instagram Login has no revoke
// endpoint) or no_token.
type Revocation struct {
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// ScanFinding is one identifier found after a purge: the file (relative to
// the data, state or config directory, identifiers in its name masked),
// the kind of identifier, and where in the file (Context: a line number,
// the JSON key around it, an offset; never the identifier or the text
// around it).
type ScanFinding struct {
	File    string `json:"file"`
	Kind    string `json:"kind"`
	Context string `json:"context,omitempty"`
	// Acknowledged is set when the operator looked at the finding and
	// said why it is not personal data left behind.
	Acknowledged *Acknowledgement `json:"acknowledged,omitempty"`
}

// Acknowledgement is the operator's word on a finding.
type Acknowledgement struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// ScanResult is what the final scan looked at and found.
type ScanResult struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Identifiers is how many distinct strings were looked for.
	Identifiers int `json:"identifiers"`
	// Shared identifiers were not looked for because data outside the
	// scope holds them too (a commenter on two connections' posts).
	Shared int `json:"shared,omitempty"`
	// TooShort identifiers (under 6 bytes) were not looked for: they
	// occur by chance in any file.
	TooShort int           `json:"too_short,omitempty"`
	Findings []ScanFinding `json:"findings,omitempty"`
	// At is when the scan ran (a re-scan replaces the result).
	At time.Time `json:"at,omitzero"`
}

// Receipt is a purge request and, once done, its proof. It holds no
// personal data: no names, ids, usernames or texts.
type Receipt struct {
	Code       string         `json:"code"`
	Scope      string         `json:"scope"`
	Source     string         `json:"source"`
	Status     string         `json:"status"` // received | in_progress | done
	Step       string         `json:"step"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at,omitzero"`
	Counts     map[string]int `json:"counts"`
	Revocation []Revocation   `json:"revocation,omitempty"`
	// Effects is what else the purge did or left (PurgePlan.Effects).
	Effects []PurgeEffect `json:"effects,omitempty"`
	// MasterKey says where the master key was that `purge --all` removed
	// ("key file <data>/master.key", or the OS keyring entry).
	MasterKey string      `json:"master_key,omitempty"`
	Scan      *ScanResult `json:"scan,omitempty"`
	// Verified is true only when the (last) scan found none of the
	// identifiers.
	Verified bool `json:"verified"`
	// Reviewed is true when the scan found something and the operator
	// acknowledged every finding with a reason.
	Reviewed bool     `json:"reviewed,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Settled says whether nothing is left to look at: verified, or every
// finding acknowledged.
func (r Receipt) Settled() bool { return r.Status == RequestDone && (r.Verified || r.Reviewed) }

// AckRequest acknowledges a receipt's findings (POST
// /v1/privacy/requests/{code}/ack): the operator looked and says why what
// the scan found is not personal data left behind.
type AckRequest struct {
	Reason string `json:"reason"`
	// Finding is the finding's number (1-based, as `requests show` lists
	// them); 0 acknowledges every finding not acknowledged yet.
	Finding int `json:"finding,omitempty"`
}

// PurgeEvent is one line of a purge's progress; the last carries the
// receipt.
type PurgeEvent struct {
	Code    string   `json:"code"`
	Step    string   `json:"step"`
	Receipt *Receipt `json:"receipt,omitempty"`
}

// Retention kinds.
const (
	RetainEvents   = "events"   // webhook events
	RetainMessages = "messages" // DM thread summaries
	RetainComments = "comments" // cached comments
	RetainLogs     = "logs"     // daemon log lines and rotated files
	RetainPublish  = "publish"  // publish records
)

// RetainWhileConnected is the value of the publish kind that keeps
// records as long as their connection exists.
const RetainWhileConnected = "connection"

// RetentionPolicy is how long one kind of data is kept.
type RetentionPolicy struct {
	Kind        string `json:"kind"`
	Value       string `json:"value"` // "30d", "36h", or "connection"
	Default     string `json:"default"`
	IsDefault   bool   `json:"is_default"`
	Description string `json:"description"`
}

// RetentionUpdate is the body of PUT /v1/privacy/retention/{kind}; an
// empty value restores the default.
type RetentionUpdate struct {
	Value string `json:"value"`
}

// ExportRequest selects an export.
type ExportRequest struct {
	Connection string
	NoMedia    bool
}

// PurgePlan asks what a purge would remove, changing nothing.
func (c *Client) PurgePlan(ctx context.Context, r PurgeRequest) (*PurgePlan, error) {
	var out PurgePlan
	return &out, c.Do(ctx, http.MethodPost, "/v1/privacy/purge/plan", r, &out)
}

// Purge runs a purge and follows it to its receipt. The purge does not
// depend on this call: if the caller goes away it finishes anyway, and
// `impress privacy requests show CODE` tells the outcome.
func (c *Client) Purge(ctx context.Context, r PurgeRequest, fn func(PurgeEvent) error) (*Receipt, error) {
	var rc *Receipt
	err := StreamEvents(ctx, c, http.MethodPost, "/v1/privacy/purge", r, func(ev PurgeEvent) error {
		if ev.Receipt != nil {
			rc = ev.Receipt
		}
		if fn != nil {
			return fn(ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rc == nil {
		return nil, fmt.Errorf("purge: the daemon ended the stream without a receipt")
	}
	return rc, nil
}

// PrivacyRequests lists receipts and purges in progress, newest first.
func (c *Client) PrivacyRequests(ctx context.Context) ([]Receipt, error) {
	var out []Receipt
	return out, c.Do(ctx, http.MethodGet, "/v1/privacy/requests", nil, &out)
}

// PrivacyRequest returns one receipt (or the state of a purge in progress).
func (c *Client) PrivacyRequest(ctx context.Context, code string) (*Receipt, error) {
	var out Receipt
	return &out, c.Do(ctx, http.MethodGet, "/v1/privacy/requests/"+url.PathEscape(code), nil, &out)
}

// RescanRequest scans again for what a receipt's purge removed and
// returns the receipt with the new result.
func (c *Client) RescanRequest(ctx context.Context, code string) (*Receipt, error) {
	var out Receipt
	return &out, c.Do(ctx, http.MethodPost, "/v1/privacy/requests/"+url.PathEscape(code)+"/rescan", nil, &out)
}

// AckFindings acknowledges a receipt's findings with a reason.
func (c *Client) AckFindings(ctx context.Context, code string, r AckRequest) (*Receipt, error) {
	var out Receipt
	return &out, c.Do(ctx, http.MethodPost, "/v1/privacy/requests/"+url.PathEscape(code)+"/ack", r, &out)
}

// Retention returns the policy of every kind.
func (c *Client) Retention(ctx context.Context) ([]RetentionPolicy, error) {
	var out []RetentionPolicy
	return out, c.Do(ctx, http.MethodGet, "/v1/privacy/retention", nil, &out)
}

// SetRetention changes one kind's policy; the daemon sweeps at once.
func (c *Client) SetRetention(ctx context.Context, kind, value string) (*RetentionPolicy, error) {
	var out RetentionPolicy
	return &out, c.Do(ctx, http.MethodPut, "/v1/privacy/retention/"+url.PathEscape(kind), RetentionUpdate{Value: value}, &out)
}

// Export writes the zip of everything held (or one connection's data) to
// w and returns its size.
func (c *Client) Export(ctx context.Context, r ExportRequest, w io.Writer) (int64, error) {
	v := url.Values{}
	if r.Connection != "" {
		v.Set("connection", r.Connection)
	}
	if r.NoMedia {
		v.Set("media", "0")
	}
	path := "/v1/privacy/export"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.send(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return n, ctxErr
		}
		return n, fmt.Errorf("export: %w", err)
	}
	// The daemon announces the size; a shorter body is a broken export.
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("export: got %d of %d bytes", n, resp.ContentLength)
	}
	if resp.Trailer.Get("X-Export-Error") != "" {
		return n, fmt.Errorf("export: the daemon failed while writing the zip: %s", resp.Trailer.Get("X-Export-Error"))
	}
	return n, nil
}
