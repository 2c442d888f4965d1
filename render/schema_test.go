package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"gopkg.in/yaml.v3"
)

// The spec schema is written twice: here (with the parser) and in
// api/spec.go, which the TUI edits and saves back through `project apply`.
// These tests fail when a key is added to one and not the other, or when
// the example that sets every key misses one.

// everyKey sets every key of the schema at least once (with values other
// than the zero value): TestEveryKeyIsSet checks that, so a new key must
// be added here, and then the round trip checks api knows it.
const everyKey = `version: 1
name: every-key
preset: story
fps: 25
defaults:
  fit: blur
  duration: 1.5
  transition: {type: fade, duration: 0.3}
  text: {position: bottom, size: 60, color: white, box: false, font: "DejaVu Sans", align: left, line_spacing: 1.5, max_lines: 3, fit: shrink}
clips:
  - video: a.mp4
    in: 0.5
    out: 2
    fit: stretch
    speed: 1.5
    volume: 0.5
    transition: {type: circleopen, duration: 0.25}
  - image: b.jpg
    duration: 2
    zoom: out
  - color: "#102030"
    duration: 1
  - gradient: [red, "#0000FF"]
texts:
  - text: "every key"
    clip: 2
    font: fonts/Brand.ttf
    align: right
    line_spacing: 1.1
    max_lines: 2
    fit: wrap
    start: 0.5
    end: 1.5
    position: {x: 0.5, y: 0.4}
    size: 72
    color: yellow
    box: true
overlays:
  - image: logo.png
    position: top-right
    size: 0.2
    opacity: 0.8
    start: 1
    end: 2
  - video: pip.mp4
    position: {x: 0.7, y: 0.3}
captions:
  file: c.srt
  style: {size: 48, position: top}
  words: true
audio:
  - file: m.mp3
    in: 2
    out: 10
    volume: 0.3
    start: 0.5
    fade_in: 1
    fade_out: 1
    duck: true
loudness: -16
cover:
  at: 1
  image: cover.jpg
publish:
  type: story
  caption: "hi"
  share_to_feed: true
  first_comment: "first"
  collaborators: [friend]
  location_id: "123"
  audio_name: "song"
  thumb_offset: 500
`

// parseLoose parses a spec and skips the cross-key checks that everyKey
// breaks on purpose (a cover with both at and image).
func parseLoose(t *testing.T, data []byte) *Spec {
	t.Helper()
	p := &specParser{spec: &Spec{file: "every.yaml", pos: map[string]int{}}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if err := p.document(doc.Content[0]); err != nil {
		t.Fatal(err)
	}
	return p.spec
}

// TestEveryKeyIsSet walks render.Spec by reflection and fails on a key
// that everyKey leaves at its zero value (in every element of a list).
func TestEveryKeyIsSet(t *testing.T) {
	s := parseLoose(t, []byte(everyKey))
	set := map[string]bool{}
	walkSet(reflect.ValueOf(*s), "", set)
	var all []string
	shape(reflect.TypeFor[Spec](), "", &all)
	var unset []string
	for _, line := range all {
		if k, _, _ := strings.Cut(line, ":"); !set[k] {
			unset = append(unset, k)
		}
	}
	if len(unset) > 0 {
		t.Errorf("everyKey does not set %s: add the new keys to it", strings.Join(unset, ", "))
	}
}

// walkSet records the JSON key paths that hold a non-zero value; the
// elements of a list share their paths.
func walkSet(v reflect.Value, path string, set map[string]bool) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		for i := range v.Len() {
			walkSet(v.Index(i), path, set)
		}
		return
	}
	t := v.Type()
	if v.Kind() != reflect.Struct || isLeaf(t) {
		return
	}
	for i := range t.NumField() {
		if embedded(t.Field(i)) {
			walkSet(v.Field(i), path, set)
			continue
		}
		name := jsonName(t.Field(i))
		if name == "" || v.Field(i).IsZero() {
			continue
		}
		kp := join(path, name)
		set[kp] = true
		walkSet(v.Field(i), kp, set)
	}
}

// embedded: an anonymous struct field without a JSON name, whose keys
// encoding/json (and yaml's inline) put beside its parent's.
func embedded(f reflect.StructField) bool {
	return f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// isLeaf: types with their own JSON form (a position is a word or {x, y})
// are compared by name and kind only.
func isLeaf(t reflect.Type) bool {
	return t.Implements(reflect.TypeFor[json.Marshaler]())
}

// shape describes a type's JSON schema as "key: kind" lines, nested keys
// indented by their path, so two schemas can be diffed line by line.
func shape(t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || isLeaf(t) {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if embedded(f) {
			shape(f.Type, path, out)
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		kp := join(path, name)
		*out = append(*out, fmt.Sprintf("%s: %s (json %q)", kp, kindOf(f.Type), f.Tag.Get("json")))
		shape(f.Type, kp, out)
	}
}

func kindOf(t reflect.Type) string {
	prefix := ""
	for {
		switch t.Kind() {
		case reflect.Pointer:
			prefix += "*"
			t = t.Elem()
			continue
		case reflect.Slice:
			prefix += "[]"
			t = t.Elem()
			continue
		}
		break
	}
	if isLeaf(t) {
		return prefix + "custom"
	}
	return prefix + t.Kind().String()
}

// TestSpecSchemasAgree compares render.Spec and api.Spec key by key: the
// same JSON names, tags and kinds at every level.
func TestSpecSchemasAgree(t *testing.T) {
	var r, a []string
	shape(reflect.TypeFor[Spec](), "", &r)
	shape(reflect.TypeFor[api.Spec](), "", &a)
	sort.Strings(r)
	sort.Strings(a)
	if len(r) < 40 {
		t.Fatalf("render.Spec shape has %d keys; the walk is broken", len(r))
	}
	for _, k := range r {
		if !slices.Contains(a, k) {
			t.Errorf("api.Spec lacks %s (add it to api/spec.go)", k)
		}
	}
	for _, k := range a {
		if !slices.Contains(r, k) {
			t.Errorf("render.Spec lacks %s (add it to render/spec.go and the parser)", k)
		}
	}
}

// TestSpecRoundTripThroughAPI takes everyKey the way the editor does:
// export (MarshalSpec YAML) → api.Spec refusing unknown keys → JSON →
// the parser. Nothing may be lost or changed.
func TestSpecRoundTripThroughAPI(t *testing.T) {
	s1 := parseLoose(t, []byte(everyKey))
	out, err := MarshalSpec(s1)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var as api.Spec
	if err := dec.Decode(&as); err != nil {
		t.Fatalf("api.Spec cannot hold the exported spec: %v\n%s", err, out)
	}
	back, err := json.Marshal(&as)
	if err != nil {
		t.Fatal(err)
	}
	s2 := parseLoose(t, back)
	if !reflect.DeepEqual(stripPos(s1), stripPos(s2)) {
		t.Errorf("through api.Spec the spec changed\nbefore: %+v\nafter:  %+v\njson: %s", stripPos(s1), stripPos(s2), back)
	}
}
