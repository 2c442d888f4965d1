package render

// This is the only file that imports ffmpeg-go (internal/archtest checks
// it), and it only builds argv with GetArgs: never Run/Compile, which log
// through a package global and keep a context in a struct. ffmpeg-go does
// the two-level escaping of filter options (option level \ ' = :, graph
// level \ ' [ ] , ;) — and the builder never hands it user text anyway
// (docs/SECURITY.md §6).
//
// impress uses a patched copy (third_party/README.md). Upstream escaped an
// option's key but not its value, so a path with ':' in it (a spec's font)
// became more options; the copy escapes both. And upstream identified
// a filter node by a hash of its content summed over all its ancestors,
// recomputed on every lookup, so building the argv grew much faster than
// the clip count and two different chains whose sums matched were taken
// for one node (a 38-clip spec was refused with "setsar with multiple
// outgoing edges"). In the copy a node is identified by a number it gets
// when it is made, so argv makes exactly one ffmpeg-go node per graph
// node, and every lookup is a map access (docs/BENCHMARKS.md, Planning).

import (
	"fmt"
	"strconv"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// argv turns the graph and its output into ffmpeg arguments (without the
// program name and without Run's global options).
func (g *graph) argv(out outSpec) (args []string, err error) {
	defer func() {
		// ffmpeg-go panics on malformed graphs; that is a builder bug, but
		// it must not take the daemon down.
		if r := recover(); r != nil {
			args, err = nil, fmt.Errorf("build ffmpeg arguments: %v", r)
		}
	}()
	g.fanOut()
	inputs := make([]*ffmpeg.Stream, len(g.inputs))
	for i, in := range g.inputs {
		inputs[i] = ffmpeg.Input(in.url, kwArgs(in.opts))
	}
	// nodes holds each graph node's ffmpeg-go outputs once it is made: a
	// node is made once, so the node that two pads name is one node.
	nodes := make([][]*ffmpeg.Stream, len(g.nodes))
	var resolve func(p pad) *ffmpeg.Stream
	resolve = func(p pad) *ffmpeg.Stream {
		if p.node < 0 {
			return inputs[p.input].Get(p.sel)
		}
		if nodes[p.node] == nil {
			n := g.nodes[p.node]
			ins := make([]*ffmpeg.Stream, len(n.ins))
			for i, ip := range n.ins {
				ins[i] = resolve(ip)
			}
			// FilterMultiOutput without its copy of the options (-1: any
			// number of inputs, as it passes)
			node := ffmpeg.NewFilterNode(n.name, ins, -1, nil, kwArgs(n.opts))
			outs := make([]*ffmpeg.Stream, n.outs)
			if n.outs == 1 {
				outs[0] = node.Stream("", "")
			} else {
				if n.outs > 10 && n.name != "split" && n.name != "asplit" {
					// ffmpeg-go orders output labels as strings ("10" < "2");
					// only split's interchangeable outputs may exceed 10.
					panic(fmt.Sprintf("filter %s with %d outputs", n.name, n.outs))
				}
				for i := range outs {
					outs[i] = node.Get(strconv.Itoa(i))
				}
			}
			nodes[p.node] = outs
		}
		return nodes[p.node][p.out]
	}
	maps := make([]*ffmpeg.Stream, len(out.maps))
	for i, p := range out.maps {
		maps[i] = resolve(p)
	}
	return ffmpeg.Output(maps, out.url, kwArgs(out.opts)).GetArgs(), nil
}

// kwArgs turns an option list into ffmpeg-go's map (a later duplicate key
// wins).
func kwArgs(opts []kv) ffmpeg.KwArgs {
	kw := ffmpeg.KwArgs{}
	for _, o := range opts {
		kw[o.k] = o.v
	}
	return kw
}
