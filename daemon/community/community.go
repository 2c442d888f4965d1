// Package community is the daemon's community feature: comments, direct
// messages, mentions, webhook events, Meta's deauthorize callback, and the
// public endpoint, whose listener it owns (public.go, webhooks.go,
// community_dm.go, community_mentions.go). Other features serve their
// public routes through it (feature.PublicRoutes). It reaches the auth
// feature only through feature.Accounts.
//
//	GET  /v1/comments?media=&all=&offline=   list (and cache) a media's comments
//	POST /v1/comments/{id}/reply             public reply
//	POST /v1/comments/{id}/hide              hide or unhide
//	POST /v1/comments/{id}/delete            delete
//	POST /v1/comments/{id}/private-reply     the one private DM reply
//	GET  /v1/mentions                        @mentions received by webhook
//	POST /v1/mentions/reply                  answer a mention
//	GET  /v1/messages                        DM thread summaries
//	GET  /v1/messages/{thread}               newest messages of a thread
//	POST /v1/messages/{thread}/send          reply inside the 24 h window
//	GET  /v1/events?since=&type=&follow=     stored webhook events (NDJSON with follow)
//
// What is cached (comments, thread summaries, events, and message bodies
// only with --keep) lives in the connection's subtree, sealed with the
// connection's data key (package records), so that a purge (or destroying the key) removes it
// and the privacy sweeper ages it out (store Prune… by Blob.At).
package community

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// metaCommunityTimeout bounds one command's Meta calls (a --all listing
// reads many pages).
const metaCommunityTimeout = 2 * time.Minute

// communityState is the feature's state. Its zero value is ready.
type communityState struct {
	// mu guards the public handlers, listener and followers. Lock order:
	// a leaf; wake-ups of followers under it never block.
	mu             sync.Mutex
	publicHandlers map[string]http.Handler
	public         *publicListener
	publicErr      error
	followers      map[chan struct{}]struct{}
	// proxies is daemon.trusted_proxies parsed, for the value proxiesKey.
	proxies    []netip.Prefix
	proxiesKey string

	// lifeMu serialises starting, moving and stopping the public listener
	// (Start, Reload, Stop). Lock order: taken with no other lock held;
	// mu under it. publicWant (the daemon.public_listen the listener was
	// started for) and base (the daemon's lifetime, which the listener's
	// requests derive from) are guarded by it.
	lifeMu     sync.Mutex
	publicWant string
	base       context.Context

	// cacheMu serialises read-modify-writes of cached records (webhooks
	// and commands update the same thread summaries). Lock order: taken
	// with no other lock held; under it the auth state lock (ConnKey) and
	// the store, never a call to Meta.
	cacheMu sync.Mutex
}

// Service is the community feature. It implements feature.PublicRoutes.
type Service struct {
	feature.Deps
	accounts feature.Accounts
	comm     communityState
	// deauthorizeOnce answers each signed deauthorize request once.
	deauthorizeOnce *public.Replays
}

var _ feature.PublicRoutes = (*Service)(nil)

// New builds the community feature on the auth feature's accounts.
func New(d feature.Deps, accounts feature.Accounts) *Service {
	return &Service{Deps: d, accounts: accounts, deauthorizeOnce: public.NewReplays(publicDeauthorize)}
}

// Routes registers the comments, mentions, messages and events routes.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/comments", s.NeedStore(s.listComments))
	mux.HandleFunc("POST /v1/comments/{id}/reply", s.NeedStore(s.replyComment))
	mux.HandleFunc("POST /v1/comments/{id}/hide", s.NeedStore(s.hideComment))
	mux.HandleFunc("POST /v1/comments/{id}/delete", s.NeedStore(s.deleteComment))
	mux.HandleFunc("POST /v1/comments/{id}/private-reply", s.NeedStore(s.privateReply))
	mux.HandleFunc("GET /v1/mentions", s.NeedStore(s.listMentions))
	mux.HandleFunc("POST /v1/mentions/reply", s.NeedStore(s.replyMention))
	mux.HandleFunc("GET /v1/messages", s.NeedStore(s.listThreads))
	mux.HandleFunc("GET /v1/messages/{thread}", s.NeedStore(s.showThread))
	mux.HandleFunc("POST /v1/messages/{thread}/send", s.NeedStore(s.sendMessage))
	mux.HandleFunc("GET /v1/events", s.NeedStore(s.listEvents))
}

