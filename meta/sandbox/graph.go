package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GraphError is Meta's Graph API error body, the value of the "error" key of
// the envelope {"error":{...}} (docs/META.md §10). Optional members
// are omitted when empty, as Meta does; is_transient and fbtrace_id are
// always present.
type GraphError struct {
	Message        string `json:"message"`
	Type           string `json:"type"`
	Code           int    `json:"code"`
	Subcode        int    `json:"error_subcode,omitempty"`
	IsTransient    bool   `json:"is_transient"`
	ErrorUserTitle string `json:"error_user_title,omitempty"`
	ErrorUserMsg   string `json:"error_user_msg,omitempty"`
	FBTraceID      string `json:"fbtrace_id"`

	status int // HTTP status; not serialised
}

// Error types used in envelopes.
const (
	typeOAuth  = "OAuthException"
	typeIGAPI  = "IGApiException"
	typeMethod = "GraphMethodException"
)

func gerr(status, code, sub int, typ, msg string) *GraphError {
	return &GraphError{status: status, Code: code, Subcode: sub, Type: typ, Message: msg}
}

func (e *GraphError) user(title, msg string) *GraphError {
	e.ErrorUserTitle, e.ErrorUserMsg = title, msg
	return e
}

func (e *GraphError) transient() *GraphError {
	e.IsTransient = true
	return e
}

// Common errors. Messages follow Meta's wording where the doc or Meta's
// public answers give it.
func errParam(msg string) *GraphError {
	return gerr(400, 100, 0, typeOAuth, "(#100) "+msg)
}

func errRequired(param string) *GraphError {
	return gerr(400, 100, 0, typeOAuth, "(#100) The parameter "+param+" is required")
}

func errNoObject(method, id string) *GraphError {
	return gerr(400, 100, 33, typeMethod, fmt.Sprintf(
		"Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
		strings.ToLower(method), id))
}

func errUnknownPath(rest string) *GraphError {
	return gerr(400, 2500, 0, typeOAuth, "Unknown path components: /"+rest)
}

func errField(field, nodeType string) *GraphError {
	return gerr(400, 100, 0, typeOAuth, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (%s)", field, nodeType))
}

func errPermission() *GraphError {
	return gerr(403, 10, 0, typeOAuth, "(#10) Application does not have permission for this action")
}

func errNoToken() *GraphError {
	return gerr(400, 104, 0, typeOAuth, "An access token is required to request this resource.")
}

func errBadToken() *GraphError {
	return gerr(400, 190, 0, typeOAuth, "Invalid OAuth access token - Cannot parse access token")
}

func errUnsupportedMethod(method string) *GraphError {
	return gerr(400, 100, 0, typeIGAPI, "Unsupported request - method type: "+strings.ToLower(method))
}

// rateLimitError returns the error for one of the rate-limit codes.
func rateLimitError(code int) *GraphError {
	msgs := map[int]string{
		4:     "(#4) Application request limit reached",
		17:    "(#17) User request limit reached",
		32:    "(#32) Page request limit reached",
		613:   "(#613) Calls to this api have exceeded the rate limit.",
		80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
	}
	return gerr(400, code, 0, typeOAuth, msgs[code]).transient()
}

// call is one Graph API request being served.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	version string
	segs    []string
	params  url.Values
	tok     *token
	account string // IG account for X-Business-Use-Case-Usage
	trace   string
	start   time.Time
	parsed  *fieldSel
	bodyErr error
}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request, version string, segs []string) *call {
	c := &call{w: w, r: r, version: version, segs: segs}
	c.params, c.bodyErr = readParams(r)
	s.mu.Lock()
	c.trace = s.traceID()
	c.start = s.now()
	s.mu.Unlock()
	return c
}

// readParams merges the query string, a form body and a JSON object body
// (Graph accepts all three); JSON members that are not strings are kept as
// their JSON text, which is how Graph reads form-encoded JSON params too.
func readParams(r *http.Request) (url.Values, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = append(v[k], vs...)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return v, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return v, err
	}
	switch ct {
	case "application/json":
		if len(strings.TrimSpace(string(body))) == 0 {
			return v, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return v, err
		}
		for k, raw := range m {
			var sv string
			if json.Unmarshal(raw, &sv) == nil {
				v.Set(k, sv)
			} else {
				v.Set(k, string(raw))
			}
		}
	default: // form (or nothing)
		fv, err := url.ParseQuery(string(body))
		if err != nil {
			return v, err
		}
		for k, vs := range fv {
			v[k] = append(v[k], vs...)
		}
	}
	return v, nil
}

// traceID returns a fresh fbtrace_id. Caller holds s.mu.
func (s *Server) traceID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 23)
	b[0] = 'A'
	for i := 1; i < len(b); i++ {
		b[i] = alphabet[s.trace.IntN(len(alphabet))]
	}
	return string(b)
}

