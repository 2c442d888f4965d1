package sandbox

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"time"
)

// Seeded identities. They are the same for every seed; only tokens, codes,
// shortcodes and trace ids depend on Options.Seed.
const (
	// IGCreatorID is the default Instagram Login account (a BUSINESS
	// account) and the first Page's IG account for [FBOwnerID].
	IGCreatorID       = "17841400000000001"
	IGCreatorUsername = "sandbox_creator"
	// IGBrandID is the second Page's IG account of [FBOwnerID], so a
	// Facebook Login with two Pages has to choose.
	IGBrandID       = "17841400000000002"
	IGBrandUsername = "sandbox_brand"
	// IGSoloID is the only IG account of [FBSoloID].
	IGSoloID       = "17841400000000003"
	IGSoloUsername = "sandbox_solo"

	// FBOwnerID manages two Pages ([PageCreatorID] → IGCreatorID,
	// [PageBrandID] → IGBrandID). The Facebook dialog logs in as this user
	// unless told otherwise.
	FBOwnerID     = "100090000000001"
	FBOwnerName   = "Sandbox Owner"
	FBSoloID      = "100090000000002"
	FBSoloName    = "Solo Owner"
	PageCreatorID = "100000000000101"
	PageBrandID   = "100000000000102"
	PageSoloID    = "100000000000103"

	// Fans are Instagram-scoped ids (IGSIDs) of people who comment and
	// send direct messages.
	FanID        = "6100000000000001"
	FanUsername  = "sandbox_fan"
	Fan2ID       = "6100000000000002"
	Fan2Username = "night_owl_fan"
	Fan3ID       = "6100000000000003"
	Fan3Username = "curious_cat_fan"

	// Seeded media of IGCreatorID.
	SeedReelID     = "18000000000000001" // REELS, 12 top-level comments
	SeedImageID    = "18000000000000002" // IMAGE (FEED), 2 comments
	SeedCarouselID = "18000000000000003" // CAROUSEL_ALBUM with 2 children
	// SeedBrandReelID is IGBrandID's reel whose caption mentions
	// @sandbox_creator and which carries [SeedMentionCommentID].
	SeedBrandReelID      = "18000000000000006"
	SeedMentionCommentID = "17850000000000901"
	// SeedHiddenCommentID is a hidden comment on SeedReelID.
	SeedHiddenCommentID = "17850000000000004"

	// ConvOpenID is IGCreatorID's conversation with FanID whose last inbound
	// message is one hour old (reply allowed); it holds 25 messages so the
	// "newest 20" rule shows. ConvClosedID is with Fan2ID, last inbound
	// three days ago (10/2534022 on send).
	ConvOpenID   = "aWdfZAGQ0000000001"
	ConvClosedID = "aWdfZAGQ0000000002"
	ConvBrandID  = "aWdfZAGQ0000000003"
)

type flavour string

const (
	flavourIG flavour = "instagram"
	flavourFB flavour = "facebook"
)

// Scope sets per flavour.
var (
	igScopes = []string{"instagram_business_basic", "instagram_business_content_publish",
		"instagram_business_manage_comments", "instagram_business_manage_messages",
		"instagram_business_manage_insights"}
	fbScopes = []string{"instagram_basic", "instagram_content_publish", "instagram_manage_comments",
		"instagram_manage_messages", "instagram_manage_insights", "pages_show_list",
		"pages_read_engagement", "pages_manage_metadata", "business_management", "public_profile", "email"}
)

type igAccount struct {
	ID, AppScopedID, Username, Name, AccountType, Biography, Website string
	Followers, Follows                                               int
	PageID                                                           string
	Subscribed                                                       map[string]bool
}

type fbUser struct {
	ID, Name string
	Pages    []string
}

type fbPage struct {
	ID, Name, Category, IGID string
}

type fan struct{ ID, Username string }

type token struct {
	Value     string
	Flavour   flavour
	Kind      string // short | long | page
	Subject   string // IG account id (IG), FB user id (user), page id (page)
	User      string // FB user behind a page token
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time // zero: never
	Revoked   int       // 190 subcode when invalidated, 0 if valid
	Source    string    // oauth | exchange | refresh | page | admin
}

type authCode struct {
	Code, ClientID, RedirectURI, Subject string
	Flavour                              flavour
	Scopes                               []string
	Challenge, Method                    string
	Expires                              time.Time
	Used                                 bool
}

