package community

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/daemon/internal/records"
)

// Parsing of Meta webhook payloads (docs/META.md §13). Meta sends
//
//	{"object":"instagram","entry":[{"id":<account>,"time":…,"changes":[{"field","value"}]}]}
//
// for comments and mentions (also the flat form entry[].{field,value} that
// some Instagram Login docs show: both are read), and
//
//	{"object":"instagram","entry":[{"id":…,"time":…,"messaging":[{sender,recipient,timestamp,message|reaction|read|…}]}]}
//
// for messaging. Each change or messaging item becomes one event. Fields
// and objects impress does not know are kept as events of their field name
// with the raw JSON (stored and shown, never an error), so a new Meta field
// is not lost.

// webhookPart is how many events of one delivery are stored per commit.
// Meta batches at most 1000 updates; a signed delivery with more (within
// the 1 MiB body cap: tens of thousands of tiny events) is stored whole,
// in parts, and logged, rather than cut or refused: cutting lost events
// without a word, and refusing would make Meta retry the same batch until
// it gives up on the subscription.
const webhookPart = 2000

var errWebhookPayload = errors.New("webhook: not a Meta webhook payload")

type webhookEntry struct {
	ID        json.RawMessage   `json:"id"`
	Time      json.RawMessage   `json:"time"`
	Changes   []webhookChange   `json:"changes"`
	Field     string            `json:"field"` // flat form
	Value     json.RawMessage   `json:"value"` // flat form
	Messaging []json.RawMessage `json:"messaging"`
	Standby   []json.RawMessage `json:"standby"`
}

type webhookChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// parseWebhook turns a verified delivery into events. It fails only when
// the body is not a JSON object with an entry list; odd entries inside are
// kept with what could be read.
func parseWebhook(body []byte) ([]records.Event, error) {
	var p struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Entry == nil {
		return nil, errWebhookPayload
	}
	var out []records.Event
	for _, rawEntry := range p.Entry {
		var e webhookEntry
		if json.Unmarshal(rawEntry, &e) != nil {
			continue
		}
		base := records.Event{Object: p.Object, Account: public.JSONID(e.ID), Time: unixTime(e.Time)}
		if e.Field != "" && e.Changes == nil {
			e.Changes = []webhookChange{{Field: e.Field, Value: e.Value}}
		}
		for _, ch := range e.Changes {
			out = append(out, parseChange(base, ch))
		}
		for _, m := range e.Messaging {
			out = append(out, parseMessaging(base, m, ""))
		}
		for _, m := range e.Standby {
			out = append(out, parseMessaging(base, m, api.EventStandby))
		}
	}
	return out, nil
}

// unixTime reads Meta's seconds (entry.time) or milliseconds (messaging
// timestamp); anything else is the zero time.
func unixTime(raw json.RawMessage) time.Time {
	n, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64)
	if err != nil || n <= 0 || n > 1e15 {
		return time.Time{}
	}
	if n > 1e11 { // milliseconds
		return time.UnixMilli(int64(n)).UTC()
	}
	return time.Unix(int64(n), 0).UTC()
}

func rawHash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func compactRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || !json.Valid(raw) {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}

func parseChange(ev records.Event, ch webhookChange) records.Event {
	ev.Type = ch.Field
	if ev.Type == "" {
		ev.Type = "unknown"
	}
	ev.Raw = compactRaw(ch.Value)
	key := "change|" + ev.Object + "|" + ev.Account + "|" + ev.Type + "|"
	var v struct {
		ID       json.RawMessage `json:"id"`
		Text     string          `json:"text"`
		ParentID json.RawMessage `json:"parent_id"`
		From     *struct {
			ID       json.RawMessage `json:"id"`
			Username string          `json:"username"`
		} `json:"from"`
		Media *struct {
			ID      json.RawMessage `json:"id"`
			Product string          `json:"media_product_type"`
		} `json:"media"`
		MediaID   json.RawMessage `json:"media_id"`
		CommentID json.RawMessage `json:"comment_id"`
	}
	if json.Unmarshal(ch.Value, &v) != nil {
		ev.Dedupe = key + "raw|" + rawHash(ch.Value)
		return ev
	}
	switch ev.Type {
	case api.EventComments, api.EventLiveComments:
		ev.CommentID, ev.Text, ev.ParentID = public.JSONID(v.ID), v.Text, public.JSONID(v.ParentID)
		if v.From != nil {
			ev.FromID, ev.FromUsername = public.JSONID(v.From.ID), v.From.Username
		}
		if v.Media != nil {
			ev.MediaID, ev.MediaProduct = public.JSONID(v.Media.ID), v.Media.Product
		}
		if ev.CommentID != "" {
			ev.Dedupe = key + ev.CommentID
			return ev
		}
	case api.EventMentions:
		ev.MediaID, ev.CommentID = public.JSONID(v.MediaID), public.JSONID(v.CommentID)
		if ev.MediaID != "" {
			ev.Dedupe = key + ev.MediaID + "|" + ev.CommentID
			return ev
		}
	}
	ev.Dedupe = key + "raw|" + rawHash(ch.Value)
	return ev
}

