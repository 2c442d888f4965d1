package privacy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/store"
)

// Retention on a clock: each kind of personal data is kept for a duration
// (the defaults below, which README "Privacy" lists; overridden in the
// store by `impress privacy retention set`). The daemon sweeps at start, every hour and after a
// policy change; a sweep that removed anything from the store ends with a
// compaction, since bbolt keeps deleted bytes in its free pages. The clock
// is Config.Now, so tests move time instead of waiting.

// retentionKind is one kind's policy.
type retentionKind struct {
	kind string
	def  string
	desc string
	// min refuses values that would break something: events are also the
	// duplicate-delivery window, which must outlast Meta's 36 h of retries.
	min time.Duration
}

func retentionKinds() []retentionKind {
	return []retentionKind{
		{api.RetainEvents, "30d", "webhook events and their duplicate-delivery keys", 48 * time.Hour},
		{api.RetainMessages, "90d", "DM thread summaries (and messages kept with --keep)", time.Hour},
		{api.RetainComments, "90d", "cached comments and replies", time.Hour},
		{api.RetainLogs, "14d", "daemon log lines and rotated log files", time.Hour},
		{api.RetainPublish, api.RetainWhileConnected, "publish records: while their connection exists, or a duration after they ended (and never past the connection)", time.Hour},
	}
}

func findRetentionKind(kind string) (retentionKind, bool) {
	for _, k := range retentionKinds() {
		if k.kind == kind {
			return k, true
		}
	}
	return retentionKind{}, false
}

// defaultSweepEvery is how often the daemon sweeps.
const defaultSweepEvery = time.Hour

// parseRetention reads "30d", "36h", "90m" or any Go duration; 0 is the
// value RetainWhileConnected (publish only).
func parseRetention(k retentionKind, v string) (time.Duration, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == api.RetainWhileConnected {
		if k.kind != api.RetainPublish {
			return 0, api.Errorf(api.CodeInvalid, "%q is only a value of the publish kind; %s takes a duration such as 30d", v, k.kind)
		}
		return 0, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, api.Errorf(api.CodeInvalid, "retention %q: want a duration such as 30d, 36h or 90m", v)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, api.Errorf(api.CodeInvalid, "retention %q: want a duration such as 30d, 36h or 90m", v)
		}
	}
	if d < k.min {
		return 0, api.Errorf(api.CodeInvalid, "retention of %s must be at least %s", k.kind, formatRetention(k.min))
	}
	if d > 100*365*24*time.Hour {
		return 0, api.Errorf(api.CodeInvalid, "retention %q is longer than a century", v)
	}
	return d, nil
}