type container struct {
	ID, Owner, MediaType, Caption string // MediaType: REELS STORIES IMAGE CAROUSEL VIDEO
	IsCarouselItem                bool
	Children                      []string
	VideoURL, ImageURL, CoverURL  string
	ShareToFeed                   bool
	Params                        map[string]string

	Created time.Time
	// ReadyAt is when processing started: creation for URL media, upload
	// completion for resumable ones. Zero while bytes are missing.
	ReadyAt time.Time
	Fetch   *fetchRecord
	Upload  *upload
	Video   *videoCheck // top-level boxes of the fetched/uploaded video

	Failed     bool
	FailStatus string
	FailCode   int
	FailSub    int

	MediaID string // set when published
}

type fetchRecord struct {
	URL         string
	Fetched     bool // loopback: actually fetched; else skipped (offline)
	Done        bool
	OK          bool
	Error       string
	Status      int
	Bytes       int64
	SHA256      string
	ContentType string
}

type upload struct {
	FileSize int64
	Received int64
	FileURL  string
	hash     hash.Hash
	SHA256   string
	box      *boxWalker
	Requests int
	busy     bool // a POST is streaming bytes into it
}

func newUpload(size int64) *upload {
	return &upload{FileSize: size, hash: sha256.New(), box: &boxWalker{}}
}

type media struct {
	ID, Owner, MediaType, ProductType, Caption, Shortcode, Permalink string
	MediaURL, ThumbnailURL                                           string
	Timestamp                                                        time.Time
	Children                                                         []string
	Parent                                                           string
	ContainerID                                                      string
	ViaAPI                                                           bool
	CommentsEnabled, SharedToFeed                                    bool
	LikeCount                                                        int
	Deleted                                                          bool
}

type comment struct {
	ID, MediaID, ParentID, FromID, FromUsername, Text string
	Timestamp                                         time.Time
	Hidden                                            bool
	LikeCount                                         int
	PrivateReply                                      string // message id of the private reply
	Deleted                                           bool
}

type conversation struct {
	ID, Account, Participant string
	Messages                 []string // chronological
}

type message struct {
	ID, ConvID, FromID, ToID, Text string
	Created                        time.Time
	Inbound                        bool
	Attachments                    []attachment
	CommentID                      string // private reply to this comment
}

type attachment struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type callRec struct {
	at      time.Time
	account string
}

type state struct {
	accounts     map[string]*igAccount
	accountOrder []string
	scoped       map[string]string // app-scoped id → IG account id
	users        map[string]*fbUser
	userOrder    []string
	pages        map[string]*fbPage
	fans         map[string]*fan
	fanOrder     []string
	tokens       map[string]*token
	tokenOrder   []string
	codes        map[string]*authCode
	containers   map[string]*container
	contOrder    []string
	media        map[string]*media
	mediaOrder   []string
	comments     map[string]*comment
	commentOrder []string
	convs        map[string]*conversation
	convOrder    []string
	msgs         map[string]*message
	deliveries   []*delivery
	signed       []SignedRequestRecord
	pageTokens   map[string]map[string]string // user token → page id → page token
	counters     map[string]int
	calls        []callRec
	codesIssued  int
	codesUsed    int
}

// nextID returns prefix followed by a zero-padded counter.
func (st *state) nextID(prefix string, width int) string {
	st.counters[prefix]++
	return fmt.Sprintf("%s%0*d", prefix, width, st.counters[prefix])
}

func (st *state) newMediaID() string   { return st.nextID("18", 15) }
func (st *state) newCommentID() string { return st.nextID("1785", 13) }
func (st *state) newContainerID() string {
	return st.nextID("179", 14)
}
func (st *state) newConvID() string { return st.nextID("aWdfZAGQ", 10) }
func (st *state) newMsgID() string  { return st.nextID("aWdfZAGM", 10) }

// resolveIG maps an IG professional id or its app-scoped alias to the account.
func (st *state) resolveIG(id string) *igAccount {
	if a, ok := st.accounts[id]; ok {
		return a
	}
	if real, ok := st.scoped[id]; ok {
		return st.accounts[real]
	}
	return nil
}

// personName returns the username for an IG account or fan id.
func (st *state) personName(id string) string {
	if a := st.resolveIG(id); a != nil {
		return a.Username
	}
	if f, ok := st.fans[id]; ok {
		return f.Username
	}
	return ""
}

