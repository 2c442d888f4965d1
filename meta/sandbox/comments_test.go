package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCommentsPaginationAndReplies(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	path := "/v25.0/" + SeedReelID + "/comments"
	fields := "id,text,username,timestamp,hidden,from{id,username},replies{id,text,username}"
	first := e.get(path, tok, "fields", fields).obj(t)
	if n := len(list(first, "data")); n != DefaultPageSize {
		t.Fatalf("default page has %d comments", n)
	}
	if str(first, "paging", "cursors", "after") == "" || str(first, "paging", "next") == "" {
		t.Fatalf("paging %v", first["paging"])
	}
	seen := map[string]bool{}
	hidden, replies := 0, 0
	var prevTS string
	next := e.base + path + "?" + vals("access_token", tok, "fields", fields, "limit", "50").Encode()
	pages := 0
	for next != "" {
		pages++
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, next, nil)
		m := e.send(req).obj(t)
		for _, c := range list(m, "data") {
			id := str(c, "id")
			if seen[id] {
				t.Errorf("comment %s twice", id)
			}
			seen[id] = true
			if c["hidden"] == true {
				hidden++
			}
			if prevTS != "" && str(c, "timestamp") > prevTS {
				t.Errorf("not newest first")
			}
			prevTS = str(c, "timestamp")
			if r, ok := c["replies"].(map[string]any); ok {
				replies += len(list(r, "data"))
			}
			if str(c, "from", "username") == "" || str(c, "username") != str(c, "from", "username") {
				t.Errorf("from %v", c)
			}
		}
		next = str(m, "paging", "next")
	}
	if len(seen) != 12 || hidden != 1 || replies != 3 || pages != 2 {
		t.Fatalf("walked %d comments (%d hidden, %d replies) in %d pages (limit capped at %d)", len(seen), hidden, replies, pages, DefaultMaxPageSize)
	}
	// A bad cursor is refused.
	wantErr(t, e.get(path, tok, "after", "!!!"), 400, 100, 0)
	// Unknown fields are refused like Graph does.
	g := wantErr(t, e.get(path, tok, "fields", "id,txt"), 400, 100, 0)
	if !strings.Contains(g.Message, "nonexisting field (txt)") {
		t.Errorf("message %q", g.Message)
	}
}

func TestCommentModeration(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	c, err := e.s.AddComment(SeedReelID, FanUsername, "is this the sandbox?")
	if err != nil {
		t.Fatal(err)
	}
	// Reply as the owner.
	r := e.post("/v25.0/"+c.ID+"/replies", tok, "message", "it is")
	wantStatus(t, r, 200)
	reply := str(r.obj(t), "id")
	got := e.get("/v25.0/"+reply, tok, "fields", "id,text,parent_id,username").obj(t)
	if got["parent_id"] != c.ID || got["username"] != IGCreatorUsername {
		t.Errorf("reply %v", got)
	}
	// Replies only to top-level comments.
	wantErr(t, e.post("/v25.0/"+reply+"/replies", tok, "message", "nested"), 400, 100, 0)
	// Hide / unhide.
	wantStatus(t, e.post("/v25.0/"+c.ID, tok, "hide", "true"), 200)
	if e.get("/v25.0/"+c.ID, tok, "fields", "hidden").obj(t)["hidden"] != true {
		t.Error("not hidden")
	}
	wantErr(t, e.post("/v25.0/"+c.ID+"/replies", tok, "message", "to a hidden comment"), 400, 100, 0)
	wantStatus(t, e.post("/v25.0/"+c.ID, tok, "hide", "false"), 200)
	// The owner's own comments cannot be hidden.
	wantErr(t, e.post("/v25.0/"+reply, tok, "hide", "true"), 400, 100, 0)
	// Delete on own media works, and takes the replies along.
	wantStatus(t, e.do(http.MethodDelete, "/v25.0/"+c.ID, nil, tok), 200)
	wantErr(t, e.get("/v25.0/"+c.ID, tok), 400, 100, 33)
	wantErr(t, e.get("/v25.0/"+reply, tok), 400, 100, 33)

	// A comment on someone else's media that mentions the account is
	// readable through mentioned_comment but cannot be deleted or hidden.
	m := e.get("/v25.0/"+IGCreatorID, tok, "fields", "mentioned_comment.comment_id("+SeedMentionCommentID+"){id,text,media{id,permalink}}").obj(t)
	mc, _ := m["mentioned_comment"].(map[string]any)
	if str(mc, "id") != SeedMentionCommentID || str(mc, "media", "id") != SeedBrandReelID || !strings.Contains(str(mc, "text"), "@sandbox_creator") {
		t.Fatalf("mentioned_comment %v", m)
	}
	wantErr(t, e.do(http.MethodDelete, "/v25.0/"+SeedMentionCommentID, nil, tok), 403, 10, 0)
	wantErr(t, e.post("/v25.0/"+SeedMentionCommentID, tok, "hide", "true"), 403, 10, 0)
	// Mentioned media (caption mention) and replying to a mention.
	mm := e.get("/v25.0/"+IGCreatorID, tok, "fields", "mentioned_media.media_id("+SeedBrandReelID+"){id,caption,username}").obj(t)
	if str(mm, "mentioned_media", "username") != IGBrandUsername {
		t.Errorf("mentioned_media %v", mm)
	}
	r = e.post("/v25.0/"+IGCreatorID+"/mentions", tok, "media_id", SeedBrandReelID, "comment_id", SeedMentionCommentID, "message", "thanks!")
	wantStatus(t, r, 200)
	own := str(r.obj(t), "id")
	// The account may delete its own comment on another account's media.
	wantStatus(t, e.do(http.MethodDelete, "/v25.0/"+own, nil, tok), 200)
	wantErr(t, e.get("/v25.0/"+IGCreatorID, tok, "fields", "mentioned_comment.comment_id(17850000000000001){id}"), 400, 100, 0)

	// Comments on own media by the owner; comment_enabled=false blocks them.
	wantStatus(t, e.post("/v25.0/"+SeedImageID+"/comments", tok, "message", "owner note"), 200)
	wantStatus(t, e.post("/v25.0/"+SeedImageID, tok, "comment_enabled", "false"), 200)
	wantErr(t, e.post("/v25.0/"+SeedImageID+"/comments", tok, "message", "again"), 400, 100, 0)
	// Without the comments scope: 10.
	basic, _ := e.s.IssueToken(TokenRequest{Scopes: []string{"instagram_business_basic"}})
	wantErr(t, e.get("/v25.0/"+SeedReelID+"/comments", basic), 403, 10, 0)
}

