package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/store"
	"gopkg.in/yaml.v3"
)

// Planning a purge: what it covers (connections, projects, files), how
// much of each kind, and which identifiers the final scan looks for. The
// identifiers are read from the data itself before anything is deleted
// (the data keys are destroyed right after), from every record the scope
// owns; identifiers that data outside the scope also holds (a commenter on
// both connections' posts, a file imported into two projects) are left
// out, since the kept data legitimately still contains them.

// Receipt count kinds.
const (
	cntConnections = "connections"
	cntTokens      = "tokens"
	cntDataKeys    = "data_keys"
	cntComments    = "comments"
	cntThreads     = "message_summaries"
	cntEvents      = "webhook_events"
	cntPublish     = "publish_records"
	cntRenderJobs  = "render_jobs"
	cntProjects    = "projects"
	cntMedia       = "media_files"
	cntRenders     = "renders"
	cntAccount     = "account_profile"
	cntIndex       = "index_entries"
	cntLogLines    = "log_lines"
	cntFiles       = "files"
	cntUnreadable  = "unreadable_values"
)

// purgeTarget is what a purge was asked to cover.
type purgeTarget struct {
	Scope  string `json:"scope"`
	Target string `json:"target,omitempty"` // connection or project name
}

// planData is what planning found. Only IDs is personal (the purge seals
// it); the rest are names and hashes impress made.
type planData struct {
	IDs      []scanID `json:"ids"`
	Conns    []string `json:"conns,omitempty"`
	Projects []string `json:"projects,omitempty"`
	Media    []string `json:"media,omitempty"`   // sha256 of media records to delete
	Renders  []string `json:"renders,omitempty"` // render cache keys to delete
	Files    []string `json:"files,omitempty"`   // absolute paths to delete
	Shared   int      `json:"shared,omitempty"`
	TooShort int      `json:"too_short,omitempty"`
}

// purgePlan is a planned purge.
type purgePlan struct {
	data    planData
	counts  map[string]int
	effects []api.PurgeEffect
	notes   []string
}

// baseName is the file-name identifier of a path ("" for none).
func baseName(p string) string {
	if p == "" {
		return ""
	}
	b := filepath.Base(p)
	if b == "." || b == "/" {
		return ""
	}
	return b
}

// resolvePurge checks a request and says which connections and projects it
// covers. Errors are wire errors (not_found, invalid_input).
func (s *Service) resolvePurge(t purgeTarget) (conns, projects []string, err error) {
	switch t.Scope {
	case api.ScopeConnection:
		all, err := s.DB.ConnNamesAnywhere()
		if err != nil {
			return nil, nil, err
		}
		if !slices.Contains(all, t.Target) {
			hint := "`impress auth status` lists the connections"
			if len(all) == 0 {
				hint = "there is no connection"
			}
			return nil, nil, &api.Error{Code: api.CodeNotFound, Message: fmt.Sprintf("no connection named %q holds any data", t.Target), Hint: hint}
		}
		return []string{t.Target}, nil, nil
	case api.ScopeMeta, api.ScopeAll:
		all, err := s.DB.ConnNamesAnywhere()
		if err != nil {
			return nil, nil, err
		}
		if t.Scope == api.ScopeAll {
			ps, err := s.DB.Projects()
			if err != nil {
				return nil, nil, err
			}
			for _, p := range ps {
				projects = append(projects, p.Name)
			}
		}
		return all, projects, nil
	case api.ScopeProject:
		if _, err := s.DB.Project(t.Target); err != nil {
			if store.IsNotFound(err) {
				return nil, nil, feature.ProjectNotFound(t.Target)
			}
			return nil, nil, err
		}
		return nil, []string{t.Target}, nil
	case api.ScopeAccount, api.ScopeMetaUser:
		return nil, nil, nil
	}
	return nil, nil, api.Errorf(api.CodeInvalid, "unknown purge scope %q: want connection, meta, project, account or all", t.Scope)
}

