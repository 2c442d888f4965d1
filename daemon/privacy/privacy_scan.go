package privacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
)

// The purge's last step looks for the purged identifiers in every file
// impress wrote: under the data and state directories, and the config
// file. What a file can hold decides how it is read (scanner): a purge
// may cover 100,000 events, so identifiers matched as bytes are found by
// a rolling hash over the first minScanLen bytes of each pattern, a bit
// filter in front of a map, and a full comparison only on a hit (a few
// instructions per byte whatever the number of patterns); short ones and
// plain words are matched as whole words where people's data can be
// (privacy_words.go).

// minScanLen is the shortest identifier matched as bytes; shorter ones
// are matched as whole words (privacy_words.go).
const minScanLen = 6

// minWordLen is the shortest identifier looked for at all: a one-letter
// name is in every text, and says nothing about anyone. Free text shorter
// than minScanLen ("ok", "wow" as a comment) is not looked for either:
// anyone writes it. Both are counted in the receipt as too short.
const minWordLen = 2

// scanChunk is how much of a file is read at a time.
const scanChunk = 1 << 20

// Identifier kinds: what a receipt may say about a finding.
const (
	idToken    = "token"
	idUsername = "username"
	idName     = "name"
	idAccount  = "account_id"
	idText     = "text" // comment, message or event text
	idCaption  = "caption"
	idFile     = "file_name"
	idProfile  = "profile"
	idSpec     = "spec_text"
)

// freeText kinds are people's words; textual kinds are what can end up in
// a media file's metadata (titles, comments, names): never a token or an
// account id, which impress writes into no media.
var (
	freeText = map[string]bool{idText: true, idCaption: true, idSpec: true}
	textual  = map[string]bool{idText: true, idCaption: true, idSpec: true, idUsername: true, idName: true, idFile: true, idProfile: true}
)

// scanID is one identifier to look for.
type scanID struct {
	Kind  string `json:"k"`
	Value string `json:"v"`
}

// Classes of files, by what they can hold and how they are read.
const (
	classRecords = "records" // the store: a binary file of JSON records
	classLog     = "log"     // the daemon's JSON-lines logs and auto-start output
	classConfig  = "config"  // the YAML config file
	classMedia   = "media"   // the media store and the render cache: video and image bytes
	classText    = "file"    // anything else impress wrote (key files, temporaries)
)

// scanner is what a purge looks for, ready for each class of file:
//
//   - bytes: identifiers of minScanLen bytes or more that are not plain
//     words, matched anywhere in every file but media payloads, in clear
//     and JSON-escaped (numbers only where no digit touches them: an id
//     inside a longer number is another id);
//   - media: the textual ones of those that are no number, matched in
//     media payloads, where only metadata can hold a person's words; a
//     6-digit id, a short name or a token occurs in compressed video by
//     chance;
//   - words: short identifiers and plain words, matched as whole words in
//     the places privacy_words.go lists.
type scanner struct {
	kinds []string
	bytes *matcher
	media *matcher
	words words
}

func newScanner(ids []scanID) *scanner {
	sc := &scanner{bytes: newMatcher(), media: newMatcher()}
	seen := map[string]bool{}
	for _, id := range ids {
		v := id.Value
		if seen[v] || len(v) < minWordLen || len(v) < minScanLen && freeText[id.Kind] {
			continue
		}
		seen[v] = true
		idx := int32(len(sc.kinds))
		sc.kinds = append(sc.kinds, id.Kind)
		numeric := allDigits(v)
		if len(v) < minScanLen || plainWord(v) {
			sc.words.add(v, idx)
			continue
		}
		sc.bytes.add(v, idx, numeric)
		if esc, err := json.Marshal(v); err == nil && string(esc[1:len(esc)-1]) != v {
			sc.bytes.add(string(esc[1:len(esc)-1]), idx, numeric)
		}
		if textual[id.Kind] && !numeric {
			sc.media.add(v, idx, false)
		}
	}
	return sc
}

func (sc *scanner) empty() bool { return sc.bytes.empty() && sc.words.empty() }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// contains reports whether text (a log line, a message) holds one of the
// identifiers: as bytes, or as a whole word where a log line can hold
// people's data.
func (sc *scanner) contains(text []byte) bool {
	if sc.bytes.contains(text) {
		return true
	}
	_, _, found := sc.words.inLogLine(text)
	return found
}

// mask replaces every identifier in s (as bytes, or as a whole word) by
// "…": what a receipt may quote of a path or an error message.
func (sc *scanner) mask(s string) string {
	if sc == nil || sc.empty() {
		return s
	}
	type span struct{ from, to int }
	var spans []span
	sc.bytes.each([]byte(s), true, func(_ int32, pos, end int) bool {
		spans = append(spans, span{pos, end})
		return true
	})
	sc.words.each([]byte(s), false, false, func(_ int32, pos, end int) bool {
		spans = append(spans, span{pos, end})
		return true
	})
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var out strings.Builder
	pos := 0
	for _, sp := range spans {
		if sp.from < pos {
			pos = max(pos, sp.to)
			continue
		}
		out.WriteString(s[pos:sp.from])
		out.WriteString("…")
		pos = sp.to
	}
	out.WriteString(s[pos:])
	return out.String()
}

const rollBase = 1099511628211 // FNV prime: any odd constant works

// matcher finds any of many byte patterns of minScanLen bytes or more.
type matcher struct {
	pats   [][]byte
	ids    []int32 // the scanner's index of each pattern
	digits []bool  // matched only where no digit touches it
	maxLen int
	pow    uint64 // rollBase^(minScanLen-1)
	table  map[uint64][]int32
	filter []uint64 // 1<<filterBits bits
}

