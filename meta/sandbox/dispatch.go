package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// reply runs fn under the state lock and writes its result or error.
func (s *Server) reply(c *call, fn func() (any, *GraphError)) {
	s.mu.Lock()
	v, e := fn()
	s.mu.Unlock()
	if e != nil {
		s.fail(c, e)
		return
	}
	s.ok(c, v)
}

// replySelected answers a read: fn renders the request's fields selection
// (def when the request names none) under s.mu, as reply does. A selection
// that does not parse fails before the state is locked, as Graph refuses
// it before it reads anything.
func (s *Server) replySelected(c *call, def []string, fn func(sel []*fieldSel) (any, *GraphError)) {
	sel, e := c.selection(def...)
	if e != nil {
		s.fail(c, e)
		return
	}
	s.reply(c, func() (any, *GraphError) { return fn(sel) })
}

// appendRendered appends the rendering of each id to data, in order; the
// first refusal stops it. The caller's data says what an empty list is in
// the answer: nil encodes as null, an empty slice as [].
func appendRendered(data []map[string]any, ids []string, render func(id string) (map[string]any, *GraphError)) ([]map[string]any, *GraphError) {
	for _, id := range ids {
		v, e := render(id)
		if e != nil {
			return nil, e
		}
		data = append(data, v)
	}
	return data, nil
}

// renderCommentsLocked appends the comments of ids, rendered for sel.
func (s *Server) renderCommentsLocked(data []map[string]any, ids []string, sel []*fieldSel) ([]map[string]any, *GraphError) {
	return appendRendered(data, ids, func(id string) (map[string]any, *GraphError) { return s.renderCommentLocked(s.st.comments[id], sel) })
}

// renderMediasLocked appends the media of ids, rendered for sel.
func (s *Server) renderMediasLocked(c *call, data []map[string]any, ids []string, sel []*fieldSel) ([]map[string]any, *GraphError) {
	return appendRendered(data, ids, func(id string) (map[string]any, *GraphError) { return s.renderMediaLocked(c, s.st.media[id], sel) })
}

// renderConvsLocked appends the conversations of ids, rendered for sel.
func (s *Server) renderConvsLocked(c *call, data []map[string]any, ids []string, sel []*fieldSel) ([]map[string]any, *GraphError) {
	return appendRendered(data, ids, func(id string) (map[string]any, *GraphError) { return s.renderConvLocked(c, s.st.convs[id], sel) })
}

// renderMsgsLocked appends the messages of ids, rendered for sel.
func (s *Server) renderMsgsLocked(data []map[string]any, ids []string, sel []*fieldSel) ([]map[string]any, *GraphError) {
	return appendRendered(data, ids, func(id string) (map[string]any, *GraphError) { return s.renderMsgLocked(s.st.msgs[id], sel) })
}

// getOnly refuses, as Graph does, what a node that answers GET alone
// does not serve: an edge (unknown path) or another method (no such
// object). False means the refusal is written.
func (s *Server) getOnly(c *call, id, edge, m string) bool {
	switch {
	case edge != "":
		s.fail(c, errUnknownPath(edge))
	case m != http.MethodGet:
		s.fail(c, errNoObject(m, id))
	default:
		return true
	}
	return false
}

// method returns the effective method, honouring Graph's ?method= override.
func (c *call) method() string {
	if m := strings.ToUpper(c.params.Get("method")); m == "GET" || m == "POST" || m == "DELETE" {
		return m
	}
	return c.r.Method
}

const maxCallRecords = 1 << 18

// injectFault applies the rate-limit and fail-rate knobs. It records the
// call for the usage headers either way. True means a fault was written.
func (s *Server) injectFault(c *call) bool {
	s.mu.Lock()
	if len(s.st.calls) >= maxCallRecords { // bound memory of a long-running sandbox
		s.st.calls = append(s.st.calls[:0], s.st.calls[len(s.st.calls)/2:]...)
	}
	s.st.calls = append(s.st.calls, callRec{at: c.start, account: c.account})
	var (
		e      *GraphError
		regain int
		pct    = -1
	)
	switch {
	case s.knobs.RateLimitCalls > 0:
		s.knobs.RateLimitCalls--
		e = rateLimitError(s.knobs.RateLimitCode)
		regain, pct = s.knobs.RateLimitRegain, s.knobs.RateLimitPct
	case s.knobs.FailRate > 0 && s.fault.Float64() < s.knobs.FailRate:
		if s.fault.IntN(2) == 0 {
			e = gerr(500, 1, 0, typeOAuth, "An unknown error occurred").transient()
		} else {
			e = gerr(503, 2, 0, typeOAuth, "Service temporarily unavailable").transient()
		}
	}
	s.mu.Unlock()
	if e == nil {
		return false
	}
	s.failWith(c, e, regain, pct)
	return true
}