// planPurge reads everything the store holds and sorts it into the scope
// and the rest. metaUser is the app-scoped id of a deletion request (scope
// meta_user), looked for by the scan.
func (s *Service) planPurge(ctx context.Context, t purgeTarget, metaUser string) (*purgePlan, error) {
	conns, projects, err := s.resolvePurge(t)
	if err != nil {
		return nil, err
	}
	p := &purgePlan{counts: map[string]int{}}
	p.data.Conns, p.data.Projects = conns, projects
	all := t.Scope == api.ScopeAll
	c := newIDCollector()
	if metaUser != "" {
		c.add(true, idAccount, metaUser)
	}

	names, err := s.DB.ConnNamesAnywhere()
	if err != nil {
		return nil, err
	}
	unreadable := 0
	for _, n := range names {
		owned := slices.Contains(conns, n)
		u, err := s.collectConn(ctx, c, n, owned, p.counts)
		if err != nil {
			return nil, err
		}
		if owned {
			unreadable += u
		}
	}
	if unreadable > 0 {
		p.counts[cntUnreadable] = unreadable
		p.notes = append(p.notes, fmt.Sprintf("%d sealed values could not be read (their data key is gone or was sealed under another master key): nobody can read them, and their identifiers are not in the scan", unreadable))
	}
	if err := s.collectJobs(c, t, conns, p); err != nil {
		return nil, err
	}
	if err := s.collectProjects(c, t, projects, p); err != nil {
		return nil, err
	}
	if n := p.counts[cntRenders]; n > 0 {
		p.effects = append(p.effects, api.PurgeEffect{Kind: api.EffectRenders, Action: api.EffectDeleted, Count: n,
			Note: fmt.Sprintf("%d rendered video(s) in the render cache are deleted", n)})
	}
	sortEffects(p.effects)
	acct, err := s.DB.Account()
	if err != nil {
		return nil, err
	}
	ownAcct := all || t.Scope == api.ScopeAccount
	c.add(ownAcct, idProfile, acct.Email, acct.Company, acct.Store, acct.Contact)
	if ownAcct && acct.Email+acct.Company+acct.Store+acct.Contact != "" {
		p.counts[cntAccount] = 1
	}
	p.data.IDs, p.data.Shared, p.data.TooShort = c.result()
	if p.data.Shared > 0 {
		p.notes = append(p.notes, fmt.Sprintf("%d identifiers are also held by data outside the scope and stay with it", p.data.Shared))
	}
	return p, nil
}

// collectConn reads one connection's record and sealed values. It returns
// how many sealed values could not be opened.
func (s *Service) collectConn(ctx context.Context, c *idCollector, name string, owned bool, counts map[string]int) (int, error) {
	n := func(kind string, v int) {
		if owned {
			counts[kind] += v
		}
	}
	cnt, err := s.DB.CountConn(name)
	if err != nil {
		return 0, err
	}
	n(cntIndex, cnt.AccountIndex)
	if cnt.DataKey {
		n(cntDataKeys, 1)
	}
	// The key may be gone (a purge resumed after shredding) or the master
	// key unavailable: the sealed values are then unreadable, to us too.
	var dk *secrets.DataKey
	if cnt.DataKey {
		dk, _ = s.accounts.ConnKey(ctx, name)
	}
	unreadable := 0
	conn, err := s.DB.Conn(name)
	switch {
	case err == nil:
		n(cntConnections, 1)
		c.add(owned, idAccount, conn.IGUserID, conn.AppUserID, conn.PageID)
		for _, f := range []string{feature.FieldToken, feature.FieldPageToken} {
			sealed := conn.SealedToken
			if f == feature.FieldPageToken {
				sealed = conn.SealedPageToken
			}
			if len(sealed) == 0 {
				continue
			}
			n(cntTokens, 1)
			if dk == nil {
				unreadable++
				continue
			}
			if tok, err := s.accounts.OpenToken(dk, conn, f); err == nil {
				c.add(owned, idToken, tok)
			} else {
				unreadable++
			}
		}
		if len(conn.SealedProfile) > 0 {
			var pr feature.Profile
			if dk != nil {
				pr = s.accounts.OpenProfile(dk, conn)
			}
			c.add(owned, idUsername, pr.Username)
			c.add(owned, idName, pr.Name)
			c.add(owned, idProfile, pr.ProfilePictureURL)
		}
	case !store.IsNotFound(err):
		return 0, err
	}

	addTo := func(c *idCollector) func(kind string, vs ...string) {
		return func(kind string, vs ...string) { c.add(owned, kind, vs...) }
	}
	count := func(kind, cnt, field string, extract func(add func(string, ...string), raw []byte)) error {
		got, bad, err := s.openAll(name, kind, field, dk, c, addTo, extract)
		n(cnt, got)
		unreadable += bad
		if kind == store.BlobEvents {
			// Each event has an events/ index entry and a dedupe entry.
			n(cntIndex, 2*got)
		}
		return err
	}
	for _, k := range []struct{ kind, cnt, field string }{
		{store.BlobComments, cntComments, records.FieldComment},
		{store.BlobThreads, cntThreads, records.FieldThread},
		{store.BlobEvents, cntEvents, records.FieldEvent},
	} {
		if err := count(k.kind, k.cnt, k.field, extractIDs); err != nil {
			return 0, err
		}
	}
	return unreadable, nil
}

