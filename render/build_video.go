package render

import (
	"fmt"
	"math"
	"strings"
)

// Scalers, chosen on purpose: bicubic for the picture people look at,
// fast_bilinear for the blur background both ways (it is blurred: the
// cheapest scaler shows no difference there).
const (
	scalerMain    = "bicubic"
	scalerBgDown  = "fast_bilinear"
	scalerBgUp    = "fast_bilinear"
	blurReduction = 8 // the blur background is computed at 1/8 of the frame
)

// timeline builds every clip and joins them: runs of plain cuts are one
// concat each, transitions are xfade (video) and acrossfade (audio)
// between runs. It returns the joined video and audio pads.
func (p *plan) timeline(g *graph) (pad, pad, error) {
	type seg struct {
		v, a   pad
		frames int
	}
	var runs []seg
	var run []seg
	flush := func() {
		if len(run) == 0 {
			return
		}
		s := run[0]
		if len(run) > 1 {
			vs := make([]pad, len(run))
			as := make([]pad, len(run))
			s.frames = 0
			for i, r := range run {
				vs[i], as[i] = r.v, r.a
				s.frames += r.frames
			}
			n := fmt.Sprint(len(run))
			s.v = g.filter("concat", vs, o("n", n), o("v", "1"), o("a", "0"))
			s.a = g.filter("concat", as, o("n", n), o("v", "0"), o("a", "1"))
			// concat answers in microseconds; xfade wants both inputs in
			// the clips' 1/fps time base. concat also times a segment's
			// end by its frames' mean spacing, which a one-frame clip does
			// not have: the next clip then started on the same timestamp
			// and the encoder's constant rate dropped it (500 one-frame
			// clips made a 0.1 s video). Every clip is exactly its frames
			// at the output rate, so frame N of the run is at N/fps.
			s.v = g.chain(s.v, "settb", o("expr", p.timeBase()))
			s.v = g.chain(s.v, "setpts", o("expr", "N"))
		}
		runs = append(runs, s)
		run = nil
	}
	var silence int = -1
	for i := range p.clips {
		cp := &p.clips[i]
		in := p.clipInput(g, cp)
		v := p.clipVideo(g, cp, in)
		a, err := p.clipAudio(g, cp, in, &silence)
		if err != nil {
			return pad{}, pad{}, err
		}
		run = append(run, seg{v: v, a: a, frames: cp.frames})
		if cp.trans > 0 {
			flush()
		}
	}
	flush()

	acc := runs[0]
	r := 0
	for _, cp := range p.clips {
		if cp.trans == 0 {
			continue
		}
		r++
		next := runs[r]
		t := cp.trans
		acc.v = g.filter("xfade", []pad{acc.v, next.v},
			o("transition", cp.clip.TransitionType()),
			o("duration", secs(float64(t)/p.fps)),
			o("offset", secs(float64(acc.frames-t)/p.fps)))
		acc.a = g.filter("acrossfade", []pad{acc.a, next.a},
			o("ns", fmt.Sprint(p.samplesFor(t))), o("c1", "tri"), o("c2", "tri"))
		acc.frames += next.frames - t
	}
	return acc.v, acc.a, nil
}

// timeBase is 1/fps as an exact fraction for settb.
func (p *plan) timeBase() string {
	if p.fps == math.Trunc(p.fps) {
		return "1/" + num(p.fps)
	}
	return fmt.Sprintf("1000/%d", int64(math.Round(p.fps*1000)))
}

// clipInput adds the clip's source as an input. Trims become input
// options (-ss/-t) so ffmpeg seeks instead of decoding what is cut away;
// the demuxer found by Sniff is forced and only the file protocol allowed.
func (p *plan) clipInput(g *graph, cp *clipPlan) int {
	c := cp.clip
	if c.IsCard() {
		return p.cardInput(g, cp)
	}
	opts := []kv{o("f", cp.info.Format.Demuxer), o("protocol_whitelist", "file")}
	if c.IsImage() {
		// the still's stream then has the output rate, which xfade checks
		opts = append(opts, o("framerate", num(p.fps)))
	} else {
		if c.In > 0 {
			opts = append(opts, o("ss", secs(c.In)))
		}
		if c.Out > 0 {
			// two frames of slack: the graph trims to the exact frame count
			opts = append(opts, o("t", secs(cp.src+2/p.fps)))
		}
		// A clip that repeats an earlier clip's range gets an input of its
		// own (one more frame of slack makes it distinct): it is decoded
		// again when needed rather than buffered decoded since the first use.
		base := opts
		if c.Out > 0 {
			base = opts[:len(opts)-1]
		}
		url := "file:" + c.Source()
		k := g.freeVariant(inputKey(url, base)+"\x00"+secs(cp.src), func(k int) (string, []kv) {
			if k == 0 {
				return url, opts
			}
			return url, append(base[:len(base):len(base)], o("t", secs(cp.src+float64(2+k)/p.fps)))
		})
		if k > 0 {
			opts = append(base[:len(base):len(base)], o("t", secs(cp.src+float64(2+k)/p.fps)))
		}
	}
	return g.input("file:"+c.Source(), opts...)
}

