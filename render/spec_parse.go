package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ParseSpec reads a project spec in YAML or JSON (JSON is YAML, so one parser
// reads both and reports lines for both). Unknown keys, unknown values,
// wrong types, negative or inverted trims, speeds outside 0.25..4, numbers
// and lists past the limits (limits.go) and the like are refused with a
// *SpecError naming the key and its line — or, when there are several
// problems, SpecErrors listing every one. Media paths are left as
// written; call [Spec.Resolve] next.
func ParseSpec(data []byte, filename string) (*Spec, error) {
	if len(data) > MaxSpecBytes {
		return nil, newSpecError(filename, 0, "", "%d bytes is more than a spec may be (%d KiB)", len(data), MaxSpecBytes>>10)
	}
	if !utf8.Valid(data) {
		return nil, newSpecError(filename, 0, "", "not UTF-8 text")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, newSpecError(filename, 0, "", "empty spec")
		}
		return nil, yamlSyntaxError(filename, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, yamlSyntaxError(filename, err)
		}
		return nil, newSpecError(filename, line, "", "more than one YAML document; a spec is one document")
	}
	if len(doc.Content) != 1 {
		return nil, newSpecError(filename, doc.Line, "", "empty spec")
	}
	p := &specParser{spec: &Spec{file: filename, pos: map[string]int{}}}
	p.report(p.document(doc.Content[0]))
	// The rules across keys run on what was read, but a problem there
	// that touches a key already refused would only repeat it.
	for _, ce := range p.spec.checkAll() {
		if !slices.ContainsFunc(p.errs, func(pe *SpecError) bool { return relatedKeys(pe.Key, ce.Key) }) {
			p.errs = append(p.errs, ce)
		}
	}
	if err := specErr(p.errs); err != nil {
		return nil, err
	}
	return p.spec, nil
}

// relatedKeys reports whether one key path is the other or inside it.
func relatedKeys(a, b string) bool {
	inside := func(x, y string) bool {
		return x == y || strings.HasPrefix(y, x+".") || strings.HasPrefix(y, x+"[")
	}
	return a == "" || b == "" || inside(a, b) || inside(b, a)
}

var yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+): `) })

// yamlSyntaxError turns a yaml.v3 error ("yaml: line 3: mapping values are
// not allowed in this context") into a *SpecError with that line.
func yamlSyntaxError(file string, err error) *SpecError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE().FindStringSubmatchIndex(msg); m != nil {
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	return newSpecError(file, line, "", "invalid YAML: %s", msg)
}

type specParser struct {
	spec *Spec
	// errs collects every problem: a handler's error is reported and the
	// parser goes on with the next key or item.
	errs []*SpecError
}

// report records a problem (nil is none).
func (p *specParser) report(err error) {
	if err == nil {
		return
	}
	var se *SpecError
	if !errors.As(err, &se) {
		se = newSpecError(p.spec.file, 0, "", "%v", err)
	}
	p.errs = append(p.errs, se)
}

func (p *specParser) errAt(n *yaml.Node, path, format string, args ...any) *SpecError {
	return newSpecError(p.spec.file, n.Line, path, format, args...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type fieldFunc func(v *yaml.Node, path string) error

// fields walks a mapping, refusing unknown and duplicate keys, and records
// each key's line for later errors (Resolve, Build). A problem with one
// key is reported and the walk goes on; the error returned is about the
// mapping itself (not a mapping, an alias).
func (p *specParser) fields(n *yaml.Node, path string, handlers map[string]fieldFunc) error {
	if err := p.plain(n, path); err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return p.errAt(n, path, "must be a mapping of keys, got %s", kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		p.report(p.field(n.Content[i], n.Content[i+1], path, handlers, seen))
	}
	return nil
}

// field reads one key of a mapping.
func (p *specParser) field(k, v *yaml.Node, path string, handlers map[string]fieldFunc, seen map[string]bool) error {
	if k.Kind != yaml.ScalarNode {
		return p.errAt(k, path, "keys must be plain names")
	}
	kp := join(path, k.Value)
	if k.Value == "<<" {
		return p.errAt(k, kp, "merge keys are not supported")
	}
	h, ok := handlers[k.Value]
	if !ok {
		return p.errAt(k, kp, "unknown key %q%s (known: %s)", k.Value, didYouMean(k.Value, knownKeyList(handlers)), knownKeys(handlers))
	}
	if seen[k.Value] {
		return p.errAt(k, kp, "duplicate key")
	}
	seen[k.Value] = true
	p.spec.pos[kp] = k.Line
	if err := p.plain(v, kp); err != nil {
		return err
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return p.errAt(v, kp, "needs a value")
	}
	return h(v, kp)
}

// plain refuses anchors and aliases: a spec has no use for them and
// following them by hand would open the door to exponential expansion.
func (p *specParser) plain(n *yaml.Node, path string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return p.errAt(n, path, "YAML anchors and aliases are not supported in a spec")
	}
	return nil
}

func knownKeys(h map[string]fieldFunc) string { return strings.Join(knownKeyList(h), ", ") }

func knownKeyList(h map[string]fieldFunc) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// list walks a list of at most limit items (what it is, for the message:
// "clips"), reporting a problem with one item and going on with the next.
// A list past its limit is refused before any item is read.
func (p *specParser) list(n *yaml.Node, path string, limit int, what string, each func(v *yaml.Node, path string) error) error {
	if n.Kind != yaml.SequenceNode {
		return p.errAt(n, path, "must be a list, got %s", kindName(n))
	}
	if len(n.Content) > limit {
		return p.errAt(n, path, "%d %s is more than a spec may have (%d)", len(n.Content), what, limit)
	}
	for i, v := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		p.spec.pos[ip] = v.Line
		if err := p.plain(v, ip); err != nil {
			p.report(err)
			continue
		}
		p.report(each(v, ip))
	}
	return nil
}

func (p *specParser) scalar(n *yaml.Node, path, want string) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return p.errAt(n, path, "must be %s, got %s", want, kindName(n))
	}
	return nil
}

func (p *specParser) str(dst *string) fieldFunc { return p.strMax(dst, MaxStringChars) }

// strMax reads a string of at most limit characters.
func (p *specParser) strMax(dst *string, limit int) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := p.scalar(n, path, "a string"); err != nil {
			return err
		}
		if strings.ContainsRune(n.Value, 0) {
			return p.errAt(n, path, "must not contain a NUL character")
		}
		if c := utf8.RuneCountInString(n.Value); c > limit {
			return p.errAt(n, path, "%d characters is longer than %d", c, limit)
		}
		*dst = n.Value
		return nil
	}
}

func (p *specParser) enum(dst *string, allowed []string) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := p.scalar(n, path, "one of "+orList(allowed)); err != nil {
			return err
		}
		if !oneOf(n.Value, allowed) {
			return p.errAt(n, path, "unknown value %q%s (want %s)", n.Value, didYouMean(n.Value, allowed), orList(allowed))
		}
		*dst = n.Value
		return nil
	}
}

func orList(v []string) string {
	if len(v) == 1 {
		return v[0]
	}
	return strings.Join(v[:len(v)-1], ", ") + " or " + v[len(v)-1]
}

func (p *specParser) number(n *yaml.Node, path string) (float64, error) {
	if err := p.scalar(n, path, "a number"); err != nil {
		return 0, err
	}
	if n.Tag != "!!int" && n.Tag != "!!float" {
		return 0, p.errAt(n, path, "must be a number, got %q", n.Value)
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, p.errAt(n, path, "must be a finite number, got %q", n.Value)
	}
	return f, nil
}

// numIn reads a number within [lo, hi].
func (p *specParser) numIn(dst *float64, lo, hi float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		f, err := p.number(n, path)
		if err != nil {
			return err
		}
		if f < lo || f > hi {
			return p.errAt(n, path, "%s is out of range %s..%s", num(f), num(lo), num(hi))
		}
		*dst = f
		return nil
	}
}

func (p *specParser) numPtr(dst **float64, lo, hi float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		var f float64
		if err := p.numIn(&f, lo, hi)(n, path); err != nil {
			return err
		}
		*dst = &f
		return nil
	}
}

func (p *specParser) integer(dst *int, lo, hi int) fieldFunc {
	return func(n *yaml.Node, path string) error {
		f, err := p.number(n, path)
		if err != nil {
			return err
		}
		if f != math.Trunc(f) {
			return p.errAt(n, path, "must be a whole number, got %s", n.Value)
		}
		if f < float64(lo) || f > float64(hi) {
			return p.errAt(n, path, "%s is out of range %d..%d", n.Value, lo, hi)
		}
		*dst = int(f)
		return nil
	}
}

// seconds reads a time of at most limit seconds (MaxOutputSeconds on the
// output's timeline, MaxSourceSeconds inside a source): a number of
// seconds or "HH:MM:SS.mmm".
func (p *specParser) seconds(dst *float64, limit float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := p.scalar(n, path, "a time"); err != nil {
			return err
		}
		var f float64
		if n.Tag == "!!int" || n.Tag == "!!float" {
			v, err := p.number(n, path)
			if err != nil {
				return err
			}
			f = v
		} else {
			v, err := ParseTime(n.Value)
			if err != nil {
				return p.errAt(n, path, "%v", err)
			}
			f = v
		}
		if f < 0 {
			return p.errAt(n, path, "must not be negative, got %s", n.Value)
		}
		if f > limit {
			return p.errAt(n, path, "%s is more than %s s (%s)", n.Value, num(limit), secondsLimit(limit))
		}
		*dst = f
		return nil
	}
}

func (p *specParser) secondsPtr(dst **float64, limit float64) fieldFunc {
	return func(n *yaml.Node, path string) error {
		var f float64
		if err := p.seconds(&f, limit)(n, path); err != nil {
			return err
		}
		*dst = &f
		return nil
	}
}

func (p *specParser) boolean(dst *bool) fieldFunc {
	return func(n *yaml.Node, path string) error {
		if err := p.scalar(n, path, "true or false"); err != nil {
			return err
		}
		if n.Tag != "!!bool" {
			return p.errAt(n, path, "must be true or false, got %q", n.Value)
		}
		*dst = n.Value == "true"
		return nil
	}
}

func (p *specParser) boolPtr(dst **bool) fieldFunc {
	return func(n *yaml.Node, path string) error {
		var b bool
		if err := p.boolean(&b)(n, path); err != nil {
			return err
		}
		*dst = &b
		return nil
	}
}

// position reads a named place (one of names) or {x, y} fractions.
func (p *specParser) position(dst **Position, names []string) fieldFunc {
	return func(n *yaml.Node, path string) error {
		pos := &Position{}
		if n.Kind == yaml.ScalarNode {
			if err := p.enum(&pos.Named, names)(n, path); err != nil {
				return err
			}
		} else {
			var hasX, hasY bool
			err := p.fields(n, path, map[string]fieldFunc{
				"x": func(v *yaml.Node, kp string) error { hasX = true; return p.numIn(&pos.X, 0, 1)(v, kp) },
				"y": func(v *yaml.Node, kp string) error { hasY = true; return p.numIn(&pos.Y, 0, 1)(v, kp) },
			})
			if err != nil {
				return err
			}
			if !hasX || !hasY {
				return p.errAt(n, path, "needs both x and y (fractions of the frame, 0..1) or one of %s", orList(names))
			}
		}
		*dst = pos
		return nil
	}
}
