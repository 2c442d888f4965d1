package privacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/impress-dev/impress/api"
)

// The purge's last step looks for the purged identifiers in every byte of
// every file under the data and state directories (and in the files'
// names). A purge may cover 100,000 events, so the scan looks for a few
// hundred thousand strings at once: a rolling hash over the first
// minScanLen bytes of each pattern, a bit filter in front of a map, and a
// full comparison only on a hit, so each byte costs a few instructions
// whatever the number of patterns.

// minScanLen is the shortest identifier the scan looks for: shorter ones
// (a 3-letter username) occur by chance in media and in the store, and a
// scan that always "finds" something verifies nothing. They are counted
// in the receipt as too short.
const minScanLen = 6

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

// scanID is one identifier to look for.
type scanID struct {
	Kind  string `json:"k"`
	Value string `json:"v"`
}

const rollBase = 1099511628211 // FNV prime: any odd constant works

// matcher finds any of many byte patterns in a stream.
type matcher struct {
	pats   [][]byte
	kinds  []string
	maxLen int
	pow    uint64 // rollBase^(minScanLen-1)
	table  map[uint64][]int32
	filter []uint64 // 1<<filterBits bits
}

const filterBits = 22

// newMatcher builds a matcher for ids; each id is also looked for in its
// JSON-escaped form (how it appears inside the store's and the log's JSON).
func newMatcher(ids []scanID) *matcher {
	m := &matcher{table: map[uint64][]int32{}, filter: make([]uint64, (1<<filterBits)/64)}
	m.pow = 1
	for i := 0; i < minScanLen-1; i++ {
		m.pow *= rollBase
	}
	seen := map[string]bool{}
	add := func(p, kind string) {
		if len(p) < minScanLen || seen[p] {
			return
		}
		seen[p] = true
		idx := int32(len(m.pats))
		m.pats = append(m.pats, []byte(p))
		m.kinds = append(m.kinds, kind)
		if len(p) > m.maxLen {
			m.maxLen = len(p)
		}
		h := m.hash([]byte(p[:minScanLen]))
		m.table[h] = append(m.table[h], idx)
		m.filter[(h>>(64-filterBits))/64] |= 1 << ((h >> (64 - filterBits)) % 64)
	}
	for _, id := range ids {
		add(id.Value, id.Kind)
		if esc, err := json.Marshal(id.Value); err == nil {
			add(string(esc[1:len(esc)-1]), id.Kind)
		}
	}
	return m
}

func (m *matcher) empty() bool { return len(m.pats) == 0 }

func (m *matcher) hash(b []byte) uint64 {
	var h uint64
	for _, c := range b {
		h = h*rollBase + uint64(c)
	}
	return h
}

// each calls fn with the index and position of every pattern that occurs
// in buf (once per occurrence, in order of position) until fn returns
// false.
func (m *matcher) each(buf []byte, fn func(pat, pos int) bool) {
	if len(m.pats) == 0 || len(buf) < minScanLen {
		return
	}
	h := m.hash(buf[:minScanLen])
	for i := 0; ; i++ {
		top := h >> (64 - filterBits)
		if m.filter[top/64]&(1<<(top%64)) != 0 {
			for _, p := range m.table[h] {
				if bytes.HasPrefix(buf[i:], m.pats[p]) && !fn(int(p), i) {
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
	m.each(s, func(int, int) bool { found = true; return false })
	return found
}

// mask replaces every occurrence of a pattern in s by "…": what a receipt
// may quote of a path or an error message.
func (m *matcher) mask(s string) string {
	if m == nil || m.empty() {
		return s
	}
	type span struct{ from, to int }
	var spans []span
	m.each([]byte(s), func(p, pos int) bool {
		spans = append(spans, span{pos, pos + len(m.pats[p])})
		return true
	})
	if len(spans) == 0 {
		return s
	}
	var out strings.Builder
	pos := 0
	for _, sp := range spans {
		if sp.from < pos {
			if sp.to > pos {
				pos = sp.to
			}
			continue
		}
		out.WriteString(s[pos:sp.from])
		out.WriteString("…")
		pos = sp.to
	}
	out.WriteString(s[pos:])
	return out.String()
}

// scanReader looks for the patterns in r; found gets each pattern index
// the first time it is seen.
func (m *matcher) scanReader(r io.Reader, found func(pat int)) (int64, error) {
	seen := map[int]bool{}
	carry := m.maxLen - 1
	if carry < 0 {
		carry = 0
	}
	buf := make([]byte, 0, scanChunk+carry)
	chunk := make([]byte, scanChunk)
	var total int64
	for {
		n, err := io.ReadFull(r, chunk)
		total += int64(n)
		buf = append(buf, chunk[:n]...)
		m.each(buf, func(p, _ int) bool {
			if !seen[p] {
				seen[p] = true
				found(p)
			}
			return true
		})
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		// Keep the tail: a pattern may straddle two chunks.
		if len(buf) > carry {
			copy(buf, buf[len(buf)-carry:])
			buf = buf[:carry]
		}
	}
}

// scanDirs scans every regular file under roots (label → directory) for
// the patterns, contents and names. Findings name the file relative to its
// root, masked, and the kind of identifier; never the identifier.
func (m *matcher) scanDirs(roots [][2]string) (*api.ScanResult, error) {
	res := &api.ScanResult{}
	seen := map[string]bool{}
	type hit struct{ file, kind string }
	hits := map[hit]bool{}
	for _, root := range roots {
		label, dir := root[0], root[1]
		err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if de.IsDir() || !de.Type().IsRegular() {
				return nil
			}
			abs, _ := filepath.Abs(path)
			if seen[abs] {
				return nil
			}
			seen[abs] = true
			rel, _ := filepath.Rel(dir, path)
			name := label + "/" + filepath.ToSlash(rel)
			m.each([]byte(rel), func(p, _ int) bool {
				hits[hit{m.mask(name), m.kinds[p]}] = true
				return true
			})
			f, err := os.Open(path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed meanwhile (a temp file)
				}
				return err
			}
			n, err := m.scanReader(f, func(p int) { hits[hit{m.mask(name), m.kinds[p]}] = true })
			f.Close()
			if err != nil {
				return err
			}
			res.Files++
			res.Bytes += n
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	for h := range hits {
		res.Findings = append(res.Findings, api.ScanFinding{File: h.file, Kind: h.kind})
	}
	sort.Slice(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		return a.File < b.File || a.File == b.File && a.Kind < b.Kind
	})
	return res, nil
}

// lineFilter decides which log lines a purge removes: those holding one of
// the identifiers, and those whose attributes name a purged connection or
// project ("connection": "main"), since the name ties the line to the
// data. all removes every line (purge --all).
type lineFilter struct {
	m     *matcher
	names map[string]bool // connection and project names
	all   bool
}

var nameAttrs = []string{"connection", "conn", "project"}

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

// filterTextFile rewrites a text file without the lines f drops, through a
// temporary file renamed over it (a crash leaves either version, and the
// temporary one is removed by the next purge). It returns how many lines
// went; a file that loses none is left untouched.
func filterTextFile(path string, f *lineFilter) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	var keep strings.Builder
	removed := 0
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			continue
		}
		if f.drop(l) {
			removed++
			continue
		}
		keep.WriteString(l)
	}
	if removed == 0 {
		return 0, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(keep.String()), 0o600); err != nil {
		return 0, err
	}
	if fh, err := os.Open(tmp); err == nil {
		fh.Sync()
		fh.Close()
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	syncDirOf(path)
	return removed, nil
}

func syncDirOf(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
}
