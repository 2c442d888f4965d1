package privacy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestJSONStrings: the one-pass scanner finds the same key/value pairs a
// full decode would, at any depth, with escapes, and arrays under their
// key.
func TestJSONStrings(t *testing.T) {
	v := map[string]any{
		"text":          "a \"quoted\" é\n line ✓ \\ end",
		"from":          map[string]any{"id": "17", "username": "fan_one"},
		"raw":           map[string]any{"entry": []any{map[string]any{"text": "nested", "n": 3, "ok": true, "x": nil}}},
		"collaborators": []any{"alice_co", "bob_co"},
		"deep":          []any{[]any{"in array"}},
		"emoji":         "😀 \u2028",
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	keys := map[string]string{}
	for _, k := range []string{"text", "id", "username", "collaborators", "deep", "emoji"} {
		keys[k] = k
	}
	jsonStrings(raw, keys, func(k, s string) { got[k] = append(got[k], s) })
	want := map[string][]string{
		"text": {"a \"quoted\" é\n line ✓ \\ end", "nested"}, "id": {"17"}, "username": {"fan_one"},
		"collaborators": {"alice_co", "bob_co"}, "deep": {"in array"}, "emoji": {"😀 \u2028"},
	}
	// Map order is random: compare as sets per key.
	for k := range want {
		if len(got[k]) != len(want[k]) {
			t.Errorf("%s: got %q, want %q", k, got[k], want[k])
			continue
		}
		seen := map[string]bool{}
		for _, s := range got[k] {
			seen[s] = true
		}
		for _, s := range want[k] {
			if !seen[s] {
				t.Errorf("%s: missing %q in %q", k, s, got[k])
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("keys: got %v", reflect.ValueOf(got).MapKeys())
	}
	// Broken input stops quietly.
	for _, bad := range []string{`{"text":"unterminated`, `}}}`, `{"a":"\x"}`, ``} {
		jsonStrings([]byte(bad), keys, func(string, string) {})
	}
}
