package community

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/records"
)

// Payloads shaped like Meta's examples (docs/META.md §13).
var webhookSeeds = map[string]string{
	"comment": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000000,"changes":[{"field":"comments","value":{` +
		`"from":{"id":"6100000000000001","username":"someone"},"media":{"id":"18000000000000001","media_product_type":"REELS"},` +
		`"id":"17858893269000001","text":"great video \u2764 \/ yes"}}]}]}`,
	"reply": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000001,"changes":[{"field":"comments","value":{` +
		`"from":{"id":"6100000000000002","username":"other"},"media":{"id":"18000000000000001","media_product_type":"REELS"},` +
		`"id":"17858893269000002","parent_id":"17858893269000001","text":"agreed"}}]}]}`,
	"flat comment": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000002,"field":"comments","value":{` +
		`"from":{"id":"6100000000000003","username":"flat"},"media":{"id":"18000000000000002"},"id":"17858893269000003","text":"flat form"}}]}`,
	"mention":         `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000003,"changes":[{"field":"mentions","value":{"media_id":"18000000000000006","comment_id":"17850000000000901"}}]}]}`,
	"caption mention": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000004,"changes":[{"field":"mentions","value":{"media_id":"18000000000000007"}}]}]}`,
	"message": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000005,"messaging":[{` +
		`"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1740000005123,` +
		`"message":{"mid":"aWdfMID1","text":"hello\nsecond line","attachments":[{"type":"image","payload":{"url":"https:\/\/lookaside.example\/x"}}],` +
		`"is_echo":false,"reply_to":{"mid":"aWdfMID0"}}}]}]}`,
	"echo": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000006,"messaging":[{` +
		`"sender":{"id":"17841400000000001"},"recipient":{"id":"6100000000000001"},"timestamp":1740000006000,` +
		`"message":{"mid":"aWdfMID2","text":"thanks!","is_echo":true}}]}]}`,
	"reaction": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000007,"messaging":[{` +
		`"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1740000007000,` +
		`"reaction":{"mid":"aWdfMID2","action":"react","reaction":"love","emoji":"\u2764"}}]}]}`,
	"seen": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000008,"messaging":[{` +
		`"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1740000008000,"read":{"mid":"aWdfMID2"}}]}]}`,
	"postback": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000009,"messaging":[{` +
		`"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1740000009000,` +
		`"postback":{"mid":"aWdfMID3","title":"Yes","payload":"YES"}}]}]}`,
	"edit": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000010,"messaging":[{` +
		`"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000001"},"timestamp":1740000010000,` +
		`"message_edit":{"mid":"aWdfMID1","text":"hello (edited)","num_edit":1}}]}]}`,
	"story mention": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000011,"messaging":[{` +
		`"sender":{"id":"6100000000000002"},"recipient":{"id":"17841400000000001"},"timestamp":1740000011000,` +
		`"message":{"mid":"aWdfMID4","attachments":[{"type":"story_mention","payload":{"url":"https:\/\/lookaside.example\/s"}}]}}]}]}`,
	"batch": `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000012,"changes":[` +
		`{"field":"comments","value":{"id":"1","text":"a","media":{"id":"9"}}},{"field":"comments","value":{"id":"2","text":"b","media":{"id":"9"}}}]},` +
		`{"id":"17841400000000002","time":1740000012,"changes":[{"field":"story_insights","value":{"media_id":"5","reach":3}}]}]}`,
	"unknown field":  `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000013,"changes":[{"field":"brand_new_field","value":{"x":1}}]}]}`,
	"page object":    `{"object":"page","entry":[{"id":"100000000000101","time":1740000014,"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1740000014000,"optin":{"ref":"r"}}]}]}`,
	"standby":        `{"object":"instagram","entry":[{"id":"17841400000000001","time":1740000015,"standby":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1740000015000,"message":{"mid":"m9","text":"s"}}]}]}`,
	"dashboard test": `{"entry":[{"id":"0","time":1740000016,"changes":[{"field":"comments","value":{"id":"0","text":"This is an example."}}]}],"object":"instagram"}`,
}

