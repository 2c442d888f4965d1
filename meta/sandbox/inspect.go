package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// State is a snapshot of everything the sandbox holds, as served by
// GET /_sandbox/state. Tokens appear only as a short hint and a SHA-256.
type State struct {
	Now            time.Time             `json:"now"`
	AppID          string                `json:"app_id"`
	RedirectURIs   []string              `json:"redirect_uris"`
	Knobs          Knobs                 `json:"knobs"`
	Accounts       []Account             `json:"accounts"`
	FBUsers        []FBUser              `json:"fb_users"`
	PublishedCount int                   `json:"published_count"`
	Media          []Media               `json:"media"`
	Containers     []Container           `json:"containers"`
	Comments       []Comment             `json:"comments"`
	Conversations  []Conversation        `json:"conversations"`
	Tokens         []Token               `json:"tokens"`
	TokensIssued   int                   `json:"tokens_issued"`
	TokensRevoked  int                   `json:"tokens_revoked"`
	CodesIssued    int                   `json:"codes_issued"`
	CodesUsed      int                   `json:"codes_used"`
	Webhooks       []Delivery            `json:"webhooks"`
	SignedRequests []SignedRequestRecord `json:"signed_requests"`
}

// Account is a seeded Instagram professional account.
type Account struct {
	ID             string   `json:"id"`
	AppScopedID    string   `json:"app_scoped_id"`
	Username       string   `json:"username"`
	Name           string   `json:"name"`
	AccountType    string   `json:"account_type"`
	PageID         string   `json:"page_id"`
	PublishedCount int      `json:"published_count"`
	Subscribed     []string `json:"subscribed_fields"`
}

// FBUser is a seeded Facebook user and the Pages they manage.
type FBUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Pages []Page `json:"pages"`
}

// Page is a Facebook Page linked to an IG account.
type Page struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	IGUser string `json:"instagram_business_account"`
}

// Media is an IG media object (seeded or published through the API).
type Media struct {
	ID          string    `json:"id"`
	Owner       string    `json:"owner"`
	MediaType   string    `json:"media_type"`
	ProductType string    `json:"media_product_type"`
	Caption     string    `json:"caption"`
	Permalink   string    `json:"permalink,omitempty"`
	Shortcode   string    `json:"shortcode"`
	Timestamp   time.Time `json:"timestamp"`
	Children    []Media   `json:"children,omitempty"`
	ContainerID string    `json:"container_id,omitempty"`
	ViaAPI      bool      `json:"published_via_api"`
	Deleted     bool      `json:"deleted,omitempty"`
}

// Container is a media container and what the sandbox knows about its bytes.
type Container struct {
	ID             string            `json:"id"`
	Owner          string            `json:"owner"`
	MediaType      string            `json:"media_type"`
	IsCarouselItem bool              `json:"is_carousel_item"`
	Children       []string          `json:"children,omitempty"`
	StatusCode     string            `json:"status_code"`
	Status         string            `json:"status"`
	Caption        string            `json:"caption,omitempty"`
	VideoURL       string            `json:"video_url,omitempty"`
	ImageURL       string            `json:"image_url,omitempty"`
	Params         map[string]string `json:"params"`
	Created        time.Time         `json:"created"`
	MediaID        string            `json:"media_id,omitempty"`
	Fetch          *Fetch            `json:"fetch,omitempty"`
	Upload         *Upload           `json:"upload,omitempty"`
	VideoBoxes     []string          `json:"video_boxes,omitempty"`
}

// Fetch records how a media URL was handled: fetched (loopback URLs) or
// skipped (anything else; the sandbox is offline).
type Fetch struct {
	URL         string `json:"url"`
	Fetched     bool   `json:"fetched"`
	Done        bool   `json:"done"`
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
	Status      int    `json:"status,omitempty"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// Upload is the state of a resumable upload.
type Upload struct {
	FileSize int64  `json:"file_size"`
	Received int64  `json:"received"`
	FileURL  string `json:"file_url,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Requests int    `json:"requests"`
}

// Comment is a comment or reply.
type Comment struct {
	ID           string    `json:"id"`
	MediaID      string    `json:"media_id"`
	ParentID     string    `json:"parent_id,omitempty"`
	FromID       string    `json:"from_id"`
	FromUsername string    `json:"from_username"`
	Text         string    `json:"text"`
	Timestamp    time.Time `json:"timestamp"`
	Hidden       bool      `json:"hidden"`
	Deleted      bool      `json:"deleted"`
	PrivateReply string    `json:"private_reply_message_id,omitempty"`
}

