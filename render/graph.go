package render

import (
	"fmt"
	"strings"
)

// graph is the builder's plain description of one ffmpeg run: inputs, a
// filter DAG and the output. args.go turns it into an argv with ffmpeg-go.
// Keeping the DAG here (instead of building ffmpeg-go nodes directly)
// confines ffmpeg-go to one file and lets the builder reason about pads:
// every pad is consumed exactly once, which ffmpeg requires.
//
// Only validated numbers, enum words, and paths impress chose (its private
// work dir, the font) ever become option values; user text reaches ffmpeg
// only inside files (see build_text.go).
type graph struct {
	inputs []gInput
	nodes  []gNode
	used   map[pad]bool
	// byKey finds an input by its URL and options in constant time: a
	// spec of many clips looks inputs up once per clip.
	byKey map[string]int
	// nextFree remembers, per base of a repeated input (see clipInput),
	// the first variant that may still be free, so repeats of one range
	// do not search from the start each time (quadratic in the repeats).
	nextFree map[string]int
}

type kv struct{ k, v string }

type gInput struct {
	url  string
	opts []kv // input options (before -i)
}

type gNode struct {
	name string
	opts []kv
	ins  []pad
	outs int
}

// pad is one stream: an input's stream (input ≥ 0, sel like "v:0") or a
// filter's output (node, out).
type pad struct {
	input int
	sel   string
	node  int
	out   int
}

func newGraph() *graph {
	return &graph{used: map[pad]bool{}, byKey: map[string]int{}, nextFree: map[string]int{}}
}

// inputKey identifies an input by its URL and options.
func inputKey(url string, opts []kv) string {
	var b strings.Builder
	b.WriteString(url)
	for _, o := range opts {
		b.WriteString("\x00" + o.k + "\x00" + o.v)
	}
	return b.String()
}

// input adds an input, or returns the existing one with the same URL and
// options: ffmpeg then demuxes and decodes it once for every use.
func (g *graph) input(url string, opts ...kv) int {
	if i := g.findInput(url, opts...); i >= 0 {
		return i
	}
	g.inputs = append(g.inputs, gInput{url: url, opts: opts})
	g.byKey[inputKey(url, opts)] = len(g.inputs) - 1
	return len(g.inputs) - 1
}

// findInput returns the index of an input with this URL and options, or -1.
func (g *graph) findInput(url string, opts ...kv) int {
	if i, ok := g.byKey[inputKey(url, opts)]; ok {
		return i
	}
	return -1
}

// freeVariant returns the smallest k ≥ 0 for which variant(k) names no
// input yet. Inputs are never removed, so the search for the same base
// resumes where the last one ended.
func (g *graph) freeVariant(base string, variant func(k int) (string, []kv)) int {
	k := g.nextFree[base]
	for {
		url, opts := variant(k)
		if g.findInput(url, opts...) < 0 {
			g.nextFree[base] = k + 1
			return k
		}
		k++
	}
}

// stream names a stream of an input. An input stream may feed several
// filters; fanOut gives each its own split output before argv is built.
func (g *graph) stream(input int, sel string) pad {
	return pad{input: input, sel: sel, node: -1}
}

// fanOut puts a split (or asplit) after every input stream that feeds more
// than one filter. ffmpeg could fan out by itself, but with an explicit
// split every pad of the graph feeds exactly one filter, the one rule
// ffmpeg-go checks (a pad used twice is a builder bug argv reports). Only
// stills (one frame) and audio are ever shared this way: a video clip that
// repeats a range gets its own input (see clipInput), so no decoded video
// is buffered for later.
func (g *graph) fanOut() {
	uses := map[pad][]*pad{}
	var order []pad
	for ni := range g.nodes {
		for ii := range g.nodes[ni].ins {
			p := &g.nodes[ni].ins[ii]
			if p.node >= 0 {
				continue
			}
			if _, ok := uses[*p]; !ok {
				order = append(order, *p)
			}
			uses[*p] = append(uses[*p], p)
		}
	}
	for _, src := range order {
		refs := uses[src]
		if len(refs) < 2 {
			continue
		}
		outs := g.split(src, len(refs), strings.HasPrefix(src.sel, "a"))
		for i, r := range refs {
			*r = outs[i]
		}
	}
}

func (g *graph) consume(p pad) {
	if p.node < 0 {
		return
	}
	if g.used[p] {
		panic(fmt.Sprintf("render: graph pad %d:%d used twice", p.node, p.out))
	}
	g.used[p] = true
}

// filter adds a filter with one output.
func (g *graph) filter(name string, ins []pad, opts ...kv) pad {
	return g.multi(name, ins, 1, opts...)[0]
}

// multi adds a filter with n outputs.
func (g *graph) multi(name string, ins []pad, n int, opts ...kv) []pad {
	for _, p := range ins {
		g.consume(p)
	}
	g.nodes = append(g.nodes, gNode{name: name, opts: opts, ins: append([]pad(nil), ins...), outs: n})
	id := len(g.nodes) - 1
	outs := make([]pad, n)
	for i := range outs {
		outs[i] = pad{input: -1, node: id, out: i}
	}
	return outs
}

// chain appends a one-in one-out filter.
func (g *graph) chain(p pad, name string, opts ...kv) pad {
	return g.filter(name, []pad{p}, opts...)
}

// split fans a pad out to n consumers (split for video, asplit for audio).
func (g *graph) split(p pad, n int, audio bool) []pad {
	if n == 1 {
		return []pad{p}
	}
	name := "split"
	if audio {
		name = "asplit"
	}
	return g.multi(name, []pad{p}, n)
}

// output is the single output file of a command.
type outSpec struct {
	maps []pad
	opts []kv
	url  string
}

func o(k, v string) kv { return kv{k, v} }