type messagingItem struct {
	Sender    *struct{ ID json.RawMessage } `json:"sender"`
	Recipient *struct{ ID json.RawMessage } `json:"recipient"`
	Timestamp json.RawMessage               `json:"timestamp"`
	Message   *struct {
		MID         string `json:"mid"`
		Text        string `json:"text"`
		IsEcho      bool   `json:"is_echo"`
		IsDeleted   bool   `json:"is_deleted"`
		Attachments []struct {
			Type string `json:"type"`
		} `json:"attachments"`
	} `json:"message"`
	Reaction *struct {
		MID      string `json:"mid"`
		Action   string `json:"action"`
		Reaction string `json:"reaction"`
		Emoji    string `json:"emoji"`
	} `json:"reaction"`
	Read *struct {
		MID       string          `json:"mid"`
		Watermark json.RawMessage `json:"watermark"`
	} `json:"read"`
	Postback *struct {
		MID     string `json:"mid"`
		Title   string `json:"title"`
		Payload string `json:"payload"`
	} `json:"postback"`
	Edit *struct {
		MID     string `json:"mid"`
		Text    string `json:"text"`
		NumEdit int    `json:"num_edit"`
	} `json:"message_edit"`
	Referral json.RawMessage `json:"referral"`
	Optin    json.RawMessage `json:"optin"`
	Handover json.RawMessage `json:"pass_thread_control"`
	Take     json.RawMessage `json:"take_thread_control"`
}

func parseMessaging(ev records.Event, raw json.RawMessage, forced string) records.Event {
	ev.Raw = compactRaw(raw)
	var m messagingItem
	if json.Unmarshal(raw, &m) != nil {
		ev.Type = api.EventMessagingMisc
		if forced != "" {
			ev.Type = forced
		}
		ev.Dedupe = "msg|" + ev.Object + "|" + ev.Account + "|raw|" + rawHash(raw)
		return ev
	}
	if m.Sender != nil {
		ev.FromID = public.JSONID(m.Sender.ID)
	}
	if m.Recipient != nil {
		ev.ToID = public.JSONID(m.Recipient.ID)
	}
	if t := unixTime(m.Timestamp); !t.IsZero() {
		ev.Time = t
	}
	var id string
	switch {
	case m.Message != nil:
		ev.Type, ev.MessageID, ev.Text = api.EventMessages, m.Message.MID, m.Message.Text
		ev.Echo, ev.Deleted = m.Message.IsEcho, m.Message.IsDeleted
		for _, a := range m.Message.Attachments {
			ev.Attachments = append(ev.Attachments, a.Type)
		}
		id = m.Message.MID
		if ev.Deleted {
			id += "|deleted"
		}
	case m.Reaction != nil:
		ev.Type, ev.MessageID, ev.Reaction = api.EventReactions, m.Reaction.MID, m.Reaction.Reaction
		if m.Reaction.Emoji != "" {
			ev.Reaction = m.Reaction.Emoji
		}
		if m.Reaction.MID != "" {
			id = m.Reaction.MID + "|" + ev.FromID + "|" + m.Reaction.Action + "|" + m.Reaction.Reaction + "|" + string(m.Timestamp)
		}
	case m.Edit != nil:
		ev.Type, ev.MessageID, ev.Text = api.EventEdits, m.Edit.MID, m.Edit.Text
		if m.Edit.MID != "" {
			id = m.Edit.MID + "|" + strconv.Itoa(m.Edit.NumEdit)
		}
	case m.Read != nil:
		ev.Type, ev.MessageID = api.EventSeen, m.Read.MID
		if m.Read.MID != "" {
			id = m.Read.MID + "|" + ev.FromID
		}
	case m.Postback != nil:
		ev.Type, ev.MessageID, ev.Text = api.EventPostbacks, m.Postback.MID, m.Postback.Title
		id = m.Postback.MID
	case m.Referral != nil:
		ev.Type = api.EventReferral
	case m.Optin != nil:
		ev.Type = api.EventOptins
	case m.Handover != nil || m.Take != nil:
		ev.Type = api.EventHandover
	default:
		ev.Type = api.EventMessagingMisc
	}
	if forced != "" {
		ev.Type = forced
	}
	key := "msg|" + ev.Object + "|" + ev.Account + "|" + ev.Type + "|"
	if id != "" {
		ev.Dedupe = key + id
	} else {
		ev.Dedupe = key + "raw|" + rawHash(raw)
	}
	return ev
}
