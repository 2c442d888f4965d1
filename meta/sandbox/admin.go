package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ErrNotFound reports an unknown media, comment, account or user given to
// an admin function.
var ErrNotFound = errors.New("sandbox: not found")

// AddComment posts a comment as from (a fan or account, by id or username)
// on a media, as if made in the Instagram app, and sends the comments (and
// mentions) webhooks.
func (s *Server) AddComment(mediaID, from, text string) (Comment, error) {
	return s.addExternalComment(mediaID, "", from, text)
}

// AddReply posts a reply to a top-level comment as from (see [Server.AddComment]).
func (s *Server) AddReply(commentID, from, text string) (Comment, error) {
	s.mu.Lock()
	cm, ok := s.st.comments[commentID]
	s.mu.Unlock()
	if !ok || cm.Deleted {
		return Comment{}, fmt.Errorf("%w: comment %s", ErrNotFound, commentID)
	}
	parent := cm.ID
	if cm.ParentID != "" {
		parent = cm.ParentID
	}
	return s.addExternalComment(cm.MediaID, parent, from, text)
}

func (s *Server) addExternalComment(mediaID, parent, from, text string) (Comment, error) {
	if text == "" {
		return Comment{}, fmt.Errorf("%w: empty comment text", ErrBadKnob)
	}
	s.mu.Lock()
	md, ok := s.st.media[mediaID]
	fromID, _, okFrom := s.st.lookupPerson(from)
	var cm *comment
	switch {
	case !ok || md.Deleted:
		s.mu.Unlock()
		return Comment{}, fmt.Errorf("%w: media %s", ErrNotFound, mediaID)
	case !okFrom:
		s.mu.Unlock()
		return Comment{}, fmt.Errorf("%w: person %s", ErrNotFound, from)
	case !md.CommentsEnabled:
		s.mu.Unlock()
		return Comment{}, fmt.Errorf("%w: comments are disabled on %s", ErrBadKnob, mediaID)
	}
	cm = s.addCommentLocked(md, parent, fromID, text)
	snap := commentSnap(cm)
	s.mu.Unlock()
	s.commentWebhooks(cm)
	return snap, nil
}

// AddMessage delivers a direct message from a fan (id or username) to an
// IG account (id or username), opening the 24 h reply window, and sends
// the messages webhook.
func (s *Server) AddMessage(account, from, text string) (Message, error) {
	if text == "" {
		return Message{}, fmt.Errorf("%w: empty message text", ErrBadKnob)
	}
	s.mu.Lock()
	accID, _, okA := s.st.lookupPerson(account)
	fanID, _, okF := s.st.lookupPerson(from)
	if !okA || s.st.accounts[accID] == nil {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("%w: account %s", ErrNotFound, account)
	}
	if !okF || s.st.fans[fanID] == nil {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("%w: fan %s", ErrNotFound, from)
	}
	m := s.addInboundLocked(accID, fanID, text)
	snap := msgSnap(m)
	s.mu.Unlock()
	s.messageWebhook(m)
	return snap, nil
}

// TokenRequest describes a token minted by [Server.IssueToken], like the
// App Dashboard's "Generate token" (the --with-token path).
type TokenRequest struct {
	// Flavour is "instagram" (default) or "facebook".
	Flavour string `json:"flavour"`
	// Account is the IG account (id or username) of an Instagram token.
	// Default IGCreatorID.
	Account string `json:"account"`
	// User is the Facebook user of a facebook token (default FBOwnerID);
	// Page, if set, mints that Page's token instead.
	User string `json:"user"`
	Page string `json:"page"`
	// Scopes default to every scope of the flavour.
	Scopes []string `json:"scopes"`
	// Kind is "long" (default, 60 days) or "short" (1 hour).
	Kind string `json:"kind"`
	// Age back-dates the token (e.g. 25h makes it refreshable at once).
	Age Duration `json:"age"`
}