// usageHeaders sets X-App-Usage, X-Business-Use-Case-Usage and friends.
// Called just before writing every Graph response (errors included).
func (s *Server) usageHeaders(c *call, regain int, forcedPct int) {
	s.mu.Lock()
	appPct, bucPct := s.usageLocked(c.account, c.start)
	if s.knobs.UsagePct >= 0 {
		appPct, bucPct = s.knobs.UsagePct, s.knobs.UsagePct
	}
	if forcedPct >= 0 {
		appPct, bucPct = forcedPct, forcedPct
	}
	s.mu.Unlock()
	h := c.w.Header()
	app, _ := json.Marshal(map[string]int{"call_count": appPct, "total_time": appPct / 2, "total_cputime": appPct / 2})
	h.Set("X-App-Usage", string(app))
	if c.account != "" {
		buc, _ := json.Marshal(map[string][]map[string]any{c.account: {{
			"type": "instagram", "call_count": bucPct, "total_cputime": bucPct / 2,
			"total_time": bucPct / 2, "estimated_time_to_regain_access": regain,
		}}})
		h.Set("X-Business-Use-Case-Usage", string(buc))
	}
	h.Set("X-FB-Trace-ID", c.trace)
	v := c.version
	if v == "" {
		v = DefaultVersion
	}
	h.Set("Facebook-API-Version", v)
}

func (c *call) writeJSON(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	c.w.WriteHeader(status)
	b, _ := json.Marshal(v)
	_, _ = c.w.Write(b)
}

// ok writes a 200 Graph response.
func (s *Server) ok(c *call, v any) {
	s.usageHeaders(c, 0, -1)
	c.writeJSON(http.StatusOK, v)
}

// fail writes a Graph error envelope.
func (s *Server) fail(c *call, e *GraphError) {
	s.failWith(c, e, 0, -1)
}

func (s *Server) failWith(c *call, e *GraphError, regain, pct int) {
	e.FBTraceID = c.trace
	s.usageHeaders(c, regain, pct)
	st := e.status
	if st == 0 {
		st = http.StatusBadRequest
	}
	c.writeJSON(st, map[string]*GraphError{"error": e})
}

var success = map[string]bool{"success": true}

// fieldSel is a parsed Graph "fields" selection:
// fields=id,caption,children{id,media_type},mentioned_comment.comment_id(1){text}
type fieldSel struct {
	Name string
	Mods map[string]string // .limit(5) → {"limit":"5"}
	Sub  []*fieldSel       // nil when no braces
	Has  bool              // braces present (possibly empty)
}

// parseFields parses a fields expression; an empty string gives nil.
func parseFields(s string) ([]*fieldSel, error) {
	p := &fieldParser{s: s}
	out, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i:], p.i)
	}
	return out, nil
}

type fieldParser struct {
	s string
	i int
}

func (p *fieldParser) list() ([]*fieldSel, error) {
	var out []*fieldSel
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] == '}' {
			return out, nil
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return out, nil
	}
}

func (p *fieldParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *fieldParser) name() string {
	st := p.i
	for p.i < len(p.s) {
		ch := p.s[p.i]
		if ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[st:p.i]
}

func (p *fieldParser) field() (*fieldSel, error) {
	f := &fieldSel{Name: p.name()}
	if f.Name == "" {
		return nil, fmt.Errorf("expected a field name at %d", p.i)
	}
	for p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		m := p.name()
		if m == "" || p.i >= len(p.s) || p.s[p.i] != '(' {
			return nil, fmt.Errorf("bad modifier at %d", p.i)
		}
		end := strings.IndexByte(p.s[p.i:], ')')
		if end < 0 {
			return nil, fmt.Errorf("unclosed modifier at %d", p.i)
		}
		if f.Mods == nil {
			f.Mods = map[string]string{}
		}
		f.Mods[m] = p.s[p.i+1 : p.i+end]
		p.i += end + 1
	}
	if p.i < len(p.s) && p.s[p.i] == '{' {
		p.i++
		sub, err := p.list()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("unclosed { at %d", p.i)
		}
		p.i++
		f.Sub, f.Has = sub, true
	}
	return f, nil
}

// selection returns the requested fields of the call, or def when the
// caller sent none.
func (c *call) selection(def ...string) ([]*fieldSel, *GraphError) {
	raw := c.params.Get("fields")
	if raw == "" {
		return plainFields(def...), nil
	}
	sel, err := parseFields(raw)
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	return sel, nil
}

func plainFields(names ...string) []*fieldSel {
	out := make([]*fieldSel, len(names))
	for i, n := range names {
		out[i] = &fieldSel{Name: n}
	}
	return out
}

// selectFields answers a fields selection on one object into out (which
// holds what is answered whatever the selection: the id, mostly). A field
// of plain is answered with its value: plain holds the object's own
// values, cheap to read up front. Any other is answered with what more
// gives for it: nil leaves it out (as Graph leaves out what an object
// lacks), an error refuses the whole selection (a field the node type
// does not have); more holds the edges and what is computed, or minted,
// only when asked for. Every node type of the emulator answers this way.
func selectFields(out map[string]any, sel []*fieldSel, plain map[string]any, more func(f *fieldSel) (any, *GraphError)) (map[string]any, *GraphError) {
	for _, f := range sel {
		if v, ok := plain[f.Name]; ok {
			out[f.Name] = v
			continue
		}
		v, e := more(f)
		if e != nil {
			return nil, e
		}
		if v != nil {
			out[f.Name] = v
		}
	}
	return out, nil
}

// passOver is selectFields' more for a nested object whose sub-selection
// Graph does not check: what is not plain is passed over, not refused.
func passOver(*fieldSel) (any, *GraphError) { return nil, nil }

// omitEmpty is s, or nil (left out of an answer) when it is empty.
func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// subOr returns f's sub-selection or the default names.
func subOr(f *fieldSel, def ...string) []*fieldSel {
	if f.Has && len(f.Sub) > 0 {
		return f.Sub
	}
	return plainFields(def...)
}

// metaTime formats a time the way Graph does: 2026-03-01T10:00:00+0000.
func metaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}
