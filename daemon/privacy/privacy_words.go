package privacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Whole-word identifiers. Short identifiers (under minScanLen bytes: a
// three-letter username, a short name) and plain lower-case words (the
// shape of impress's own JSON keys and states: a username "connection"
// or "events") cannot be looked for as bytes: they occur by chance in
// binary data and as impress's own vocabulary in every record and log
// line, and a scan that always finds something verifies nothing. They are
// looked for as whole words (no letter, digit, '_' or base64 character on
// either side, so nothing inside a sealed value's base64 counts), and in
// structured files only where a person's data can be:
//
//   - the store: as records (bucket keys, and the string values of the
//     JSON records), never in field names or in the values of impressKey;
//   - logs: in the attribute values of each JSON line, except impressKey
//     (time, level, msg, states…); anywhere in a line that is not JSON;
//   - the config file: in its values, not its keys;
//   - other text files impress wrote: anywhere;
//   - media payloads: never (see scanner).

// impressKey reports a JSON key whose values are impress's own words
// (levels, messages, states, kinds, enums), never a person's. A switch, not
// a map: a package-level map is built at init, by every command.
func impressKey(k string) bool {
	switch k {
	case "time", "level", "msg", "step", "state", "status", "scope",
		"kind", "type", "stage", "outcome", "flavour", "flavor", "preset",
		"hosting", "object", "field", "action", "method", "media_type",
		"media_product_type", "account_type", "scopes", "algorithm", "version",
		"backend", "code":
		return true
	}
	return false
}

// plainWord reports the shape of impress's own keys and states: one or
// more of a-z and '_'.
func plainWord(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return v != ""
}

// isWordByte: ASCII letters and digits, '_', the base64 characters '+',
// '/' and '=', and every byte of a multi-byte UTF-8 character ("Jo" is
// not a word of "José").
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '+' || c == '/' || c == '=' || c >= 0x80
}

// words finds whole-word identifiers.
type words struct {
	ids  map[string]int32 // value → pattern index (the scanner's)
	lens []int            // the values' lengths, longest first
}

func (w *words) add(v string, idx int32) {
	if _, ok := w.ids[v]; ok {
		return
	}
	if w.ids == nil {
		w.ids = map[string]int32{}
	}
	w.ids[v] = idx
	if !slices.Contains(w.lens, len(v)) {
		w.lens = append(w.lens, len(v))
		slices.SortFunc(w.lens, func(a, b int) int { return b - a })
	}
}

func (w *words) empty() bool { return len(w.ids) == 0 }

// each calls fn for every whole-word occurrence in b (position and end)
// until it returns false. openStart and openEnd say that b is cut out of
// a longer text: a word touching that edge is not decided here (the
// caller sees it again with its neighbour).
func (w *words) each(b []byte, openStart, openEnd bool, fn func(idx int32, pos, end int) bool) {
	if w.empty() {
		return
	}
	for i := range b {
		if i > 0 && isWordByte(b[i-1]) || i == 0 && openStart {
			continue
		}
		for _, l := range w.lens {
			end := i + l
			if end > len(b) || end < len(b) && isWordByte(b[end]) || end == len(b) && openEnd {
				continue
			}
			if idx, ok := w.ids[string(b[i:end])]; ok && !fn(idx, i, end) {
				return
			}
		}
	}
}

// first is the first whole-word identifier in b.
func (w *words) first(b []byte) (int32, bool) {
	found, at := false, int32(0)
	w.each(b, false, false, func(idx int32, _, _ int) bool { found, at = true, idx; return false })
	return at, found
}

// maybeIn is the cheap test before decoding JSON: false only when b
// holds no identifier as a whole word, even once JSON escapes are
// decoded (an escape like \n joins "\nbo" in the bytes, not in the
// text, so text with a backslash is always worth decoding).
func (w *words) maybeIn(b []byte) bool {
	if bytes.IndexByte(b, '\\') >= 0 {
		return true
	}
	_, hit := w.first(b)
	return hit
}

// inJSON finds a whole-word identifier in the string values of a JSON
// text (not its keys, not the values of impressKey) and says under which
// key. ok is false for text that is not JSON.
func (w *words) inJSON(raw []byte) (idx int32, key string, found, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		object bool
		key    string
		want   bool // object: the next string is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return 0, "", false, len(stack) == 0
		}
		if err != nil {
			return 0, "", false, false
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				k := ""
				if top != nil {
					k = top.key
					if top.object {
						top.want = true
					}
				}
				stack = append(stack, frame{object: t == '{', key: k, want: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.want {
				top.key, top.want = t, false
				continue
			}
			k := ""
			if top != nil {
				k = top.key
			}
			if !impressKey(k) {
				if idx, hit := w.first([]byte(t)); hit {
					return idx, k, true, true
				}
			}
		}
		if top != nil && top.object {
			top.want = true
		}
	}
}

// inLogLine finds a whole-word identifier in a log line: in a JSON
// line's values (inJSON), or anywhere in a line that is not JSON.
func (w *words) inLogLine(line []byte) (idx int32, key string, found bool) {
	if !w.maybeIn(line) {
		return 0, "", false // the cheap test first: most lines hold no word at all
	}
	if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 && trimmed[0] == '{' {
		if idx, key, found, ok := w.inJSON(trimmed); ok {
			return idx, key, found
		}
	}
	idx, found = w.first(line)
	return idx, "", found
}

// inYAML finds a whole-word identifier in the values of a YAML document
// (the config file), naming the key path; text that is not YAML is read
// as plain text.
func (w *words) inYAML(data []byte) (idx int32, key string, found bool) {
	var doc any
	if yaml.Unmarshal(data, &doc) != nil {
		idx, found = w.first(data)
		return idx, "", found
	}
	var walk func(path string, v any) bool
	walk = func(path string, v any) bool {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if walk(p, e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(path, e) {
					return true
				}
			}
		case string:
			idx, found = w.first([]byte(x))
			key = path
			return found
		}
		return false
	}
	walk("", doc)
	return idx, key, found
}

// bucketPath names a store record's place for a finding: the bucket
// names, not the record's own key (which may be an id).
func bucketPath(path [][]byte) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = string(p)
	}
	return strings.Join(parts, "/") + "/"
}