// Conversation is a DM thread with its messages, oldest first.
type Conversation struct {
	ID          string    `json:"id"`
	Account     string    `json:"account"`
	Participant string    `json:"participant"`
	Username    string    `json:"participant_username"`
	LastInbound time.Time `json:"last_inbound"`
	WindowOpen  bool      `json:"window_open"`
	Messages    []Message `json:"messages"`
}

// Message is one DM.
type Message struct {
	ID        string    `json:"id"`
	ConvID    string    `json:"conversation_id"`
	FromID    string    `json:"from_id"`
	ToID      string    `json:"to_id"`
	Text      string    `json:"text"`
	Created   time.Time `json:"created_time"`
	Inbound   bool      `json:"inbound"`
	CommentID string    `json:"private_reply_to,omitempty"`
}

// Token describes an issued token without revealing it.
type Token struct {
	Hint      string    `json:"hint"`   // first 6 characters
	SHA256    string    `json:"sha256"` // hex SHA-256 of the token
	Flavour   string    `json:"flavour"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	Scopes    []string  `json:"scopes"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Revoked   int       `json:"revoked_subcode,omitempty"`
	Expired   bool      `json:"expired"`
	Source    string    `json:"source"`
}

// Delivery is one webhook POST and its outcome.
type Delivery struct {
	ID        int       `json:"id"`
	Account   string    `json:"account"`
	Field     string    `json:"field"`
	Body      string    `json:"body"`
	Attempts  int       `json:"attempts"`
	Status    int       `json:"status"`
	Error     string    `json:"error,omitempty"`
	Delivered bool      `json:"delivered"`
	Done      bool      `json:"done"`
	Created   time.Time `json:"created"`
}

// TokenSHA256 returns the hex SHA-256 that [Token.SHA256] shows for a token.
func TokenSHA256(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// State returns a snapshot of the sandbox.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	out := State{Now: s.now(), AppID: s.opts.AppID, RedirectURIs: append([]string(nil), s.opts.RedirectURIs...),
		Knobs: s.knobsLocked(), CodesIssued: st.codesIssued, CodesUsed: st.codesUsed,
		SignedRequests: append([]SignedRequestRecord{}, st.signed...)}
	for _, id := range st.accountOrder {
		a := st.accounts[id]
		acc := Account{ID: a.ID, AppScopedID: a.AppScopedID, Username: a.Username, Name: a.Name,
			AccountType: a.AccountType, PageID: a.PageID, Subscribed: []string{}}
		for _, f := range webhookFields {
			if a.Subscribed[f] {
				acc.Subscribed = append(acc.Subscribed, f)
			}
		}
		for _, mid := range st.mediaOrder {
			if md := st.media[mid]; md.Owner == id && md.ViaAPI && md.Parent == "" {
				acc.PublishedCount++
			}
		}
		out.PublishedCount += acc.PublishedCount
		out.Accounts = append(out.Accounts, acc)
	}
	for _, id := range st.userOrder {
		u := st.users[id]
		fu := FBUser{ID: u.ID, Name: u.Name}
		for _, pid := range u.Pages {
			p := st.pages[pid]
			fu.Pages = append(fu.Pages, Page{ID: p.ID, Name: p.Name, IGUser: p.IGID})
		}
		out.FBUsers = append(out.FBUsers, fu)
	}
	for _, id := range st.mediaOrder {
		if st.media[id].Parent == "" {
			out.Media = append(out.Media, s.mediaSnapLocked(st.media[id]))
		}
	}
	for _, id := range st.contOrder {
		out.Containers = append(out.Containers, s.containerSnapLocked(st.containers[id]))
	}
	for _, id := range st.commentOrder {
		out.Comments = append(out.Comments, commentSnap(st.comments[id]))
	}
	for _, id := range st.convOrder {
		out.Conversations = append(out.Conversations, s.convSnapLocked(st.convs[id]))
	}
	for _, v := range st.tokenOrder {
		t := s.tokenSnapLocked(st.tokens[v])
		out.Tokens = append(out.Tokens, t)
		out.TokensIssued++
		if t.Revoked != 0 {
			out.TokensRevoked++
		}
	}
	for _, d := range st.deliveries {
		out.Webhooks = append(out.Webhooks, deliverySnap(d))
	}
	return out
}

