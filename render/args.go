package render

// argv turns the builder's graph into ffmpeg's arguments. It writes what
// ffmpeg-go's GetArgs wrote for the same graph (the goldens did not change
// when it replaced it), but it walks the graph by node identity in one
// pass. ffmpeg-go identified nodes by a hash that it recomputed over every
// ancestor on each lookup and that adds up its parts: planning grew much
// faster than the clip count (1,000 clips took seconds, 2,000 half a
// minute), and two different chains whose hashes summed alike were taken
// for one node, which refused a 38-clip spec (docs/BENCHMARKS.md,
// Planning).
//
// The escaping is ffmpeg's two levels: an option value escapes \ ' = : for
// the filter's option parser, then the whole filter escapes \ ' [ ] , ; for
// the graph parser. The builder never puts user text into either anyway
// (docs/SECURITY.md §6).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// argv returns the arguments (without the program name and without Run's
// global options): the inputs in the order the graph first needs them, the
// filter graph (-filter_complex), the maps and the output options.
func (g *graph) argv(out outSpec) (args []string, err error) {
	g.fanOut()
	w := &argWriter{g: g, inputNo: map[int]int{}, nodeSeen: make([]bool, len(g.nodes)),
		consumers: make([][]int, len(g.nodes))}
	for _, p := range out.maps {
		if err := w.visit(p); err != nil {
			return nil, err
		}
	}
	for _, i := range w.inputs {
		args = append(args, inputArgs(g.inputs[i])...)
	}
	if len(w.order) > 0 {
		args = append(args, "-filter_complex", w.filterGraph())
	}
	for _, p := range out.maps {
		if name := w.mapName(p); name != "0" || len(out.maps) > 1 {
			args = append(args, "-map", name)
		}
	}
	args = append(args, sortedOpts(out.opts)...)
	return append(args, out.url), nil
}

// argWriter is one argv walk: the inputs and filters in the order a
// depth-first walk from the outputs finishes them (ffmpeg needs a filter's
// inputs labelled before it), and who consumes each filter output.
type argWriter struct {
	g        *graph
	inputs   []int       // graph input indexes, in argv order
	inputNo  map[int]int // graph input index → argv input number
	order    []int       // filter nodes, in graph-string order
	nodeSeen []bool
	// consumers counts, per node, the consumers of each output pad in the
	// order the walk met them (split's output count is its consumer count).
	consumers [][]int
	labels    map[pad]string
}

// visit walks the pads feeding p (iteratively: a long spec's xfade chain
// is tens of thousands of filters deep) and records p as consumed.
func (w *argWriter) visit(root pad) error {
	type frame struct {
		node int
		next int // the next input of node to visit
	}
	var stack []frame
	use := func(p pad) error {
		if p.node < 0 {
			if p.input < 0 || p.input >= len(w.g.inputs) {
				return fmt.Errorf("build ffmpeg arguments: no input %d", p.input)
			}
			if _, ok := w.inputNo[p.input]; !ok {
				w.inputNo[p.input] = len(w.inputs)
				w.inputs = append(w.inputs, p.input)
			}
			return nil
		}
		if p.node >= len(w.g.nodes) || p.out >= w.g.nodes[p.node].outs {
			return fmt.Errorf("build ffmpeg arguments: no filter pad %d:%d", p.node, p.out)
		}
		c := &w.consumers[p.node]
		if *c == nil {
			*c = make([]int, w.g.nodes[p.node].outs)
		}
		(*c)[p.out]++
		if (*c)[p.out] > 1 {
			return fmt.Errorf("build ffmpeg arguments: %s output %d feeds two filters; it needs a split", w.g.nodes[p.node].name, p.out)
		}
		if !w.nodeSeen[p.node] {
			w.nodeSeen[p.node] = true
			stack = append(stack, frame{node: p.node})
		}
		return nil
	}
	if err := use(root); err != nil {
		return err
	}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		n := &w.g.nodes[f.node]
		if f.next == len(n.ins) {
			w.order = append(w.order, f.node)
			stack = stack[:len(stack)-1]
			continue
		}
		p := n.ins[f.next]
		f.next++
		if err := use(p); err != nil {
			return err
		}
	}
	return nil
}