// usageLocked computes usage percentages over rolling windows (app: 1 h,
// account: 24 h). Caller holds s.mu.
func (s *Server) usageLocked(account string, now time.Time) (app, buc int) {
	cut := now.Add(-24 * time.Hour)
	i := 0
	for i < len(s.st.calls) && s.st.calls[i].at.Before(cut) {
		i++
	}
	s.st.calls = s.st.calls[i:]
	hour := now.Add(-time.Hour)
	var a, b int
	for _, rec := range s.st.calls {
		if !rec.at.Before(hour) {
			a++
		}
		if account != "" && rec.account == account {
			b++
		}
	}
	app = min(100, a*100/s.opts.AppCallLimit)
	buc = min(100, b*100/s.opts.BUCCallLimit)
	return app, buc
}

// serveGraph handles every versioned or unversioned Graph path.
func (s *Server) serveGraph(c *call) {
	if c.bodyErr != nil {
		s.fail(c, errParam("Invalid request body: cannot be parsed"))
		return
	}
	// Attribute the call to an IG account for the BUC usage header: the
	// node in the path, else the account the token speaks for.
	s.mu.Lock()
	if len(c.segs) > 0 {
		c.account = s.ownerLocked(c.segs[0])
	}
	if t := s.st.tokens[tokenFromRequest(c.r, c.params)]; t != nil && c.account == "" {
		c.account = s.defaultAccountLocked(t)
	}
	s.mu.Unlock()
	if s.injectFault(c) {
		return
	}
	switch {
	case len(c.segs) == 0:
		s.fail(c, errUnknownPath(""))
		return
	case slices.Equal(c.segs, []string{"oauth", "access_token"}):
		s.fbExchange(c)
		return
	case slices.Equal(c.segs, []string{"access_token"}):
		s.igExchange(c)
		return
	case slices.Equal(c.segs, []string{"refresh_access_token"}):
		s.igRefresh(c)
		return
	case slices.Equal(c.segs, []string{"debug_token"}):
		s.debugToken(c)
		return
	}
	if e := s.authenticate(c); e != nil {
		s.fail(c, e)
		return
	}
	s.serveNode(c)
}

// ownerLocked returns the IG account owning a node id, "" if unknown.
func (s *Server) ownerLocked(id string) string {
	st := s.st
	if a := st.resolveIG(id); a != nil {
		return a.ID
	}
	if p, ok := st.pages[id]; ok {
		return p.IGID
	}
	if ct, ok := st.containers[id]; ok {
		return ct.Owner
	}
	if m, ok := st.media[id]; ok {
		return m.Owner
	}
	if cm, ok := st.comments[id]; ok {
		if m, ok := st.media[cm.MediaID]; ok {
			return m.Owner
		}
	}
	if cv, ok := st.convs[id]; ok {
		return cv.Account
	}
	if m, ok := st.msgs[id]; ok {
		if cv, ok := st.convs[m.ConvID]; ok {
			return cv.Account
		}
	}
	return ""
}

