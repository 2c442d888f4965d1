package render

// This is the only file that imports ffmpeg-go, and it only builds argv
// with GetArgs: never Run/Compile, which log through a package global and
// keep a context in a struct (package context says not to). ffmpeg-go does the two-level
// escaping of filter option values (option level \ ' = :, graph level
// \ ' [ ] , ;) — and the builder never hands it user text anyway.

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
			node := ffmpeg.FilterMultiOutput(ins, n.name, ffmpeg.Args{}, kwArgs(n.opts))
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

func kwArgs(opts []kv) ffmpeg.KwArgs {
	kw := ffmpeg.KwArgs{}
	for _, o := range opts {
		kw[o.k] = o.v
	}
	return kw
}