// Start opens the public listener when daemon.public_listen is set.
func (s *Service) Start(ctx context.Context) error {
	c := &s.comm
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	c.base = ctx
	s.startPublic(ctx)
	return nil
}

// Reload applies a changed daemon.public_listen at once (`config set`
// reloads the daemon): the listener moves to the new address, stops, or
// starts. One that failed to listen is tried again, since the port may
// be free now. Anything else the feature reads, it reads per request.
func (s *Service) Reload(ctx context.Context) {
	c := &s.comm
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	if c.base == nil {
		return // not started (recovery state)
	}
	want := strings.TrimSpace(s.Settings().String(config.DaemonPublicListen))
	c.mu.Lock()
	failed := c.publicErr != nil
	c.mu.Unlock()
	if want == c.publicWant && !failed {
		return
	}
	s.stopPublic(ctx)
	s.startPublic(c.base)
}

// Stop shuts the public listener down (bounded by ctx).
func (s *Service) Stop(ctx context.Context) {
	c := &s.comm
	c.lifeMu.Lock()
	defer c.lifeMu.Unlock()
	s.stopPublic(ctx)
	c.base = nil
}

// stopPublic shuts the listener down and forgets it; lifeMu is held.
func (s *Service) stopPublic(ctx context.Context) {
	c := &s.comm
	c.mu.Lock()
	pl := c.public
	c.public, c.publicErr = nil, nil
	c.mu.Unlock()
	if pl != nil {
		pl.stop(ctx)
		s.Log.Info("public endpoint stopped", "addr", pl.addr)
	}
}

// Health is doctor's view of the public endpoint and webhooks.
func (s *Service) Health() []api.Check { return s.publicHealth() }