// serveNode dispatches /{node}[/{edge}[/{arg}]] by node kind.
func (s *Server) serveNode(c *call) {
	id := c.segs[0]
	edge, rest := "", ""
	if len(c.segs) > 1 {
		edge = c.segs[1]
	}
	if len(c.segs) > 2 {
		rest = strings.Join(c.segs[2:], "/")
	}
	m := c.method()
	s.mu.Lock()
	t := c.tok
	kind := ""
	switch {
	case id == "me" && t.Flavour == flavourIG:
		kind, id = "iguser", t.Subject
	case id == "me" && t.Kind == "page":
		kind, id = "page", t.Subject
	case id == "me":
		kind, id = "user", t.Subject
	case s.st.resolveIG(id) != nil:
		kind, id = "iguser", s.st.resolveIG(id).ID
	case s.st.users[id] != nil:
		kind = "user"
	case s.st.pages[id] != nil:
		kind = "page"
	case s.st.containers[id] != nil:
		kind = "container"
	case s.st.media[id] != nil && !s.st.media[id].Deleted:
		kind = "media"
	case s.st.comments[id] != nil && !s.st.comments[id].Deleted:
		kind = "comment"
	case s.st.convs[id] != nil:
		kind = "conv"
	case s.st.msgs[id] != nil:
		kind = "msg"
	}
	// Tokens of one flavour cannot reach the other flavour's user nodes
	// (a FB token on graph.instagram.com "cannot parse", docs/META.md §2).
	wrongHost := (kind == "user" || kind == "page") && t.Flavour == flavourIG ||
		kind == "iguser" && t.Flavour == flavourIG && (edge == "accounts" || edge == "permissions")
	allowed := kind != "" && !wrongHost && s.mayReadLocked(t, kind, id)
	s.mu.Unlock()
	if wrongHost {
		s.fail(c, errBadToken())
		return
	}
	if !allowed {
		s.fail(c, errNoObject(m, c.segs[0]))
		return
	}
	if rest != "" && !(kind == "user" && edge == "permissions" && m == http.MethodDelete) {
		s.fail(c, errUnknownPath(edge+"/"+rest))
		return
	}
	switch kind {
	case "iguser":
		s.serveIGUser(c, id, edge, m)
	case "user":
		s.serveFBUser(c, id, edge, rest, m)
	case "page":
		s.servePage(c, id, edge, m)
	case "container":
		s.serveContainer(c, id, edge, m)
	case "media":
		s.serveMedia(c, id, edge, m)
	case "comment":
		s.serveComment(c, id, edge, m)
	case "conv":
		s.serveConversation(c, id, edge, m)
	case "msg":
		s.serveMessage(c, id, edge, m)
	}
}

// mayReadLocked decides whether the token may see the node at all. Caller
// holds s.mu.
func (s *Server) mayReadLocked(t *token, kind, id string) bool {
	switch kind {
	case "iguser":
		return s.canAccessIG(t, id)
	case "user":
		if t.Kind == "page" {
			return t.User == id
		}
		return t.Subject == id
	case "page":
		if t.Kind == "page" {
			return t.Subject == id
		}
		u := s.st.users[t.Subject]
		return u != nil && slices.Contains(u.Pages, id)
	case "comment":
		cm := s.st.comments[id]
		if s.canAccessIG(t, s.ownerLocked(id)) {
			return true
		}
		// Own comments on others' media, and comments that mention the
		// account (read through mentioned_comment) stay visible.
		for _, acct := range s.accessibleLocked(t) {
			if cm.FromID == acct || mentions(cm.Text, s.st.accounts[acct].Username) {
				return true
			}
		}
		return false
	default:
		return s.canAccessIG(t, s.ownerLocked(id))
	}
}

// accessibleLocked lists the IG accounts a token can act for.
func (s *Server) accessibleLocked(t *token) []string {
	var out []string
	for _, id := range s.st.accountOrder {
		if s.canAccessIG(t, id) {
			out = append(out, id)
		}
	}
	return out
}

// serveFBUser serves a Facebook user node: /me, /me/accounts,
// /me/permissions (GET, DELETE, DELETE /{permission}).
func (s *Server) serveFBUser(c *call, id, edge, rest, m string) {
	switch {
	case edge == "" && m == http.MethodGet:
		s.replySelected(c, []string{"id", "name"}, func(sel []*fieldSel) (any, *GraphError) {
			u := s.st.users[id]
			out := map[string]any{}
			for _, f := range sel {
				switch f.Name {
				case "id":
					out["id"] = u.ID
				case "name":
					out["name"] = u.Name
				case "email":
					out["email"] = strings.ReplaceAll(strings.ToLower(u.Name), " ", ".") + "@sandbox.invalid"
				case "accounts":
					out["accounts"] = map[string]any{"data": s.pagesLocked(c.tok, u, subOr(f, "id", "name"))}
				default:
					return nil, errField(f.Name, "User")
				}
			}
			return out, nil
		})
	case edge == "accounts" && m == http.MethodGet:
		s.replySelected(c, []string{"access_token", "category", "name", "id", "tasks"}, func(sel []*fieldSel) (any, *GraphError) {
			if !c.tok.can(capPages) {
				return nil, gerr(403, 200, 0, typeOAuth, "(#200) Requires pages_show_list permission to manage the object")
			}
			if e := checkPageFields(sel); e != nil {
				return nil, e
			}
			ids, paging, e := s.paginate(c, s.st.users[id].Pages)
			if e != nil {
				return nil, e
			}
			data := []map[string]any{}
			for _, pid := range ids {
				data = append(data, s.renderPageLocked(c.tok, s.st.pages[pid], sel))
			}
			return withPaging(data, paging), nil
		})
	case edge == "permissions" && m == http.MethodGet:
		s.reply(c, func() (any, *GraphError) {
			var data []map[string]string
			for _, sc := range c.tok.Scopes {
				data = append(data, map[string]string{"permission": sc, "status": "granted"})
			}
			return map[string]any{"data": data}, nil
		})
	case edge == "permissions" && m == http.MethodDelete:
		s.reply(c, func() (any, *GraphError) {
			match := func(t *token) bool {
				return t.Flavour == flavourFB && (t.Subject == id || t.User == id)
			}
			if rest == "" {
				s.revokeWhere(458, match)
				return success, nil
			}
			for _, v := range s.st.tokenOrder {
				if t := s.st.tokens[v]; match(t) {
					t.Scopes = slices.DeleteFunc(t.Scopes, func(x string) bool { return x == rest })
				}
			}
			return success, nil
		})
	case edge == "":
		s.fail(c, errNoObject(m, id))
	default:
		s.fail(c, errUnknownPath(edge))
	}
}