// lookupPerson finds a fan or account by id or username.
func (st *state) lookupPerson(key string) (id, username string, ok bool) {
	if f, ok := st.fans[key]; ok {
		return f.ID, f.Username, true
	}
	if a := st.resolveIG(key); a != nil {
		return a.ID, a.Username, true
	}
	for _, id := range st.fanOrder {
		if st.fans[id].Username == key {
			return id, key, true
		}
	}
	for _, id := range st.accountOrder {
		if st.accounts[id].Username == key {
			return id, key, true
		}
	}
	return "", "", false
}

// seed builds the deterministic starting state around now.
func (s *Server) seed(now time.Time) *state {
	st := &state{
		accounts: map[string]*igAccount{}, scoped: map[string]string{}, users: map[string]*fbUser{},
		pages: map[string]*fbPage{}, fans: map[string]*fan{}, tokens: map[string]*token{},
		codes: map[string]*authCode{}, containers: map[string]*container{}, media: map[string]*media{},
		comments: map[string]*comment{}, convs: map[string]*conversation{}, msgs: map[string]*message{},
		pageTokens: map[string]map[string]string{}, counters: map[string]int{},
	}
	addAcct := func(id, scoped, user, name, typ, page string, followers int) {
		st.accounts[id] = &igAccount{ID: id, AppScopedID: scoped, Username: user, Name: name, AccountType: typ,
			PageID: page, Followers: followers, Follows: 42, Biography: "Seeded by the impress sandbox.",
			Website: "https://example.com/" + user, Subscribed: map[string]bool{}}
		st.accountOrder = append(st.accountOrder, id)
		st.scoped[scoped] = id
	}
	addAcct(IGCreatorID, "10200000000000001", IGCreatorUsername, "Sandbox Creator", "BUSINESS", PageCreatorID, 1520)
	addAcct(IGBrandID, "10200000000000002", IGBrandUsername, "Sandbox Brand", "BUSINESS", PageBrandID, 8800)
	addAcct(IGSoloID, "10200000000000003", IGSoloUsername, "Sandbox Solo", "MEDIA_CREATOR", PageSoloID, 97)

	st.pages[PageCreatorID] = &fbPage{ID: PageCreatorID, Name: "Sandbox Creator Page", Category: "Digital creator", IGID: IGCreatorID}
	st.pages[PageBrandID] = &fbPage{ID: PageBrandID, Name: "Sandbox Brand Page", Category: "Brand", IGID: IGBrandID}
	st.pages[PageSoloID] = &fbPage{ID: PageSoloID, Name: "Sandbox Solo Page", Category: "Artist", IGID: IGSoloID}
	st.users[FBOwnerID] = &fbUser{ID: FBOwnerID, Name: FBOwnerName, Pages: []string{PageCreatorID, PageBrandID}}
	st.users[FBSoloID] = &fbUser{ID: FBSoloID, Name: FBSoloName, Pages: []string{PageSoloID}}
	st.userOrder = []string{FBOwnerID, FBSoloID}

	for _, f := range []fan{{FanID, FanUsername}, {Fan2ID, Fan2Username}, {Fan3ID, Fan3Username}} {
		st.fans[f.ID] = &fan{ID: f.ID, Username: f.Username}
		st.fanOrder = append(st.fanOrder, f.ID)
	}

	day := 24 * time.Hour
	addMedia := func(owner, typ, product, caption string, at time.Time, children []string) *media {
		m := s.addMediaTo(st, owner, typ, product, caption, at)
		m.Children, m.LikeCount = children, 7
		return m
	}
	reel := addMedia(IGCreatorID, "VIDEO", "REELS", "Hello from the sandbox #impress #go", now.Add(-3*day), nil)
	addMedia(IGCreatorID, "IMAGE", "FEED", "A quiet still", now.Add(-2*day), nil)
	album := addMedia(IGCreatorID, "CAROUSEL_ALBUM", "FEED", "Two frames", now.Add(-1*day), nil)
	c1 := addMedia(IGCreatorID, "IMAGE", "FEED", "", album.Timestamp, nil)
	c2 := addMedia(IGCreatorID, "VIDEO", "FEED", "", album.Timestamp, nil)
	c1.Parent, c2.Parent = album.ID, album.ID
	c1.Permalink, c2.Permalink = "", ""
	album.Children = []string{c1.ID, c2.ID}
	brand := addMedia(IGBrandID, "VIDEO", "REELS", "Collab soon with @sandbox_creator #brand", now.Add(-4*day), nil)
	addMedia(IGSoloID, "IMAGE", "FEED", "Solo's first post", now.Add(-5*day), nil)

	addComment := func(mediaID, parent, from, text string, at time.Time) *comment {
		c := &comment{ID: st.newCommentID(), MediaID: mediaID, ParentID: parent, FromID: from,
			FromUsername: st.personName(from), Text: text, Timestamp: at, LikeCount: 1}
		st.comments[c.ID] = c
		st.commentOrder = append(st.commentOrder, c.ID)
		return c
	}
	texts := []string{"first!", "love this", "how did you edit this?", "🔥🔥", "great pacing",
		"what song is this?", "tutorial please", "so calm", "nice colours", "saved it", "more like this", "👏"}
	fans := []string{FanID, Fan2ID, Fan3ID}
	for i, t := range texts {
		c := addComment(reel.ID, "", fans[i%3], t, reel.Timestamp.Add(time.Duration(i+1)*time.Hour))
		switch i {
		case 1:
			addComment(reel.ID, c.ID, IGCreatorID, "thank you!", c.Timestamp.Add(10*time.Minute))
		case 2:
			c.Hidden = true
		case 5:
			addComment(reel.ID, c.ID, IGCreatorID, "original audio", c.Timestamp.Add(5*time.Minute))
			addComment(reel.ID, c.ID, FanID, "thanks", c.Timestamp.Add(20*time.Minute))
		}
	}
	img := st.media[SeedImageID]
	addComment(img.ID, "", Fan3ID, "where is this?", img.Timestamp.Add(time.Hour))
	addComment(img.ID, "", FanID, "beautiful", img.Timestamp.Add(2*time.Hour))
	// The mention comment has a fixed id so tests and docs can name it.
	st.counters["1785"] = 900
	addComment(brand.ID, "", FanID, "@sandbox_creator you should see this", brand.Timestamp.Add(time.Hour))
	st.counters["1785"] = 100

	addConv := func(account, fanID string, n int, lastInbound time.Time) {
		cv := &conversation{ID: st.newConvID(), Account: account, Participant: fanID}
		st.convs[cv.ID] = cv
		st.convOrder = append(st.convOrder, cv.ID)
		for i := 0; i < n; i++ {
			at := lastInbound.Add(-time.Duration(n-1-i) * 7 * time.Minute)
			in := (n-1-i)%2 == 0 // the newest message is inbound
			m := &message{ID: st.newMsgID(), ConvID: cv.ID, Created: at, Inbound: in,
				Text: fmt.Sprintf("message %d", i+1)}
			if in {
				m.FromID, m.ToID = fanID, account
			} else {
				m.FromID, m.ToID = account, fanID
			}
			st.msgs[m.ID] = m
			cv.Messages = append(cv.Messages, m.ID)
		}
	}
	addConv(IGCreatorID, FanID, 25, now.Add(-time.Hour))
	addConv(IGCreatorID, Fan2ID, 3, now.Add(-3*day))
	addConv(IGBrandID, Fan3ID, 2, now.Add(-2*time.Hour))
	return st
}