func TestMessaging(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	wantErr(t, e.get("/v25.0/me/conversations", tok), 400, 100, 0) // platform is required
	m := e.get("/v25.0/me/conversations", tok, "platform", "instagram", "fields", "id,updated_time,participants").obj(t)
	convs := list(m, "data")
	if len(convs) != 2 || str(convs[0], "id") != ConvOpenID {
		t.Fatalf("conversations %v", m)
	}
	parts := list(convs[0]["participants"].(map[string]any), "data")
	if len(parts) != 2 || str(parts[1], "username") != FanUsername {
		t.Errorf("participants %v", parts)
	}
	// Only the newest 20 of 25 messages.
	cv := e.get("/v25.0/"+ConvOpenID, tok, "fields", "messages{id,created_time,from,to,message}").obj(t)
	msgs := list(cv["messages"].(map[string]any), "data")
	if len(msgs) != 20 || str(msgs[0], "message") != "message 25" || str(msgs[0], "from", "id") != FanID {
		t.Fatalf("messages %d, first %v", len(msgs), msgs[0])
	}
	st := e.s.State()
	oldest := st.Conversations[0].Messages[0].ID
	wantErr(t, e.get("/v25.0/"+oldest, tok, "fields", "message"), 400, 100, 0)
	wantStatus(t, e.get("/v25.0/"+str(msgs[0], "id"), tok, "fields", "id,message,from,to"), 200)

	send := func(recipient string) *resp {
		return e.post("/v25.0/me/messages", tok, "recipient", recipient, "message", `{"text":"thanks for writing"}`)
	}
	r := send(`{"id":"` + FanID + `"}`)
	wantStatus(t, r, 200)
	if m := r.obj(t); m["recipient_id"] != FanID || str(m, "message_id") == "" {
		t.Errorf("send %s", r.body)
	}
	g := wantErr(t, send(`{"id":"`+Fan2ID+`"}`), 400, 10, 2534022)
	if g.Message != "This message is sent outside of allowed window." {
		t.Errorf("window message %q", g.Message)
	}
	// HUMAN_AGENT extends the window to 7 days.
	wantStatus(t, e.post("/v25.0/me/messages", tok, "recipient", `{"id":"`+Fan2ID+`"}`, "message", `{"text":"human here"}`,
		"messaging_type", "MESSAGE_TAG", "tag", "HUMAN_AGENT"), 200)
	// A new inbound message reopens the window; 24 h later it is closed again.
	if _, err := e.s.AddMessage(IGCreatorUsername, Fan2Username, "hello again"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, send(`{"id":"`+Fan2ID+`"}`), 200)
	e.clock.Advance(24*time.Hour + time.Minute)
	wantErr(t, send(`{"id":"`+Fan2ID+`"}`), 400, 10, 2534022)
	wantErr(t, e.post("/v25.0/me/messages", tok, "recipient", `{"id":"`+FanID+`"}`, "message", `{"text":"`+strings.Repeat("x", 1001)+`"}`), 400, 100, 0)

	// JSON body works too (Graph accepts it).
	c, _ := e.s.AddComment(SeedReelID, Fan3ID, "price?")
	body := `{"recipient":{"comment_id":"` + c.ID + `"},"message":{"text":"sent you a DM"}}`
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.base+"/v25.0/"+IGCreatorID+"/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	wantStatus(t, e.send(req), 200)
	// One private reply per comment.
	wantErr(t, send(`{"comment_id":"`+c.ID+`"}`), 400, 10, 0)
	// Older than 7 days: outside the window.
	e.clock.Advance(8 * 24 * time.Hour)
	seeded := e.s.State().Comments[0] // seeded about 12 days before now
	wantErr(t, send(`{"comment_id":"`+seeded.ID+`"}`), 400, 10, 2534022)
	// Without the messages scope: 10 without a subcode.
	basic, _ := e.s.IssueToken(TokenRequest{Scopes: []string{"instagram_business_basic"}})
	wantErr(t, e.get("/v25.0/me/conversations", basic, "platform", "instagram"), 403, 10, 0)
}

func TestFacebookPageMessaging(t *testing.T) {
	e := newEnv(t, Options{})
	page, err := e.s.IssueToken(TokenRequest{Flavour: "facebook", Page: PageBrandID})
	if err != nil {
		t.Fatal(err)
	}
	m := e.get("/v25.0/"+PageBrandID+"/conversations", page, "platform", "instagram").obj(t)
	if d := list(m, "data"); len(d) != 1 || str(d[0], "id") != ConvBrandID {
		t.Fatalf("page conversations %v", m)
	}
	wantStatus(t, e.post("/v25.0/me/messages", page, "recipient", `{"id":"`+Fan3ID+`"}`, "message", `{"text":"hi"}`), 200)
}