var pageFields = []string{"id", "name", "access_token", "category", "tasks", "instagram_business_account", "connected_instagram_account"}

// checkPageFields refuses a selection naming a field a Page does not have.
func checkPageFields(sel []*fieldSel) *GraphError {
	for _, f := range sel {
		if !slices.Contains(pageFields, f.Name) {
			return errField(f.Name, "Page")
		}
	}
	return nil
}

// pagesLocked renders a user's pages; page tokens are minted once per user
// token and page, and never expire (docs/META.md §3). Caller holds s.mu.
func (s *Server) pagesLocked(t *token, u *fbUser, sel []*fieldSel) []map[string]any {
	var out []map[string]any
	for _, pid := range u.Pages {
		out = append(out, s.renderPageLocked(t, s.st.pages[pid], sel))
	}
	return out
}

func (s *Server) renderPageLocked(t *token, p *fbPage, sel []*fieldSel) map[string]any {
	out := map[string]any{}
	for _, f := range sel {
		switch f.Name {
		case "id":
			out["id"] = p.ID
		case "name":
			out["name"] = p.Name
		case "category":
			out["category"] = p.Category
		case "tasks":
			out["tasks"] = []string{"ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"}
		case "access_token":
			out["access_token"] = s.pageTokenLocked(t, p.ID)
		case "instagram_business_account", "connected_instagram_account":
			a := s.st.accounts[p.IGID]
			ig := map[string]any{}
			for _, sf := range subOr(f, "id") {
				switch sf.Name {
				case "id":
					ig["id"] = a.ID
				case "username":
					ig["username"] = a.Username
				case "name":
					ig["name"] = a.Name
				case "profile_picture_url":
					ig["profile_picture_url"] = profilePicture(a)
				}
			}
			out[f.Name] = ig
		}
	}
	return out
}

func (s *Server) pageTokenLocked(t *token, pageID string) string {
	if t.Kind == "page" {
		return t.Value
	}
	m := s.st.pageTokens[t.Value]
	if m == nil {
		m = map[string]string{}
		s.st.pageTokens[t.Value] = m
	}
	if v, ok := m[pageID]; ok {
		return v
	}
	pt := s.issueToken(flavourFB, "page", pageID, t.Subject, t.Scopes, 0, "page")
	m[pageID] = pt.Value
	return pt.Value
}

// servePage serves a Facebook Page node (FB Login): fields, conversations
// and messages of its IG account, subscribed_apps.
func (s *Server) servePage(c *call, id, edge, m string) {
	s.mu.Lock()
	p := s.st.pages[id]
	s.mu.Unlock()
	switch {
	case edge == "" && m == http.MethodGet:
		s.replySelected(c, []string{"id", "name"}, func(sel []*fieldSel) (any, *GraphError) {
			if e := checkPageFields(sel); e != nil {
				return nil, e
			}
			return s.renderPageLocked(c.tok, p, sel), nil
		})
	case edge == "conversations" || edge == "messages" || edge == "subscribed_apps":
		s.serveIGUser(c, p.IGID, edge, m)
	case edge == "":
		s.fail(c, errNoObject(m, id))
	default:
		s.fail(c, errUnknownPath(edge))
	}
}
