package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// overlays lays the spec's pictures and videos over the timeline, in spec
// order (a later one on top), before the texts. Each overlay is scaled to
// its size once, given its opacity in its alpha channel, and timed by its
// timestamps: it starts at its first frame and ends after its last
// (overlay's eof_action=pass), so no enable expression is needed and a
// picture is decoded once and repeated.
func (p *plan) overlays(g *graph, v pad) (pad, error) {
	for i := range p.spec.Overlays {
		var err error
		if v, err = p.overlay(g, v, i); err != nil {
			return pad{}, err
		}
	}
	return v, nil
}

func (p *plan) overlay(g *graph, v pad, i int) (pad, error) {
	s := p.spec
	ov := &s.Overlays[i]
	key := fmt.Sprintf("overlays[%d]", i)
	srcKey := key + ".image"
	if ov.Video != "" {
		srcKey = key + ".video"
	}
	info := p.opts.Media[ov.Source()]
	if info == nil {
		return pad{}, fmt.Errorf("build: no probe for %s (%s)", ov.Source(), srcKey)
	}
	vi := info.Video
	switch {
	case vi == nil:
		return pad{}, s.errAt(srcKey, "%s has no picture", filepath.Base(ov.Source()))
	case ov.Image != "" && !vi.Still:
		return pad{}, s.errAt(srcKey, "%s is a video; use video: for it", filepath.Base(ov.Source()))
	case ov.Video != "" && vi.Still:
		return pad{}, s.errAt(srcKey, "%s is a still image; use image: for it", filepath.Base(ov.Source()))
	}
	// size: a fraction of the frame's width, the picture's aspect kept
	dw, dh := max(1, vi.DisplayWidth), max(1, vi.DisplayHeight)
	w := min(p.w, even(int(math.Round(ov.SizeOrDefault()*float64(p.w)))))
	h := min(p.h, even(int(math.Round(float64(w)*float64(dh)/float64(dw)))))
	w, h = max(2, w), max(2, h)
	r := p.overlayRect(ov, w, h)
	if msg := p.frame.under(fmt.Sprintf("overlay %d (%s)", i+1, filepath.Base(ov.Source())), r); msg != "" {
		p.warn(WarnSafeZone, key+".position", "%s", msg)
	}
	// when: frames [first, last) of the output
	first := p.framesFor(ov.Start)
	if first >= p.frames {
		return pad{}, s.errAt(key+".start", "%ss is at or after the end of the video (%ss)", num(ov.Start), secs(p.duration()))
	}
	last := p.frames
	if ov.End > 0 {
		last = min(last, p.framesFor(ov.End))
	}
	if ov.Video != "" {
		length := vi.Duration
		if length <= 0 {
			length = info.Duration
		}
		if length > 0 {
			last = min(last, first+max(1, p.framesFor(length)))
		}
	}
	n := max(1, last-first)

	cm := colorFor(vi)
	opts := []kv{o("f", info.Format.Demuxer), o("protocol_whitelist", "file")}
	var in int
	if ov.Image != "" {
		in = g.input("file:"+ov.Source(), opts...)
	} else {
		// decode no more than is shown; a distinct length keeps it from
		// sharing a clip's input (which would buffer decoded video)
		k := 0
		for g.findInput("file:"+ov.Source(), append(opts, o("t", secs(float64(n+2+k)/p.fps)))...) >= 0 {
			k++
		}
		in = g.input("file:"+ov.Source(), append(opts, o("t", secs(float64(n+2+k)/p.fps)))...)
	}
	o1 := g.stream(in, "v:0")
	if ov.Video != "" {
		o1 = g.chain(o1, "fps", o("fps", num(p.fps)), o("start_time", "0"))
		o1 = g.chain(o1, "trim", o("end_frame", fmt.Sprint(n)))
	}
	o1 = g.chain(o1, "scale", scaleOpts(fmt.Sprint(w), fmt.Sprint(h), scalerMain, cm)...)
	if cm == colorHDR {
		o1 = tonemap(g, o1)
	}
	o1 = g.chain(o1, "format", o("pix_fmts", "yuva420p"))
	if op := ov.OpacityOrDefault(); op < 1 {
		o1 = g.chain(o1, "lut", o("a", fmt.Sprintf("val*%s", num(op))))
	}
	if ov.Image != "" {
		o1 = g.chain(o1, "loop", o("loop", fmt.Sprint(n-1)), o("size", "1"), o("start", "0"))
	}
	o1 = g.chain(o1, "settb", o("expr", p.timeBase()))
	o1 = g.chain(o1, "setpts", o("expr", fmt.Sprintf("N+%d", first)))
	return g.filter("overlay", []pad{v, o1},
		o("x", fmt.Sprint(r.x0)), o("y", fmt.Sprint(r.y0)), o("eof_action", "pass"), o("format", "yuv420")), nil
}

// overlayRect places a w×h overlay: a named place on a 3x3 grid inside
// the safe area (default top-right), or centred on {x, y}, inside the frame.
func (p *plan) overlayRect(ov *Overlay, w, h int) rect {
	safe := p.frame.safe
	name := "top-right"
	if ov.Position != nil {
		name = ov.Position.Named
	}
	var x, y int
	if name == "" {
		x = int(math.Round(ov.Position.X*float64(p.w))) - w/2
		y = int(math.Round(ov.Position.Y*float64(p.h))) - h/2
	} else {
		// the middle row and column are the frame's centre (as for
		// texts), kept inside the safe area
		col, row := gridOf(name)
		x = []int{safe.x0, p.w/2 - w/2, safe.x1 - w}[col]
		y = []int{safe.y0, p.h/2 - h/2, safe.y1 - h}[row]
		x = max(safe.x0, min(x, safe.x1-w))
		y = max(safe.y0, min(y, safe.y1-h))
	}
	x = max(0, min(x, p.w-w))
	y = max(0, min(y, p.h-h))
	return rect{x, y, x + w, y + h}
}

// gridOf maps an overlay position name to its column and row (0..2).
func gridOf(name string) (col, row int) {
	for i, n := range overlayPositionValues {
		if n == name {
			return i % 3, i / 3
		}
	}
	return 2, 0
}