// Published returns the media published through media_publish, oldest
// first (carousels once, with their children). Exactly-once tests count it.
func (s *Server) Published() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Media
	for _, id := range s.st.mediaOrder {
		if md := s.st.media[id]; md.ViaAPI && md.Parent == "" {
			out = append(out, s.mediaSnapLocked(md))
		}
	}
	return out
}

// Container returns one container's snapshot.
func (s *Server) Container(id string) (Container, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ct, ok := s.st.containers[id]
	if !ok {
		return Container{}, false
	}
	return s.containerSnapLocked(ct), true
}

// Deliveries returns the webhook deliveries so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Delivery
	for _, d := range s.st.deliveries {
		out = append(out, deliverySnap(d))
	}
	return out
}

func (s *Server) mediaSnapLocked(md *media) Media {
	m := Media{ID: md.ID, Owner: md.Owner, MediaType: md.MediaType, ProductType: md.ProductType, Caption: md.Caption,
		Permalink: md.Permalink, Shortcode: md.Shortcode, Timestamp: md.Timestamp, ContainerID: md.ContainerID,
		ViaAPI: md.ViaAPI, Deleted: md.Deleted}
	for _, ch := range md.Children {
		m.Children = append(m.Children, s.mediaSnapLocked(s.st.media[ch]))
	}
	return m
}

func (s *Server) containerSnapLocked(ct *container) Container {
	code, text := s.statusLocked(ct)
	c := Container{ID: ct.ID, Owner: ct.Owner, MediaType: ct.MediaType, IsCarouselItem: ct.IsCarouselItem,
		Children: ct.Children, StatusCode: code, Status: text, Caption: ct.Caption, VideoURL: ct.VideoURL,
		ImageURL: ct.ImageURL, Params: ct.Params, Created: ct.Created, MediaID: ct.MediaID}
	if f := ct.Fetch; f != nil {
		c.Fetch = &Fetch{URL: f.URL, Fetched: f.Fetched, Done: f.Done, OK: f.OK, Error: f.Error, Status: f.Status,
			Bytes: f.Bytes, SHA256: f.SHA256, ContentType: f.ContentType}
	}
	if u := ct.Upload; u != nil {
		c.Upload = &Upload{FileSize: u.FileSize, Received: u.Received, FileURL: u.FileURL, SHA256: u.SHA256, Requests: u.Requests}
	}
	if ct.Video != nil {
		c.VideoBoxes = ct.Video.Boxes
	}
	return c
}

func commentSnap(cm *comment) Comment {
	return Comment{ID: cm.ID, MediaID: cm.MediaID, ParentID: cm.ParentID, FromID: cm.FromID,
		FromUsername: cm.FromUsername, Text: cm.Text, Timestamp: cm.Timestamp, Hidden: cm.Hidden,
		Deleted: cm.Deleted, PrivateReply: cm.PrivateReply}
}

func (s *Server) convSnapLocked(cv *conversation) Conversation {
	last := s.lastInboundLocked(cv)
	c := Conversation{ID: cv.ID, Account: cv.Account, Participant: cv.Participant,
		Username: s.st.personName(cv.Participant), LastInbound: last,
		WindowOpen: !last.IsZero() && s.now().Sub(last) <= messageWindow}
	for _, id := range cv.Messages {
		c.Messages = append(c.Messages, msgSnap(s.st.msgs[id]))
	}
	return c
}

func msgSnap(m *message) Message {
	return Message{ID: m.ID, ConvID: m.ConvID, FromID: m.FromID, ToID: m.ToID, Text: m.Text, Created: m.Created,
		Inbound: m.Inbound, CommentID: m.CommentID}
}

func (s *Server) tokenSnapLocked(t *token) Token {
	return Token{Hint: t.Value[:6], SHA256: TokenSHA256(t.Value), Flavour: string(t.Flavour), Kind: t.Kind,
		Subject: t.Subject, Scopes: t.Scopes, IssuedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt, Revoked: t.Revoked,
		Expired: !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt), Source: t.Source}
}

func deliverySnap(d *delivery) Delivery {
	return Delivery{ID: d.ID, Account: d.Account, Field: d.Field, Body: string(d.Body), Attempts: d.Attempts,
		Status: d.Status, Error: d.Error, Delivered: d.Delivered, Done: d.Done, Created: d.Created}
}