const filterBits = 22

func newMatcher() *matcher {
	m := &matcher{table: map[uint64][]int32{}, filter: make([]uint64, (1<<filterBits)/64), pow: 1}
	for i := 0; i < minScanLen-1; i++ {
		m.pow *= rollBase
	}
	return m
}

// add looks for p, reporting it as the scanner's id.
func (m *matcher) add(p string, id int32, digits bool) {
	idx := int32(len(m.pats))
	m.pats = append(m.pats, []byte(p))
	m.ids = append(m.ids, id)
	m.digits = append(m.digits, digits)
	m.maxLen = max(m.maxLen, len(p))
	h := m.hash([]byte(p[:minScanLen]))
	m.table[h] = append(m.table[h], idx)
	m.filter[(h>>(64-filterBits))/64] |= 1 << ((h >> (64 - filterBits)) % 64)
}

func (m *matcher) empty() bool { return len(m.pats) == 0 }

func (m *matcher) hash(b []byte) uint64 {
	var h uint64
	for _, c := range b {
		h = h*rollBase + uint64(c)
	}
	return h
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// each calls fn with the scanner's id, position and end of every pattern
// that occurs in buf (in order of position) until fn returns false. atEnd
// says buf ends where its text ends: a number touching the end is then
// whole; otherwise it is left for the next chunk, which starts before it.
// A number at position 0 of a later chunk was decided in the one before.
func (m *matcher) each(buf []byte, atEnd bool, fn func(id int32, pos, end int) bool) {
	if len(m.pats) == 0 || len(buf) < minScanLen {
		return
	}
	h := m.hash(buf[:minScanLen])
	for i := 0; ; i++ {
		top := h >> (64 - filterBits)
		if m.filter[top/64]&(1<<(top%64)) != 0 {
			for _, p := range m.table[h] {
				end := i + len(m.pats[p])
				if !bytes.HasPrefix(buf[i:], m.pats[p]) {
					continue
				}
				if m.digits[p] && (i > 0 && isDigit(buf[i-1]) || end < len(buf) && isDigit(buf[end]) || end == len(buf) && !atEnd) {
					continue
				}
				if !fn(m.ids[p], i, end) {
					return
				}
			}
		}
		if i+minScanLen >= len(buf) {
			return
		}
		h = (h-uint64(buf[i])*m.pow)*rollBase + uint64(buf[i+minScanLen])
	}
}

// contains reports whether any pattern occurs in s.
func (m *matcher) contains(s []byte) bool {
	found := false
	m.each(s, true, func(int32, int, int) bool { found = true; return false })
	return found
}

// scanReader looks for the patterns in r; found gets each id the first
// time it is seen, with the byte offset and the line (1-based) where.
// words, when not nil, are matched as whole words too (plain text files).
func (m *matcher) scanReader(r io.Reader, w *words, found func(id int32, offset int64, line int)) (int64, error) {
	seen := map[int32]bool{}
	carry := max(m.maxLen, minScanLen) + 1
	if w != nil && len(w.lens) > 0 {
		carry = max(carry, w.lens[0]+1)
	}
	buf := make([]byte, 0, scanChunk+carry)
	chunk := make([]byte, scanChunk)
	var total, base int64 // bytes read; offset of buf[0]
	lines := 1            // line of buf[0]
	for first := true; ; first = false {
		n, err := io.ReadFull(r, chunk)
		total += int64(n)
		buf = append(buf, chunk[:n]...)
		atEnd := err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
		report := func(id int32, pos int) {
			if !seen[id] {
				seen[id] = true
				found(id, base+int64(pos), lines+bytes.Count(buf[:pos], []byte{'\n'}))
			}
		}
		m.each(buf, atEnd, func(id int32, pos, _ int) bool {
			if first || pos > 0 {
				report(id, pos)
			}
			return true
		})
		if w != nil {
			w.each(buf, !first, !atEnd, func(id int32, pos, _ int) bool { report(id, pos); return true })
		}
		if atEnd {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		// Keep the tail: a pattern may straddle two chunks.
		if len(buf) > carry {
			drop := len(buf) - carry
			lines += bytes.Count(buf[:drop], []byte{'\n'})
			base += int64(drop)
			copy(buf, buf[drop:])
			buf = buf[:carry]
		}
	}
}

// lineFilter decides which log lines a purge removes: those holding one of
// the identifiers, and those whose attributes name a purged connection or
// project ("connection": "main"), since the name ties the line to the
// data. all removes every line (purge --all).
type lineFilter struct {
	m     *scanner
	names map[string]bool // connection and project names
	all   bool
}

var nameAttrs = []string{"connection", "conn", "project"}

// keep is what the purge keeps of the log: the lines it does not drop.
func (f *lineFilter) keep(line string) bool { return !f.drop(line) }

// drop reports whether a log line goes.
func (f *lineFilter) drop(line string) bool {
	if f.all {
		return true
	}
	if f.m != nil && f.m.contains([]byte(line)) {
		return true
	}
	if len(f.names) == 0 {
		return false
	}
	maybe := false
	for n := range f.names {
		if strings.Contains(line, `"`+n+`"`) {
			maybe = true
			break
		}
	}
	if !maybe {
		return false
	}
	var attrs map[string]any
	if json.Unmarshal([]byte(line), &attrs) != nil {
		return true // not JSON, and it quotes the name: not worth keeping
	}
	for _, k := range nameAttrs {
		if v, ok := attrs[k].(string); ok && f.names[v] {
			return true
		}
	}
	return false
}