// addMediaTo creates a live media in st (the server's state, or the one
// being seeded): id, shortcode, permalink and CDN-looking URLs. Caller
// holds s.mu (or is seeding).
func (s *Server) addMediaTo(st *state, owner, typ, product, caption string, at time.Time) *media {
	m := &media{ID: st.newMediaID(), Owner: owner, MediaType: typ, ProductType: product, Caption: caption,
		Timestamp: at, CommentsEnabled: true, SharedToFeed: product == "REELS", Shortcode: s.shortcode()}
	m.Permalink = permalink(m, st)
	m.MediaURL = "https://scontent.sandbox.invalid/" + m.Shortcode + mediaExt(typ)
	if typ == "VIDEO" {
		m.ThumbnailURL = "https://scontent.sandbox.invalid/" + m.Shortcode + "_thumb.jpg"
	}
	st.media[m.ID] = m
	st.mediaOrder = append(st.mediaOrder, m.ID)
	return m
}

// shortcode returns an 11-character Instagram-like shortcode. Caller holds
// s.mu (or is seeding).
func (s *Server) shortcode() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 11)
	b[0] = "CDE"[s.rng.IntN(3)]
	for i := 1; i < len(b); i++ {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func permalink(m *media, st *state) string {
	switch m.ProductType {
	case "REELS":
		return "https://www.instagram.com/reel/" + m.Shortcode + "/"
	case "STORY":
		return "https://www.instagram.com/stories/" + st.personName(m.Owner) + "/" + m.ID + "/"
	}
	return "https://www.instagram.com/p/" + m.Shortcode + "/"
}

func mediaExt(typ string) string {
	if typ == "VIDEO" {
		return ".mp4"
	}
	return ".jpg"
}