// cardInput adds a title card's picture as a lavfi input: ffmpeg's color
// or gradients source at the output size and rate, in RGB so that the
// scale after it converts with the BT.709 matrix the output is tagged
// with. Its description holds only numbers and colours parseColor made
// (hex digits). Two equal cards get inputs one frame apart in length, as
// repeated video ranges do (see clipInput): one shared generated input
// would be buffered for its second use.
func (p *plan) cardInput(g *graph, cp *clipPlan) int {
	c := cp.clip
	url := func(extra int) string {
		common := fmt.Sprintf("s=%dx%d:r=%s:d=%s", p.w, p.h, num(p.fps), secs(float64(cp.frames+1+extra)/p.fps))
		if c.Color != "" {
			col, _ := parseColor(c.Color) // checked by the parser
			return fmt.Sprintf("color=c=%s:%s,format=rgb24", col, common)
		}
		// top centre to bottom centre; a 0 coordinate does not always hold
		// (ffmpeg 5.1 drew some frames from another line), and the
		// slowest rotation ffmpeg allows keeps the line still in practice
		desc := fmt.Sprintf("gradients=%s:n=%d:x0=%d:y0=1:x1=%d:y1=%d:speed=0.00001", common, len(c.Gradient), p.w/2, p.w/2, p.h-1)
		for i, g := range c.Gradient {
			col, _ := parseColor(g)
			desc += fmt.Sprintf(":c%d=%s", i, col)
		}
		return desc + ",format=rgb24"
	}
	k := g.freeVariant(url(0), func(k int) (string, []kv) { return url(k), []kv{o("f", "lavfi")} })
	return g.input(url(k), o("f", "lavfi"))
}

// clipVideo produces exactly cp.frames frames of W×H yuv420p at the output
// rate, timestamps from 0.
func (p *plan) clipVideo(g *graph, cp *clipPlan, in int) pad {
	c := cp.clip
	v := g.stream(in, "v:0")
	if c.IsCard() {
		// generated in RGB at the output size: only converted to BT.709
		v = g.chain(v, "scale", scaleOpts(fmt.Sprint(p.w), fmt.Sprint(p.h), scalerMain, colorConvert)...)
		v = g.chain(v, "format", o("pix_fmts", "yuv420p"))
		v = g.chain(v, "settb", o("expr", p.timeBase()))
		v = g.chain(v, "setpts", o("expr", "N"))
		v = g.chain(v, "trim", o("end_frame", fmt.Sprint(cp.frames)))
		return g.chain(v, "setsar", o("sar", "1"))
	}
	cm := colorFor(cp.info.Video)
	hdr := cm == colorHDR
	if c.IsImage() {
		// the still is decoded (and turned upright by ffmpeg's autorotate)
		// and fitted once, then repeated or zoomed
		v = p.fit(g, v, c.FitOrDefault(), cm)
		if hdr {
			v = tonemap(g, v)
		}
		n := cp.frames
		switch c.Zoom {
		case "in", "out":
			span := math.Max(1, float64(n-1))
			z := fmt.Sprintf("1+0.1*on/%s", num(span))
			if c.Zoom == "out" {
				z = fmt.Sprintf("1.1-0.1*on/%s", num(span))
			}
			v = g.chain(v, "zoompan", o("z", z),
				o("x", "iw/2-(iw/zoom/2)"), o("y", "ih/2-(ih/zoom/2)"),
				o("d", fmt.Sprint(n)), o("s", fmt.Sprintf("%dx%d", p.w, p.h)), o("fps", num(p.fps)))
		default:
			v = g.chain(v, "loop", o("loop", fmt.Sprint(n-1)), o("size", "1"), o("start", "0"))
			v = g.chain(v, "settb", o("expr", p.timeBase()))
			v = g.chain(v, "setpts", o("expr", "N"))
		}
		// (no fps filter here: at the end of a stream of generated frames it
		// would drop the last one, which has no successor to time it by)
	} else {
		if s := c.SpeedOrDefault(); s != 1 {
			v = g.chain(v, "setpts", o("expr", fmt.Sprintf("PTS/%s", num(s))))
		}
		// constant rate by timestamps: VFR input keeps its sync with the
		// audio; frames before the first one are filled from it
		v = g.chain(v, "fps", o("fps", num(p.fps)), o("start_time", "0"))
		v = p.fit(g, v, c.FitOrDefault(), cm)
		if hdr {
			v = tonemap(g, v)
		}
		// a video stream a little shorter than the container is padded
		// with its last frame; trim below cuts to the exact count
		v = g.chain(v, "tpad", o("stop", "-1"), o("stop_mode", "clone"))
	}
	v = g.chain(v, "trim", o("end_frame", fmt.Sprint(cp.frames)))
	return g.chain(v, "setsar", o("sar", "1"))
}

// colorMode says what the scaler does about colour.
type colorMode int