// jobProjects returns the projects a job was made from.
func jobProjects(j store.Job) []string {
	var out []string
	switch j.Kind {
	case api.JobPublish:
		if d := api.PublishDetailOf(&api.Job{Detail: j.Detail}); d != nil {
			for _, it := range d.Items {
				if it.SourceKind == "project" {
					out = append(out, it.Source)
				}
			}
		}
	case api.JobRender:
		var d api.RenderDetail
		if json.Unmarshal(j.Detail, &d) == nil && d.Request.Project != "" {
			out = append(out, d.Request.Project)
		}
	}
	return out
}

// jobOwned says whether a purge covers a job.
func jobOwned(j store.Job, scope string, conns, projects []string) bool {
	if scope == api.ScopeAll {
		return true
	}
	if j.Conn != "" && slices.Contains(conns, j.Conn) {
		return true
	}
	if scope == api.ScopeProject {
		for _, p := range jobProjects(j) {
			if slices.Contains(projects, p) {
				return true
			}
		}
	}
	return false
}

func (s *Service) collectJobs(c *idCollector, t purgeTarget, conns []string, p *purgePlan) error {
	jobs, err := s.DB.Jobs("")
	if err != nil {
		return err
	}
	var projects []string
	if t.Scope == api.ScopeProject {
		projects = []string{t.Target}
	}
	fx := jobEffects{now: s.Now(), inside: s.insideDirs}
	for _, j := range jobs {
		owned := jobOwned(j, t.Scope, conns, projects)
		if owned {
			if j.Kind == api.JobPublish {
				p.counts[cntPublish]++
			} else {
				p.counts[cntRenderJobs]++
			}
			if j.Key != "" {
				p.counts[cntIndex]++
			}
			fx.add(j)
		}
		switch j.Kind {
		case api.JobPublish:
			d := api.PublishDetailOf(&api.Job{Detail: j.Detail})
			if d == nil {
				continue
			}
			c.add(owned, idCaption, d.Caption, d.FirstComment, d.AltText)
			c.add(owned, idUsername, d.Collaborators...)
			c.add(owned, idFile, baseName(d.Cover))
			for _, it := range d.Items {
				if it.SourceKind != "project" {
					c.add(owned, idFile, baseName(it.Source), baseName(it.Target))
				}
			}
		case api.JobRender:
			var d api.RenderDetail
			if json.Unmarshal(j.Detail, &d) == nil {
				c.add(owned, idFile, baseName(d.Request.Spec), baseName(d.Request.Media), baseName(d.Request.Out))
			}
		}
	}
	p.effects = append(p.effects, fx.effects()...)
	return nil
}

// jobEffects counts what a purge does to the jobs it covers besides
// deleting their records: posts that will not be published, renders
// stopped, and what it cannot take back (posts live on Instagram, files
// written with render --out).
type jobEffects struct {
	now                                    time.Time
	inside                                 func(path string) bool
	scheduled, queued, renders, outs, live int
	next                                   time.Time
}

func (f *jobEffects) add(j store.Job) {
	active := j.State == api.JobQueued || j.State == api.JobRunning
	switch j.Kind {
	case api.JobPublish:
		d := api.PublishDetailOf(&api.Job{Detail: j.Detail})
		switch {
		case active && d != nil && d.At != nil && d.At.After(f.now):
			f.scheduled++
			if f.next.IsZero() || d.At.Before(f.next) {
				f.next = d.At.UTC()
			}
		case active:
			f.queued++
		case j.State == api.JobDone && d != nil && d.MediaID != "":
			f.live++
		}
	case api.JobRender:
		var d api.RenderDetail
		json.Unmarshal(j.Detail, &d)
		switch {
		case active:
			f.renders++
		case j.State == api.JobDone && d.Request.Out != "" && !f.inside(d.Request.Out):
			f.outs++
		}
	}
}