// filterGraph writes the graph string. Output pads are labelled s0, s1, …
// in graph order, each node's outputs in order (ffmpeg-go sorted them as
// strings, "10" before "2", which would have swapped the outputs of any
// filter with more than ten but split's, whose outputs are alike).
func (w *argWriter) filterGraph() string {
	w.labels = map[pad]string{}
	n := 0
	for _, id := range w.order {
		for out := range w.g.nodes[id].outs {
			if w.consumers[id][out] > 0 {
				w.labels[pad{input: -1, node: id, out: out}] = "s" + strconv.Itoa(n)
				n++
			}
		}
	}
	var b strings.Builder
	for i, id := range w.order {
		if i > 0 {
			b.WriteByte(';')
		}
		node := &w.g.nodes[id]
		for _, p := range node.ins {
			b.WriteString("[" + w.padName(p) + "]")
		}
		b.WriteString(w.filterSpec(id))
		for out := range node.outs {
			if l, ok := w.labels[pad{input: -1, node: id, out: out}]; ok {
				b.WriteString("[" + l + "]")
			}
		}
	}
	return b.String()
}

// filterSpec is "name=k=v:k=v", keys sorted, escaped for both levels.
func (w *argWriter) filterSpec(id int) string {
	node := &w.g.nodes[id]
	var parts []string
	if node.name == "split" || node.name == "asplit" {
		used := 0
		for _, c := range w.consumers[id] {
			used += c
		}
		parts = append(parts, strconv.Itoa(used))
	}
	kw := map[string]string{}
	for _, o := range node.opts {
		kw[escapeFilter(o.k, `\'=:`)] = escapeFilter(o.v, `\'=:`)
	}
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := kw[k]; v != "" {
			parts = append(parts, k+"="+v)
		} else {
			parts = append(parts, k)
		}
	}
	s := escapeFilter(node.name, `\'=:`)
	if len(parts) > 0 {
		s += "=" + strings.Join(parts, ":")
	}
	return escapeFilter(s, `\'[],;`)
}

// padName is a pad's name inside the graph: "0:v:0" for an input stream,
// "s3" for a filter output.
func (w *argWriter) padName(p pad) string {
	if p.node < 0 {
		return strconv.Itoa(w.inputNo[p.input]) + ":" + p.sel
	}
	return w.labels[p]
}

// mapName is a pad's name for -map: an input stream bare, a filter
// output in brackets.
func (w *argWriter) mapName(p pad) string {
	if p.node < 0 {
		name := strconv.Itoa(w.inputNo[p.input])
		if p.sel != "" {
			name += ":" + p.sel
		}
		return name
	}
	return "[" + w.labels[p] + "]"
}

// inputArgs are one input's options: -f first, the rest sorted by name,
// then -i and the URL.
func inputArgs(in gInput) []string {
	var args []string
	var rest []kv
	for _, o := range in.opts {
		if o.k == "f" {
			args = append(args, "-f", o.v)
		} else {
			rest = append(rest, o)
		}
	}
	args = append(args, sortedOpts(rest)...)
	return append(args, "-i", in.url)
}

// sortedOpts writes options as "-key value" pairs sorted by key (a later
// duplicate key wins); an empty value writes the key alone.
func sortedOpts(opts []kv) []string {
	kw := map[string]string{}
	for _, o := range opts {
		kw[o.k] = o.v
	}
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	for _, k := range keys {
		args = append(args, "-"+k)
		if v := kw[k]; v != "" {
			args = append(args, v)
		}
	}
	return args
}

// escapeFilter puts a backslash before each of chars in s (the backslash
// itself first, so the escapes added are not escaped again).
func escapeFilter(s, chars string) string {
	if !strings.ContainsAny(s, chars) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(chars, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
