package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// ElsewherePost describes a post made outside this app: in the Instagram
// app, on another machine, by another tool. Such a post is live on the
// account (listed by GET /{ig-user-id}/media, or /stories) but was never a
// container of this app and does not count against the API publishing
// quota. Tests use it for "the account was posted to from elsewhere".
type ElsewherePost struct {
	// Account is the IG account, by id or username (default IGCreatorID).
	Account string `json:"account"`
	// MediaType uses the container vocabulary of POST /{ig-user-id}/media:
	// REELS (default), IMAGE, CAROUSEL or STORIES.
	MediaType string `json:"media_type"`
	// Caption is stored as given (stories carry none).
	Caption string `json:"caption"`
	// Children is the number of carousel items, 2..10 (default 2). Items
	// alternate image, video.
	Children int `json:"children"`
	// Ago back-dates the post (default: now).
	Ago Duration `json:"ago"`
}

// AddMedia makes a post "from elsewhere" (see [ElsewherePost]) and returns
// it. Caption limits are the API's (the app enforces the same ones).
func (s *Server) AddMedia(p ElsewherePost) (Media, error) {
	if p.Account == "" {
		p.Account = IGCreatorID
	}
	if p.MediaType == "" {
		p.MediaType = "REELS"
	}
	if p.Ago < 0 {
		return Media{}, fmt.Errorf("%w: ago must not be negative (a post cannot be from the future)", ErrBadKnob)
	}
	switch p.MediaType {
	case "REELS", "IMAGE", "STORIES":
		if p.Children != 0 {
			return Media{}, fmt.Errorf("%w: children is for media_type CAROUSEL only", ErrBadKnob)
		}
	case "CAROUSEL":
		if p.Children == 0 {
			p.Children = 2
		}
		if p.Children < 2 || p.Children > 10 {
			return Media{}, fmt.Errorf("%w: a carousel has 2 to 10 children, not %d", ErrBadKnob, p.Children)
		}
	default:
		return Media{}, fmt.Errorf("%w: media_type %q: want REELS, IMAGE, CAROUSEL or STORIES", ErrBadKnob, p.MediaType)
	}
	if p.MediaType == "STORIES" && p.Caption != "" {
		return Media{}, fmt.Errorf("%w: stories carry no caption", ErrBadKnob)
	}
	if e := validateCaption(p.Caption); e != nil {
		return Media{}, fmt.Errorf("%w: %s", ErrBadKnob, e.Message)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, _, ok := s.st.lookupPerson(p.Account)
	if !ok || s.st.accounts[owner] == nil {
		return Media{}, fmt.Errorf("%w: IG account %s", ErrNotFound, p.Account)
	}
	at := s.now().Add(-time.Duration(p.Ago))
	add := func(typ, product, caption string) *media {
		return s.addMediaTo(s.st, owner, typ, product, caption, at)
	}
	var md *media
	switch p.MediaType {
	case "REELS":
		md = add("VIDEO", "REELS", p.Caption)
	case "IMAGE":
		md = add("IMAGE", "FEED", p.Caption)
	case "STORIES":
		md = add("VIDEO", "STORY", "")
	case "CAROUSEL":
		md = add("CAROUSEL_ALBUM", "FEED", p.Caption)
		for i := range p.Children {
			typ := "IMAGE"
			if i%2 == 1 {
				typ = "VIDEO"
			}
			ch := add(typ, "FEED", "")
			ch.Parent, ch.Permalink = md.ID, ""
			md.Children = append(md.Children, ch.ID)
		}
	}
	return s.mediaSnapLocked(md), nil
}

// Live returns what is on an account now (every account for ""), whoever
// posted it: top-level media that are not deleted, stories included,
// oldest first. Tests of
// "nothing new on the account" count it; [Server.Published] counts only
// what came through media_publish.
func (s *Server) Live(account string) ([]Media, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := ""
	if account != "" {
		id, _, ok := s.st.lookupPerson(account)
		if !ok || s.st.accounts[id] == nil {
			return nil, fmt.Errorf("%w: IG account %s", ErrNotFound, account)
		}
		owner = id
	}
	var live []*media
	for _, id := range s.st.mediaOrder {
		if md := s.st.media[id]; (owner == "" || md.Owner == owner) && md.Parent == "" && !md.Deleted {
			live = append(live, md)
		}
	}
	// Posts from elsewhere may be back-dated, so creation order is not
	// timestamp order.
	slices.SortStableFunc(live, func(a, b *media) int { return a.Timestamp.Compare(b.Timestamp) })
	out := make([]Media, 0, len(live))
	for _, md := range live {
		out = append(out, s.mediaSnapLocked(md))
	}
	return out, nil
}