func TestParseWebhookShapes(t *testing.T) {
	one := func(name string) records.Event {
		t.Helper()
		evs, err := parseWebhook([]byte(webhookSeeds[name]))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: parseWebhook = %d events, %v", name, len(evs), err)
		}
		return evs[0]
	}
	c := one("comment")
	if c.Type != api.EventComments || c.Account != "17841400000000001" || c.CommentID != "17858893269000001" ||
		c.MediaID != "18000000000000001" || c.MediaProduct != "REELS" || c.FromUsername != "someone" ||
		c.Text != "great video ❤ / yes" || !c.Time.Equal(time.Unix(1740000000, 0)) {
		t.Errorf("comment = %+v", c)
	}
	if r := one("reply"); r.ParentID != "17858893269000001" {
		t.Errorf("reply parent = %q", r.ParentID)
	}
	if f := one("flat comment"); f.Type != api.EventComments || f.CommentID != "17858893269000003" || f.MediaID != "18000000000000002" {
		t.Errorf("flat form = %+v", f)
	}
	if m := one("mention"); m.Type != api.EventMentions || m.MediaID != "18000000000000006" || m.CommentID != "17850000000000901" {
		t.Errorf("mention = %+v", m)
	}
	if m := one("caption mention"); m.CommentID != "" || m.MediaID != "18000000000000007" {
		t.Errorf("caption mention = %+v", m)
	}
	msg := one("message")
	if msg.Type != api.EventMessages || msg.FromID != "6100000000000001" || msg.ToID != "17841400000000001" || msg.MessageID != "aWdfMID1" ||
		msg.Text != "hello\nsecond line" || msg.Echo || len(msg.Attachments) != 1 || msg.Attachments[0] != "image" ||
		!msg.Time.Equal(time.UnixMilli(1740000005123)) {
		t.Errorf("message = %+v", msg)
	}
	if !strings.Contains(string(msg.Raw), "lookaside") {
		t.Errorf("raw lost the attachment URL: %s", msg.Raw)
	}
	if e := one("echo"); e.Type != api.EventMessages || !e.Echo || e.ToID != "6100000000000001" {
		t.Errorf("echo = %+v", e)
	}
	if r := one("reaction"); r.Type != api.EventReactions || r.Reaction != "❤" || r.MessageID != "aWdfMID2" {
		t.Errorf("reaction = %+v", r)
	}
	if s := one("seen"); s.Type != api.EventSeen {
		t.Errorf("seen = %+v", s)
	}
	if p := one("postback"); p.Type != api.EventPostbacks || p.Text != "Yes" {
		t.Errorf("postback = %+v", p)
	}
	if e := one("edit"); e.Type != api.EventEdits || e.Text != "hello (edited)" {
		t.Errorf("edit = %+v", e)
	}
	if s := one("story mention"); s.Type != api.EventMessages || len(s.Attachments) != 1 || s.Attachments[0] != "story_mention" {
		t.Errorf("story mention = %+v", s)
	}
	if u := one("unknown field"); u.Type != "brand_new_field" || string(u.Raw) != `{"x":1}` {
		t.Errorf("unknown field = %+v", u)
	}
	if p := one("page object"); p.Type != api.EventOptins || p.Object != "page" {
		t.Errorf("page optin = %+v", p)
	}
	if s := one("standby"); s.Type != api.EventStandby || s.Text != "s" {
		t.Errorf("standby = %+v", s)
	}
	evs, err := parseWebhook([]byte(webhookSeeds["batch"]))
	if err != nil || len(evs) != 3 || evs[2].Account != "17841400000000002" || evs[2].Type != "story_insights" {
		t.Fatalf("batch = %+v, %v", evs, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `{"object":"instagram"}`, `{"entry":{}}`, `not json`} {
		if _, err := parseWebhook([]byte(bad)); err == nil {
			t.Errorf("parseWebhook(%q) accepted", bad)
		}
	}
}

func TestWebhookDedupeKeys(t *testing.T) {
	keys := map[string]string{}
	for name, body := range webhookSeeds {
		a, err := parseWebhook([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := parseWebhook([]byte(body))
		for i := range a {
			if a[i].Dedupe == "" || a[i].Dedupe != b[i].Dedupe {
				t.Errorf("%s: dedupe key %q not stable (%q)", name, a[i].Dedupe, b[i].Dedupe)
			}
			if other, ok := keys[a[i].Dedupe]; ok {
				t.Errorf("%s and %s share dedupe key %q", name, other, a[i].Dedupe)
			}
			keys[a[i].Dedupe] = name
		}
	}
	// A redelivery is the same change even when Meta batches it
	// differently or sends another entry.time.
	single, _ := parseWebhook([]byte(webhookSeeds["comment"]))
	rebatched := strings.Replace(webhookSeeds["comment"], `"time":1740000000`, `"time":1740009999`, 1)
	again, _ := parseWebhook([]byte(rebatched))
	if single[0].Dedupe != again[0].Dedupe {
		t.Errorf("a retried comment gets another key: %q vs %q", single[0].Dedupe, again[0].Dedupe)
	}
}

// FuzzParseWebhook: any signed body (Meta's, or a compromised secret's)
// must not panic the parser; every event it yields has a type, a dedupe
// key and valid raw JSON, and parsing is deterministic. The seed corpus is
// Meta's example shapes (also committed under testdata/fuzz).
func FuzzParseWebhook(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := parseWebhook(body)
		if err != nil {
			if len(evs) != 0 {
				t.Fatal("events with an error")
			}
			return
		}
		if len(evs) > len(body)/2 { // every event is at least an object in the body
			t.Fatalf("%d events from %d bytes", len(evs), len(body))
		}
		again, _ := parseWebhook(body)
		for i, ev := range evs {
			if ev.Type == "" || ev.Dedupe == "" {
				t.Fatalf("event %d without type or dedupe key: %+v", i, ev)
			}
			if ev.Raw != nil && !json.Valid(ev.Raw) {
				t.Fatalf("event %d raw is not JSON: %q", i, ev.Raw)
			}
			if again[i].Dedupe != ev.Dedupe {
				t.Fatalf("dedupe key not deterministic")
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("event %d does not marshal: %v", i, err)
			}
		}
	})
}