// formatRetention writes whole days as "30d", the rest as Go durations.
func formatRetention(d time.Duration) string {
	if d == 0 {
		return api.RetainWhileConnected
	}
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// retentionPolicy returns each kind's current duration (0: while the
// connection exists) and the wire view.
func (s *Service) retentionPolicy() (map[string]time.Duration, []api.RetentionPolicy, error) {
	over, err := s.DB.Retention()
	if err != nil {
		return nil, nil, err
	}
	durs := map[string]time.Duration{}
	var out []api.RetentionPolicy
	for _, k := range retentionKinds() {
		v, isDef := over[k.kind], false
		d, err := parseRetention(k, v)
		if v == "" || err != nil {
			if v != "" {
				s.Log.Warn("privacy: unreadable retention override ignored", "kind", k.kind, "value", v)
			}
			v, isDef = k.def, true
			d, _ = parseRetention(k, v)
		}
		durs[k.kind] = d
		out = append(out, api.RetentionPolicy{Kind: k.kind, Value: formatRetention(d), Default: k.def, IsDefault: isDef, Description: k.desc})
	}
	return durs, out, nil
}

func (s *Service) getRetention(w http.ResponseWriter, r *http.Request) {
	_, out, err := s.retentionPolicy()
	httpx.Reply(w, s.Fail, out, err)
}

func (s *Service) putRetention(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	k, ok := findRetentionKind(kind)
	if !ok {
		names := make([]string, 0, 5)
		for _, k := range retentionKinds() {
			names = append(names, k.kind)
		}
		s.Fail(w, api.Errorf(api.CodeInvalid, "unknown retention kind %q: want one of %s", kind, strings.Join(names, ", ")))
		return
	}
	var u api.RetentionUpdate
	if !httpx.DecodeBody(w, r, &u) {
		return
	}
	value := ""
	if v := strings.TrimSpace(u.Value); v != "" && v != "default" {
		d, err := parseRetention(k, v)
		if err != nil {
			s.Fail(w, err)
			return
		}
		value = formatRetention(d)
	}
	if err := s.DB.SetRetention(kind, value); err != nil {
		s.Fail(w, err)
		return
	}
	s.Log.Info("privacy: retention changed", "kind", kind, "value", value)
	// A shorter policy applies now, not within the hour.
	if _, err := s.retentionSweep(r.Context()); err != nil {
		s.Fail(w, err)
		return
	}
	_, pols, err := s.retentionPolicy()
	if err != nil {
		s.Fail(w, err)
		return
	}
	for _, p := range pols {
		if p.Kind == kind {
			httpx.WriteJSON(w, http.StatusOK, p)
			return
		}
	}
}

// sweepResult counts what a sweep removed, by kind.
type sweepResult map[string]int

// retentionSweep removes what the policy says has expired.
func (s *Service) retentionSweep(ctx context.Context) (sweepResult, error) {
	s.privacy.run.Lock()
	defer s.privacy.run.Unlock()
	durs, _, err := s.retentionPolicy()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	res := sweepResult{}
	if res[api.RetainEvents], err = s.DB.PruneEvents(now.Add(-durs[api.RetainEvents])); err != nil {
		return res, err
	}
	if res[api.RetainMessages], err = s.DB.PruneThreads(now.Add(-durs[api.RetainMessages])); err != nil {
		return res, err
	}
	if res[api.RetainComments], err = s.DB.PruneComments(now.Add(-durs[api.RetainComments])); err != nil {
		return res, err
	}
	pubCutoff := now.Add(-durs[api.RetainPublish])
	st, err := s.DB.DeleteJobs(func(j store.Job, exists func(string) bool) bool {
		if j.Kind != api.JobPublish || j.Conn == "" {
			return false
		}
		if !exists(j.Conn) {
			return true
		}
		return durs[api.RetainPublish] > 0 && (api.Job{State: j.State}).Terminal() && j.UpdatedAt.Before(pubCutoff)
	})
	if err != nil {
		return res, err
	}
	res[api.RetainPublish] = st.Jobs
	// Answered callbacks past their freshness window: keyed digests, but
	// of requests that name people; nothing needs them any more.
	if _, err := s.DB.PruneSeenRequests(now); err != nil {
		return res, err
	}
	stored := 0
	for _, n := range res {
		stored += n
	}
	res[api.RetainLogs] = s.pruneLogs(now.Add(-durs[api.RetainLogs]))
	if stored > 0 {
		if err := s.DB.Compact(); err != nil {
			return res, fmt.Errorf("privacy: compact after the sweep: %w", err)
		}
		s.Log.Info("privacy: retention sweep", "events", res[api.RetainEvents], "messages", res[api.RetainMessages],
			"comments", res[api.RetainComments], "publish", res[api.RetainPublish], "log_lines", res[api.RetainLogs])
	}
	return res, nil
}

// sweeper sweeps every sweepEvery until stop.
func (s *Service) sweeper(ctx context.Context, stop, done chan struct{}) {
	defer close(done)
	every := s.privacy.sweepEvery
	if every <= 0 {
		every = defaultSweepEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
			if _, err := s.retentionSweep(ctx); err != nil {
				s.Log.Error("privacy: retention sweep failed", "err", err)
			}
		}
	}
}

// logLineTime is the time of a JSON log line (zero when it has none).
func logLineTime(line string) time.Time {
	var rec struct {
		Time time.Time `json:"time"`
	}
	if json.Unmarshal([]byte(line), &rec) != nil {
		return time.Time{}
	}
	return rec.Time
}

// pruneLogs removes rotated log files last written before cutoff, and
// lines older than cutoff from the files that remain (a quiet daemon may
// not rotate for months). It returns how many lines and files went.
func (s *Service) pruneLogs(cutoff time.Time) int {
	removed := 0
	if s.LogFile != nil {
		removed += s.LogFile.PruneOlderThan(cutoff)
	} else {
		files, _ := filepath.Glob(s.Paths.LogFile() + ".*")
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil && fi.ModTime().Before(cutoff) && os.Remove(f) == nil {
				removed++
			}
		}
	}
	stale := false
	for _, f := range s.logFiles() {
		if t := firstLineTime(f); !t.IsZero() && t.Before(cutoff) {
			stale = true
			break
		}
	}
	if !stale {
		return removed
	}
	keep := func(l string) bool {
		t := logLineTime(l)
		return t.IsZero() || !t.Before(cutoff)
	}
	if s.LogFile != nil {
		n, err := s.LogFile.Rewrite(keep)
		if err != nil {
			s.Log.Error("privacy: prune log lines", "err", err)
		}
		return removed + n
	}
	for _, name := range s.logFiles() {
		if n, err := logx.FilterFile(name, keep); err == nil {
			removed += n
		}
	}
	return removed
}

func firstLineTime(name string) time.Time {
	f, err := os.Open(name)
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if sc.Scan() {
		return logLineTime(sc.Text())
	}
	return time.Time{}
}