// idRE is what a Meta id given on the command line may look like: digits
// for media and comments, base64url for conversations. Anything else
// (slashes, dots, query characters) would change the Graph path.
var idRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_=-]{1,128}$`) })

func checkID(kind, id string) *api.Error {
	if !idRE().MatchString(id) {
		return api.Errorf(api.CodeInvalid, "%q is not a valid %s id", id, kind)
	}
	return nil
}

// communityCtx bounds the Meta calls of one command.
func communityCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, metaCommunityTimeout)
}

// --- comments ---------------------------------------------------------

func commentFromMeta(mediaID, parent string, c meta.Comment) records.Comment {
	r := records.Comment{ID: c.ID, MediaID: mediaID, ParentID: c.ParentID, Text: c.Text, Username: c.Username,
		Timestamp: c.Timestamp.Time.UTC(), LikeCount: c.LikeCount, Hidden: c.Hidden}
	if r.ParentID == "" {
		r.ParentID = parent
	}
	if c.From != nil {
		r.FromID = c.From.ID
		if r.Username == "" {
			r.Username = c.From.Username
		}
	}
	return r
}

// commentTree nests replies under their parents, both sorted by time
// (Meta's order is not to be relied on, §4); replies whose parent is
// unknown are listed at the top level.
func commentTree(list []api.Comment) []api.Comment {
	byID := map[string]int{}
	var top []api.Comment
	var replies []api.Comment
	for _, c := range list {
		if c.ParentID == "" {
			byID[c.ID] = len(top)
			top = append(top, c)
		} else {
			replies = append(replies, c)
		}
	}
	sortComments(replies)
	for _, r := range replies {
		if i, ok := byID[r.ParentID]; ok {
			top[i].Replies = append(top[i].Replies, r)
		} else {
			top = append(top, r)
		}
	}
	sortComments(top)
	return top
}

func sortComments(cs []api.Comment) {
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].Timestamp.Equal(cs[j].Timestamp) {
			return cs[i].Timestamp.Before(cs[j].Timestamp)
		}
		return cs[i].ID < cs[j].ID
	})
}

// resolveMedia turns MEDIA (a media id, a publish job id or "latest") into
// a media id. Job ids are the daemon's small sequence numbers; Instagram
// media ids have 15 digits or more, so a number of up to 12 digits is a
// job.
func (s *Service) resolveMedia(ctx context.Context, conn, arg string, cl *meta.Client, ci feature.ConnInfo) (string, error) {
	switch {
	case arg == "":
		return "", api.Errorf(api.CodeInvalid, "which media? give a media id, a publish job id or `latest`")
	case arg == "latest":
		jobs, err := s.DB.Jobs(api.JobPublish)
		if err != nil {
			return "", err
		}
		for _, j := range jobs { // newest first
			if d := publishedMedia(j); d.MediaID != "" && (j.Conn == conn || d.Connection == conn) {
				return d.MediaID, nil
			}
		}
		if cl == nil {
			return "", api.Errorf(api.CodeNotFound, "no media published with impress on connection %q is known offline; give a media id", conn)
		}
		media, _, err := cl.ListMedia(ctx, ci.IGUserID, meta.ListMediaOptions{PageOptions: meta.PageOptions{Limit: 1}, Fields: []string{"id"}})
		if err != nil {
			return "", s.accounts.MetaFail(conn, err)
		}
		if len(media) == 0 {
			return "", api.Errorf(api.CodeNotFound, "the account of connection %q has no media yet", conn)
		}
		return media[0].ID, nil
	}
	if len(arg) <= 12 {
		if id, err := strconv.ParseUint(arg, 10, 64); err == nil {
			j, err := s.DB.Job(id)
			if err != nil {
				if store.IsNotFound(err) {
					return "", api.Errorf(api.CodeNotFound, "no job %s (a number this short is a job id; media ids are longer)", arg)
				}
				return "", err
			}
			if j.Kind != api.JobPublish {
				return "", api.Errorf(api.CodeInvalid, "job %s is a %s job, not a publish", arg, j.Kind)
			}
			d := publishedMedia(j)
			if d.MediaID == "" {
				return "", &api.Error{Code: api.CodeConflict, Message: fmt.Sprintf("job %s has no media id yet (state %s)", arg, j.State),
					Hint: "wait for it with `impress jobs wait " + arg + "`"}
			}
			return d.MediaID, nil
		}
	}
	if err := checkID("media", arg); err != nil {
		return "", err
	}
	return arg, nil
}

// publishedMedia reads what comments need from a publish job's detail
// (api.PublishDetail, written by the publish feature).
func publishedMedia(j store.Job) (d struct {
	MediaID    string `json:"media_id"`
	Connection string `json:"connection"`
}) {
	if len(j.Detail) > 0 {
		json.Unmarshal(j.Detail, &d)
	}
	return d
}

func boolParam(r *http.Request, name string) bool {
	v := r.URL.Query().Get(name)
	return v == "1" || v == "true"
}

func (s *Service) listComments(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := communityCtx(r.Context())
	defer cancel()
	q := r.URL.Query()
	conn, offline := q.Get("connection"), boolParam(r, "offline")
	var out *api.CommentList
	var err error
	if offline {
		out, err = s.cachedComments(ctx, conn, q.Get("media"))
	} else {
		out, err = s.fetchComments(ctx, conn, q.Get("media"), boolParam(r, "all"))
	}
	httpx.Reply(w, s.Fail, out, err)
}

func (s *Service) cachedComments(ctx context.Context, conn, media string) (*api.CommentList, error) {
	c, err := s.accounts.ResolveConn(conn)
	if err != nil {
		return nil, err
	}
	mediaID, err := s.resolveMedia(ctx, c.Name, media, nil, feature.ConnInfo{})
	if err != nil {
		return nil, err
	}
	dk, err := s.accounts.ConnKey(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	entries, err := s.DB.MediaComments(c.Name, mediaID)
	if err != nil {
		return nil, err
	}
	out := &api.CommentList{Connection: c.Name, MediaID: mediaID, Offline: true, Comments: []api.Comment{}}
	var flat []api.Comment
	for _, e := range entries {
		var rec records.Comment
		if err := records.Open(dk, records.FieldComment, e.Data, &rec); err != nil {
			s.Log.Warn("cached comment unreadable", "connection", c.Name, "err", err)
			continue
		}
		flat = append(flat, rec.ToAPI(e.At))
	}
	if t := commentTree(flat); t != nil {
		out.Comments = t
	}
	return out, nil
}

func (s *Service) fetchComments(ctx context.Context, conn, media string, all bool) (*api.CommentList, error) {
	cl, ci, err := s.accounts.MetaClient(ctx, conn)
	if err != nil {
		return nil, err
	}
	mediaID, err := s.resolveMedia(ctx, ci.Name, media, cl, ci)
	if err != nil {
		return nil, err
	}
	var recs []records.Comment
	seen := map[string]bool{}
	add := func(rec records.Comment) {
		if !seen[rec.ID] {
			seen[rec.ID] = true
			recs = append(recs, rec)
		}
	}
	more := false
	page := meta.PageOptions{}
	for {
		list, paging, err := cl.Comments(ctx, mediaID, page)
		if err != nil {
			return nil, s.accounts.MetaFail(ci.Name, err)
		}
		for _, c := range list {
			add(commentFromMeta(mediaID, "", c))
			for _, rep := range c.Replies {
				add(commentFromMeta(mediaID, c.ID, rep))
			}
		}
		if !paging.HasNext || paging.After == "" {
			break
		}
		if !all {
			more = true
			break
		}
		page.After = paging.After
	}
	dk, err := s.accounts.ConnKey(ctx, ci.Name)
	if err != nil {
		return nil, err
	}
	s.comm.cacheMu.Lock()
	defer s.comm.cacheMu.Unlock()
	// Keep what only impress knows (the private reply was sent).
	old := map[string]records.Comment{}
	if entries, err := s.DB.MediaComments(ci.Name, mediaID); err == nil {
		for _, e := range entries {
			var rec records.Comment
			if records.Open(dk, records.FieldComment, e.Data, &rec) == nil {
				old[rec.ID] = rec
			}
		}
	}
	now := s.Now().UTC()
	entries := make([]store.CommentEntry, 0, len(recs))
	flat := make([]api.Comment, 0, len(recs))
	for _, rec := range recs {
		rec.PrivateReplied = old[rec.ID].PrivateReplied
		sealed, err := records.Seal(dk, records.FieldComment, rec)
		if err != nil {
			return nil, err
		}
		entries = append(entries, store.CommentEntry{MediaID: mediaID, CommentID: rec.ID, Blob: store.Blob{At: now, Data: sealed}})
		flat = append(flat, rec.ToAPI(now))
	}
	if more {
		err = s.DB.PutComments(ci.Name, entries)
	} else {
		// A complete listing: comments gone from Instagram leave the cache.
		err = s.DB.ReplaceMediaComments(ci.Name, mediaID, entries)
	}
	if err != nil {
		return nil, err
	}
	out := &api.CommentList{Connection: ci.Name, MediaID: mediaID, More: more, Comments: commentTree(flat)}
	if out.Comments == nil {
		out.Comments = []api.Comment{}
	}
	return out, nil
}

// updateCachedComment applies fn to a cached comment, if it is cached.
func (s *Service) updateCachedComment(ctx context.Context, conn, id string, fn func(*records.Comment) (del bool)) {
	s.comm.cacheMu.Lock()
	defer s.comm.cacheMu.Unlock()
	e, err := s.DB.FindComment(conn, id)
	if err != nil {
		return
	}
	dk, err := s.accounts.ConnKey(ctx, conn)
	if err != nil {
		return
	}
	var rec records.Comment
	if records.Open(dk, records.FieldComment, e.Data, &rec) != nil {
		return
	}
	if fn(&rec) {
		s.DB.DeleteCachedComment(conn, e.MediaID, id)
		return
	}
	if sealed, err := records.Seal(dk, records.FieldComment, rec); err == nil {
		s.DB.PutComments(conn, []store.CommentEntry{{MediaID: e.MediaID, CommentID: id, Blob: store.Blob{At: s.Now().UTC(), Data: sealed}}})
	}
}

// putCachedComment caches a new comment unless it is cached already (a
// listing knows more than a webhook: like count, hidden state).
func (s *Service) putCachedComment(ctx context.Context, conn string, rec records.Comment) error {
	return s.putCachedComments(ctx, conn, []records.Comment{rec})
}

// putCachedComments adds comments not cached yet, in one commit (a
// webhook batch of a thousand comments is one fsync, not a thousand).
func (s *Service) putCachedComments(ctx context.Context, conn string, recs []records.Comment) error {
	s.comm.cacheMu.Lock()
	defer s.comm.cacheMu.Unlock()
	var entries []store.CommentEntry
	seen := map[string]bool{}
	for _, rec := range recs {
		if seen[rec.ID] {
			continue
		}
		seen[rec.ID] = true
		if _, err := s.DB.FindComment(conn, rec.ID); err == nil {
			continue
		}
		dk, err := s.accounts.ConnKey(ctx, conn)
		if err != nil {
			return err
		}
		sealed, err := records.Seal(dk, records.FieldComment, rec)
		if err != nil {
			return err
		}
		entries = append(entries, store.CommentEntry{MediaID: rec.MediaID, CommentID: rec.ID, Blob: store.Blob{At: s.Now().UTC(), Data: sealed}})
	}
	if len(entries) == 0 {
		return nil
	}
	return s.DB.PutComments(conn, entries)
}

// communityData reads a connection's cached comments, thread summaries
// and webhook events with its data key. Values that do not decrypt are
// skipped (a destroyed key means they are gone).
func (s *Service) communityData(ctx context.Context, conn string) (communityExport, error) {
	out := communityExport{Comments: []api.Comment{}, Threads: []api.ThreadMessages{}, Events: []api.Event{}}
	dk, err := s.accounts.ConnKey(ctx, conn)
	if err != nil {
		return out, err
	}
	cs, err := s.DB.ConnComments(conn)
	if err != nil {
		return out, err
	}
	for _, e := range cs {
		var rec records.Comment
		if records.Open(dk, records.FieldComment, e.Data, &rec) == nil {
			out.Comments = append(out.Comments, rec.ToAPI(e.At))
		}
	}
	sortComments(out.Comments)
	ts, at, err := s.loadThreads(ctx, conn)
	if err != nil {
		return out, err
	}
	now := s.Now()
	for id, t := range ts {
		tm := api.ThreadMessages{Thread: t.ToAPI(now, at[id]), Offline: true, Messages: []api.Message{}}
		for _, m := range t.Messages {
			tm.Messages = append(tm.Messages, m.ToAPI())
		}
		out.Threads = append(out.Threads, tm)
	}
	sort.Slice(out.Threads, func(i, j int) bool { return out.Threads[i].Thread.ID < out.Threads[j].Thread.ID })
	if out.Events, err = s.connEvents(ctx, conn, ""); err != nil {
		return out, err
	}
	return out, nil
}