func (f *jobEffects) effects() []api.PurgeEffect {
	var out []api.PurgeEffect
	if f.scheduled > 0 {
		out = append(out, api.PurgeEffect{Kind: api.EffectScheduledPosts, Action: api.EffectCancelled, Count: f.scheduled, Next: f.next,
			Note: fmt.Sprintf("%d scheduled post(s) are cancelled and will not be published (the next was due %s)", f.scheduled, f.next.Format("2006-01-02 15:04 UTC"))})
	}
	for _, e := range []struct {
		count        int
		kind, action string
		note         string // a format for the count
	}{
		{f.queued, api.EffectQueuedPosts, api.EffectCancelled, "%d post(s) queued or being published are cancelled"},
		{f.renders, api.EffectRenderJobs, api.EffectCancelled, "%d render(s) queued or running are cancelled"},
		{f.live, api.EffectPublishedPosts, api.EffectKept, "%d published post(s) stay on Instagram: a purge deletes what impress holds, not what Meta shows (delete them in the Instagram app)"},
		{f.outs, api.EffectRenderOutputs, api.EffectKept, "%d file(s) written with `render --out` stay where they were written: a purge deletes only files in impress's own directories"},
	} {
		if e.count > 0 {
			out = append(out, api.PurgeEffect{Kind: e.kind, Action: e.action, Count: e.count, Note: fmt.Sprintf(e.note, e.count)})
		}
	}
	return out
}

// sortEffects puts cancellations first (what the user most needs to
// know before saying yes), then deletions, then what stays.
func sortEffects(fx []api.PurgeEffect) {
	rank := map[string]int{api.EffectCancelled: 0, api.EffectDeleted: 1, api.EffectKept: 2}
	slices.SortStableFunc(fx, func(a, b api.PurgeEffect) int { return rank[a.Action] - rank[b.Action] })
}

// specKeys are the spec keys whose values are people's words.
var specKeys = map[string]bool{"text": true, "caption": true, "first_comment": true, "collaborators": true, "alt_text": true}

func collectSpec(c *idCollector, owned bool, spec []byte) {
	var v any
	if yaml.Unmarshal(spec, &v) != nil {
		return
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if specKeys[key] {
				c.add(owned, idSpec, x)
			}
		}
	}
	walk("", v)
}

// collectProjects covers projects, the media only they hold, and their
// renders.
func (s *Service) collectProjects(c *idCollector, t purgeTarget, projects []string, p *purgePlan) error {
	all := t.Scope == api.ScopeAll
	ps, err := s.DB.Projects()
	if err != nil {
		return err
	}
	keptAssets := map[string]bool{}
	ownedAssets := map[string]bool{}
	for _, pr := range ps {
		owned := all || slices.Contains(projects, pr.Name)
		if owned {
			p.counts[cntProjects]++
			p.counts[cntIndex]++ // project_names entry
		}
		// The name is a label the user chose, like a connection's: the
		// purge record keeps it to resume, and log lines naming it go
		// (lineFilter); it is not scanned for.
		collectSpec(c, owned, pr.Spec)
		for _, a := range pr.Assets {
			if owned {
				ownedAssets[a] = true
			} else {
				keptAssets[a] = true
			}
		}
	}
	media, err := s.DB.AllMedia()
	if err != nil {
		return err
	}
	for _, m := range media {
		owned := all || ownedAssets[m.SHA256] && !keptAssets[m.SHA256]
		c.add(owned, idFile, m.Name, baseName(m.Source))
		if owned {
			p.counts[cntMedia]++
			p.data.Media = append(p.data.Media, m.SHA256)
			p.data.Files = append(p.data.Files, mediastore.Path(s.Paths.DataDir, m))
		}
	}
	renders, err := s.DB.Renders("")
	if err != nil {
		return err
	}
	for _, r := range renders {
		owned := all || r.Project != "" && slices.Contains(projects, r.Project)
		if r.Project == "" {
			c.add(owned, idFile, baseName(r.Target))
		}
		if owned {
			p.counts[cntRenders]++
			p.data.Renders = append(p.data.Renders, r.Key)
			for _, f := range []string{r.Path, r.Cover} {
				if f != "" {
					p.data.Files = append(p.data.Files, f)
				}
			}
		}
	}
	return nil
}
