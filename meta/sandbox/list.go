package sandbox

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// paginate cuts ids (already in response order) into the page the call
// asked for with limit/after/before, and builds Graph's paging object:
// {"cursors":{"before","after"},"next","previous"}. next/previous are full
// URLs that repeat the request's query (access_token included, as Meta's
// do — clients must redact them). Caller holds s.mu.
func (s *Server) paginate(c *call, ids []string) ([]string, map[string]any, *GraphError) {
	limit := s.opts.PageSize
	if l := c.params.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return nil, nil, errParam("Param limit must be a positive integer")
		}
		limit = min(n, s.opts.MaxPageSize)
	}
	start, end := 0, len(ids)
	switch {
	case c.params.Get("after") != "":
		i, ok := cursorIndex(c.params.Get("after"), ids)
		if !ok {
			return nil, nil, errParam("The after cursor is not valid")
		}
		start = min(i+1, len(ids))
		end = min(len(ids), start+limit)
	case c.params.Get("before") != "":
		i, ok := cursorIndex(c.params.Get("before"), ids)
		if !ok {
			return nil, nil, errParam("The before cursor is not valid")
		}
		end = max(0, min(i, len(ids)))
		start = max(0, end-limit)
	default:
		end = min(len(ids), limit)
	}
	page := ids[start:end]
	paging := map[string]any{}
	if len(page) > 0 {
		paging["cursors"] = map[string]string{
			"before": cursor(page[0], start), "after": cursor(page[len(page)-1], end-1)}
		if end < len(ids) {
			paging["next"] = pageURL(c, "after", cursor(page[len(page)-1], end-1))
		}
		if start > 0 {
			paging["previous"] = pageURL(c, "before", cursor(page[0], start))
		}
	}
	return page, paging, nil
}

func cursor(id string, idx int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id + "|" + strconv.Itoa(idx)))
}

// cursorIndex finds the cursor's item; when it was deleted meanwhile, the
// recorded position is used instead.
func cursorIndex(cur string, ids []string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(cur, "="))
	if err != nil {
		return 0, false
	}
	id, idx, ok := strings.Cut(string(b), "|")
	if !ok {
		return 0, false
	}
	if i := slices.Index(ids, id); i >= 0 {
		return i, true
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func pageURL(c *call, key, cur string) string {
	u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path}
	if c.r.TLS != nil || c.r.Header.Get("X-Forwarded-Proto") == "https" {
		u.Scheme = "https"
	}
	q := c.r.URL.Query()
	q.Del("after")
	q.Del("before")
	q.Set(key, cur)
	if q.Get("limit") == "" {
		q.Del("limit")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// pageOf answers one page of an edge's ids (c's limit and cursors) as
// Graph lists an edge: the items render makes of the page, and the paging.
func (s *Server) pageOf(c *call, ids []string, render func(page []string) ([]map[string]any, *GraphError)) (any, *GraphError) {
	page, paging, e := s.paginate(c, ids)
	if e != nil {
		return nil, e
	}
	data, e := render(page)
	if e != nil {
		return nil, e
	}
	return withPaging(data, paging), nil
}

func withPaging(data any, paging map[string]any) map[string]any {
	out := map[string]any{"data": data}
	if len(paging) > 0 {
		out["paging"] = paging
	}
	return out
}

// Compiled on first use rather than at package init, which every impress
// command would pay for.
var (
	hashtagRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`#[\p{L}\p{N}_]+`) })
	mentionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`@[A-Za-z0-9._]+`) })
)

// countHashtags counts #tag occurrences (letters, digits, underscore).
func countHashtags(s string) int { return len(hashtagRE().FindAllString(s, -1)) }

// countMentions counts @username occurrences.
func countMentions(s string) int { return len(mentionRE().FindAllString(s, -1)) }

// mentions reports whether text @-mentions username.
func mentions(text, username string) bool {
	for _, m := range mentionRE().FindAllString(text, -1) {
		if strings.EqualFold(strings.TrimRight(m[1:], "."), username) {
			return true
		}
	}
	return false
}