const (
	// colorKeep: BT.709 (or untagged, as HD footage is) limited range;
	// the scaler only scales. Asking swscale for a matrix here would
	// double its cost for nothing (measured: 1.7 → 3.0 s CPU on 90 HD frames).
	colorKeep colorMode = iota
	// colorConvert: BT.601, full range, or RGB input (JPEG and PNG stills,
	// SD video) converted to the BT.709 limited range the output is tagged with.
	colorConvert
	// colorHDR: PQ/HLG keep their depth through the scale; tonemap converts.
	colorHDR
)

func colorFor(v *VideoInfo) colorMode {
	switch {
	case v.HDR:
		return colorHDR
	case v.Still, strings.HasPrefix(v.PixFmt, "yuvj"), v.ColorRange == "pc",
		oneOf(v.ColorSpace, []string{"smpte170m", "bt470bg", "fcc", "gbr"}),
		!strings.HasPrefix(v.PixFmt, "yuv") && !strings.HasPrefix(v.PixFmt, "nv") && v.PixFmt != "":
		return colorConvert
	}
	return colorKeep
}

// scaleOpts are the options of every scale that produces frames we keep.
func scaleOpts(w, h, flags string, cm colorMode, extra ...kv) []kv {
	opts := []kv{o("w", w), o("h", h), o("flags", flags)}
	if cm == colorConvert {
		opts = append(opts, o("out_color_matrix", "bt709"), o("out_range", "tv"))
	}
	return append(opts, extra...)
}

// coverCrop crops the centre to the output aspect before scaling, so the
// scaler never touches pixels that would be cut away.
func (p *plan) coverCrop(g *graph, v pad) pad {
	return g.chain(v, "crop",
		o("w", fmt.Sprintf("min(iw,ih*%d/%d)", p.w, p.h)),
		o("h", fmt.Sprintf("min(ih,iw*%d/%d)", p.h, p.w)))
}

// fit maps any input frame to W×H. Every frame is scaled once for the
// picture; the blur background is derived from that already-scaled picture
// at 1/8 resolution.
func (p *plan) fit(g *graph, v pad, mode string, cm colorMode) pad {
	W, H := fmt.Sprint(p.w), fmt.Sprint(p.h)
	toFormat := func(v pad) pad {
		if cm == colorHDR {
			return v // tonemap converts to 8-bit after the scale
		}
		return g.chain(v, "format", o("pix_fmts", "yuv420p"))
	}
	switch mode {
	case "pad":
		v = g.chain(v, "scale", scaleOpts(W, H, scalerMain, cm,
			o("force_original_aspect_ratio", "decrease"), o("force_divisible_by", "2"))...)
		v = toFormat(v)
		return g.chain(v, "pad", o("w", W), o("h", H), o("x", "(ow-iw)/2"), o("y", "(oh-ih)/2"), o("color", "black"))
	case "blur":
		v = g.chain(v, "scale", scaleOpts(W, H, scalerMain, cm,
			o("force_original_aspect_ratio", "decrease"), o("force_divisible_by", "2"))...)
		v = toFormat(v)
		parts := g.split(v, 2, false)
		fg, bg := parts[0], parts[1]
		bw, bh := even(p.w/blurReduction), even(p.h/blurReduction)
		bg = p.coverCrop(g, bg)
		bg = g.chain(bg, "scale", o("w", fmt.Sprint(bw)), o("h", fmt.Sprint(bh)), o("flags", scalerBgDown))
		r := fmt.Sprint(max(1, int(math.Round(float64(bw)/34))))
		bg = g.chain(bg, "boxblur", o("luma_radius", r), o("luma_power", "2"))
		bg = g.chain(bg, "scale", o("w", W), o("h", H), o("flags", scalerBgUp))
		return g.filter("overlay", []pad{bg, fg}, o("x", "(W-w)/2"), o("y", "(H-h)/2"))
	case "stretch":
		// every pixel kept, the aspect given up (setsar=1 follows)
		v = g.chain(v, "scale", scaleOpts(W, H, scalerMain, cm)...)
		return toFormat(v)
	default: // crop
		v = p.coverCrop(g, v)
		v = g.chain(v, "scale", scaleOpts(W, H, scalerMain, cm)...)
		return toFormat(v)
	}
}

// tonemap turns PQ/HLG HDR into SDR BT.709 8-bit (zimg), after the frame
// was scaled to the output size so the expensive float maths runs on as
// few pixels as possible.
func tonemap(g *graph, v pad) pad {
	v = g.chain(v, "zscale", o("t", "linear"), o("npl", "100"))
	v = g.chain(v, "format", o("pix_fmts", "gbrpf32le"))
	v = g.chain(v, "zscale", o("p", "bt709"))
	v = g.chain(v, "tonemap", o("tonemap", "hable"), o("desat", "0"))
	v = g.chain(v, "zscale", o("t", "bt709"), o("m", "bt709"), o("r", "tv"))
	return g.chain(v, "format", o("pix_fmts", "yuv420p"))
}