// IssueToken mints a token directly and returns it.
func (s *Server) IssueToken(req TokenRequest) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fl := flavour(req.Flavour)
	if fl == "" {
		fl = flavourIG
	}
	if fl != flavourIG && fl != flavourFB {
		return "", fmt.Errorf("%w: flavour %q", ErrBadKnob, req.Flavour)
	}
	scopes := req.Scopes
	if len(scopes) == 0 {
		scopes = igScopes
		if fl == flavourFB {
			scopes = fbScopes
		}
	}
	life, kind := longLived, "long"
	switch req.Kind {
	case "", "long":
	case "short":
		life, kind = shortLived, "short"
	default:
		return "", fmt.Errorf("%w: kind %q", ErrBadKnob, req.Kind)
	}
	var t *token
	switch {
	case fl == flavourIG:
		acc := req.Account
		if acc == "" {
			acc = IGCreatorID
		}
		id, _, ok := s.st.lookupPerson(acc)
		if !ok || s.st.accounts[id] == nil {
			return "", fmt.Errorf("%w: IG account %s", ErrNotFound, acc)
		}
		t = s.issueToken(flavourIG, kind, id, "", scopes, life, "admin")
	default:
		user := req.User
		if user == "" {
			user = FBOwnerID
		}
		u := s.st.users[user]
		if u == nil {
			return "", fmt.Errorf("%w: Facebook user %s", ErrNotFound, user)
		}
		if req.Page != "" {
			if !slices.Contains(u.Pages, req.Page) {
				return "", fmt.Errorf("%w: page %s of %s", ErrNotFound, req.Page, user)
			}
			t = s.issueToken(flavourFB, "page", req.Page, user, scopes, 0, "admin")
		} else {
			t = s.issueToken(flavourFB, kind, user, "", scopes, life, "admin")
		}
	}
	if req.Age > 0 {
		d := time.Duration(req.Age)
		t.IssuedAt = t.IssuedAt.Add(-d)
		if !t.ExpiresAt.IsZero() {
			t.ExpiresAt = t.ExpiresAt.Add(-d)
		}
	}
	return t.Value, nil
}

// RevokeUser invalidates every token of a user (IG account id, app-scoped
// id, or Facebook user id) with 190/458, as when the user removes the app.
func (s *Server) RevokeUser(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ig := ""
	if a := s.st.resolveIG(userID); a != nil {
		ig = a.ID
	}
	return s.revokeWhere(458, func(t *token) bool {
		return (t.Flavour == flavourIG && t.Subject == ig) || (t.Flavour == flavourFB && (t.Subject == userID || t.User == userID))
	})
}

// serveAdmin serves the /_sandbox/ JSON admin API.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/_sandbox"), "/")
	var body map[string]json.RawMessage
	if r.Method == http.MethodGet {
		// GET routes take their (string) arguments from the query.
		for k, v := range r.URL.Query() {
			if body == nil {
				body = map[string]json.RawMessage{}
			}
			body[k], _ = json.Marshal(v[0])
		}
	}
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			err = json.Unmarshal(b, &body)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, "body must be a JSON object: "+err.Error())
			return
		}
	}
	dec := func(v any) error {
		b, _ := json.Marshal(body)
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("bad body: %w", err)
		}
		return nil
	}
	if route == "GET /routes" {
		var out []string
		for k := range adminRoutes {
			out = append(out, k)
		}
		slices.Sort(out)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	h, ok := adminRoutes[route]
	if !ok {
		adminError(w, http.StatusNotFound, "no admin route "+route+"; see GET /_sandbox/routes")
		return
	}
	v, status, err := h(r.Context(), s, dec)
	if err != nil {
		if status == 0 {
			status = http.StatusBadRequest
			if errors.Is(err, ErrNotFound) {
				status = http.StatusNotFound
			}
		}
		adminError(w, status, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
}

type adminHandler func(ctx context.Context, s *Server, dec func(any) error) (any, int, error)
