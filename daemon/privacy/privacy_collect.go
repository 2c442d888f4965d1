package privacy

import (
	"encoding/json"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/store"
)

// Reading identifiers out of a connection's sealed values. A purge of
// 100,000 events decrypts and reads every one of them, so this is the
// part of a purge that costs: values are decoded on every core, and the
// JSON inside is not decoded into structs but scanned once for the
// string values of the keys that hold personal data, wherever they sit
// (a comment's text, Meta's raw payload kept in an event, a DM's sender).

// idCollector sorts identifiers into those of the scope and those of data
// that stays.
type idCollector struct {
	purge map[string]string // value → kind
	keep  map[string]bool
}

func newIDCollector() *idCollector {
	return &idCollector{purge: map[string]string{}, keep: map[string]bool{}}
}

func (c *idCollector) add(owned bool, kind string, values ...string) {
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if owned {
			if _, ok := c.purge[v]; !ok {
				c.purge[v] = kind
			}
		} else {
			c.keep[v] = true
		}
	}
}

// merge adds what o collected.
func (c *idCollector) merge(o *idCollector) {
	for v, k := range o.purge {
		if _, ok := c.purge[v]; !ok {
			c.purge[v] = k
		}
	}
	for v := range o.keep {
		c.keep[v] = true
	}
}

// result returns the identifiers to scan for, sorted (stable receipts and
// tests).
func (c *idCollector) result() (ids []scanID, shared, tooShort int) {
	for v, k := range c.purge {
		switch {
		case c.keep[v]:
			shared++
		case len(v) < minWordLen, len(v) < minScanLen && freeText[k]:
			tooShort++
		default:
			ids = append(ids, scanID{Kind: k, Value: v})
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Value < ids[j].Value })
	return ids, shared, tooShort
}

// idKeys are the JSON keys, in any record the community feature seals
// (records.Comment, records.Thread, records.Message, records.Event and the raw
// Meta payload inside it), whose string values identify a person or are
// their words.
var idKeys = map[string]string{
	"text": idText, "message": idText, "last_message": idText, "caption": idCaption,
	"username": idUsername, "from_username": idUsername, "participant": idUsername, "from": idUsername,
	"name":    idName,
	"from_id": idAccount, "to_id": idAccount, "participant_id": idAccount, "sender_id": idAccount, "recipient_id": idAccount,
}

// extractIDs adds the identifiers of one decrypted value.
func extractIDs(add func(kind string, vs ...string), raw []byte) {
	jsonStrings(raw, idKeys, func(kind, val string) { add(kind, val) })
}

// jsonStrings calls fn(keys[key], value) for every string value in a JSON
// text whose key is in keys, at any depth; a string in an array counts
// under the array's key. Only those values are copied into strings (a
// purge scans 100,000 values; allocating every key and value doubled its
// cost). It relies on raw being valid JSON (written by json.Marshal, its
// seal authenticated) and stops quietly at anything it does not expect.
func jsonStrings(raw []byte, keys map[string]string, fn func(kind, val string)) {
	type frame struct {
		array bool
		key   []byte
	}
	stack := make([]frame, 0, 8)
	var key []byte // the key of the value that comes next, inside an object
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '{':
			stack = append(stack, frame{key: key})
			key = nil
		case '[':
			stack = append(stack, frame{array: true, key: key})
		case '}', ']':
			if len(stack) == 0 {
				return
			}
			stack = stack[:len(stack)-1]
			key = nil
		case '"':
			start, end, escaped := i, i+1, false
			for end < len(raw) && raw[end] != '"' {
				if raw[end] == '\\' {
					escaped = true
					end++
				}
				end++
			}
			if end >= len(raw) {
				return
			}
			i = end
			j := end + 1
			for j < len(raw) && (raw[j] == ' ' || raw[j] == '\n' || raw[j] == '\t' || raw[j] == '\r') {
				j++
			}
			if j < len(raw) && raw[j] == ':' {
				key = raw[start+1 : end] // the keys looked for have no escapes
				i = j
				continue
			}
			owner := key
			if len(stack) > 0 && stack[len(stack)-1].array {
				owner = stack[len(stack)-1].key
			}
			kind, ok := keys[string(owner)]
			if !ok {
				continue
			}
			var v string
			if escaped {
				if json.Unmarshal(raw[start:end+1], &v) != nil {
					return
				}
			} else {
				v = string(raw[start+1 : end])
			}
			fn(kind, v)
		}
	}
}

// openAll reads one kind of a connection's sealed values and hands each
// plaintext to extract, decoding and decrypting with a worker per CPU.
// Each worker fills its own collector; they are merged into c at the end.
// It returns how many values there were and how many could not be opened.
func (s *Service) openAll(conn, kind, field string, dk *secrets.DataKey, c *idCollector,
	addTo func(*idCollector) func(string, ...string), extract func(add func(string, ...string), raw []byte)) (n, unreadable int, err error) {
	workers := runtime.GOMAXPROCS(0)
	ch := make(chan []byte, 1024)
	cols := make([]*idCollector, workers)
	bad := make([]int, workers)
	var wg sync.WaitGroup
	for i := range workers {
		cols[i] = newIDCollector()
		add := addTo(cols[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for value := range ch {
				blob, err := store.DecodeBlob(value)
				if dk == nil || err != nil {
					bad[i]++
					continue
				}
				raw, err := dk.Open(field, blob.Data)
				if err != nil {
					bad[i]++
					continue
				}
				extract(add, raw)
			}
		}()
	}
	err = s.DB.EachConnValue(conn, kind, func(value []byte) error {
		n++
		ch <- value
		return nil
	})
	close(ch)
	wg.Wait()
	for i := range cols {
		c.merge(cols[i])
		unreadable += bad[i]
	}
	return n, unreadable, err
}
