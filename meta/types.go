package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Time is a Meta timestamp. Graph sends "2026-03-01T10:00:00+0000" (no
// colon in the offset, so not RFC 3339); Unix seconds and RFC 3339 are
// accepted too. It marshals as RFC 3339 UTC.
type Time struct{ time.Time }

const metaTimeLayout = "2006-01-02T15:04:05-0700"

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" || string(b) == `""` {
		t.Time = time.Time{}
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("meta: time %s: %w", b, err)
		}
		t.Time = time.Unix(n, 0).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{metaTimeLayout, time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("meta: time %q: unknown layout", s)
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// flexString accepts a JSON string or number: Meta's ids are strings, but
// some OAuth responses send user_id and app_id as numbers.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// flexList accepts a JSON array of strings or a comma-separated string
// (api.instagram.com sends permissions as "a,b").
type flexList []string

func (f *flexList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*f = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*f = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*f = append(*f, p)
		}
	}
	return nil
}

// PageOptions selects one page of a cursor-paginated edge.
type PageOptions struct {
	Limit  int    // page size (0: the edge's default)
	After  string // cursor from [Paging.After]
	Before string // cursor from [Paging.Before]
}

func (p PageOptions) apply(q url.Values) {
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.After != "" {
		q.Set("after", p.After)
	}
	if p.Before != "" {
		q.Set("before", p.Before)
	}
}

// Paging holds the cursors of a page. Meta's "next"/"previous" URLs are
// not returned: they may carry the token, and following them would send
// the token to whatever host they name. Pass After back in [PageOptions]
// instead.
type Paging struct {
	Before, After string
	HasNext       bool
	HasPrevious   bool
}

type wirePaging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

func (w *wirePaging) paging() Paging {
	if w == nil {
		return Paging{}
	}
	return Paging{Before: w.Cursors.Before, After: w.Cursors.After, HasNext: w.Next != "", HasPrevious: w.Previous != ""}
}

// list is Graph's {"data":[...],"paging":{...}} wrapper.
type list[T any] struct {
	Data   []T         `json:"data"`
	Paging *wirePaging `json:"paging"`
}

// Edge is a list Graph nests inside an object as {"data":[...]} (a
// comment's replies, a carousel's children, a thread's participants).
// Decoding it as a field type lets each object keep its plain field tags
// instead of a hand-written UnmarshalJSON per edge. Nested edges carry no
// paging we use, so only data is kept; it encodes back to the same wrapper
// so a value decodes the same after a round trip.
type Edge[T any] []T

// UnmarshalJSON reads {"data":[...]}; null leaves the edge empty.
func (e *Edge[T]) UnmarshalJSON(b []byte) error {
	var l list[T]
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*e = l.Data
	return nil
}

// MarshalJSON writes {"data":[...]}.
func (e Edge[T]) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Data []T `json:"data"`
	}{e})
}

// success decodes {"success":true} and a bare true.
type success bool

func (s *success) UnmarshalJSON(b []byte) error {
	var v bool
	if err := json.Unmarshal(b, &v); err == nil {
		*s = success(v)
		return nil
	}
	var o struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*s = success(o.Success)
	return nil
}

// idResponse is {"id":"..."}.
type idResponse struct {
	ID flexString `json:"id"`
}
