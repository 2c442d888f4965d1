package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// Conforms reports whether a probed file already meets a video preset, so
// that [RemuxCommand] can make it publishable without re-encoding: H.264
// High or Main, 8-bit 4:2:0, exactly the preset's frame size, upright, a
// constant 23–60 fps, progressive, SDR, at most 25 Mb/s, and AAC-LC audio at
// 44.1/48 kHz, mono or stereo, at most 128 kb/s (or no audio: the remux adds
// silence). Edit lists and a trailing moov are fine: the remux removes
// them — unless the edit list does more than hide a start delay. When it
// does not conform, the reasons say why (for logs and `--json`).
//
// GOP structure is not checked (that needs a pass over the keyframes);
// files from impress itself and from phones have closed GOPs of ~1–2 s.
func Conforms(info *MediaInfo, p Preset) (bool, []string) {
	var why []string
	add := func(format string, args ...any) { why = append(why, fmt.Sprintf(format, args...)) }
	if p.Image || p.Width == 0 {
		return false, []string{"preset " + p.Name + " does not make video"}
	}
	if info.Format.Demuxer != "mov" {
		add("container is %s, not MP4/MOV", info.Format.Name)
	}
	v := info.Video
	if v == nil || v.Still {
		return false, append(why, "no video stream")
	}
	if v.Codec != "h264" {
		add("video codec is %s, not h264", v.Codec)
	} else if !oneOf(v.Profile, []string{"High", "Main", "Constrained Baseline", "Baseline"}) {
		add("H.264 profile is %s (want 8-bit 4:2:0: High, Main or Baseline)", v.Profile)
	}
	if v.PixFmt != "yuv420p" {
		add("pixel format is %s, not yuv420p", v.PixFmt)
	}
	if v.Rotation != 0 {
		add("picture is rotated by %d° (display matrix)", v.Rotation)
	}
	if v.Width != p.Width || v.Height != p.Height {
		add("size is %dx%d, not %dx%d", v.Width, v.Height, p.Width, p.Height)
	}
	switch {
	case v.VFR:
		add("variable frame rate (avg %s, r %s fps)", num(roundTo(v.FPS, 3)), num(roundTo(v.RFrameRate, 3)))
	case v.FPS < minVideoFPS-fpsTolerance || v.FPS > maxVideoFPS+fpsTolerance:
		add("frame rate %s fps is outside 23–60", num(roundTo(v.FPS, 3)))
	}
	if v.Interlaced {
		add("interlaced")
	}
	if v.HDR {
		add("HDR (%s transfer)", v.ColorTransfer)
	}
	if v.BitRate > maxVideoBitrate {
		add("video bit rate %s is above 25 Mb/s", bitsStr(v.BitRate))
	}
	if a := info.Audio; a != nil {
		if a.Codec != "aac" || (a.Profile != "" && a.Profile != "LC") {
			add("audio is %s %s, not AAC-LC", a.Codec, a.Profile)
		}
		if a.SampleRate != 48000 && a.SampleRate != 44100 {
			add("audio sample rate is %d Hz", a.SampleRate)
		}
		if a.Channels < 1 || a.Channels > 2 {
			add("audio has %d channels", a.Channels)
		}
		if a.BitRate > maxAudioBitrate {
			add("audio bit rate %s is above 128 kb/s", bitsStr(a.BitRate))
		}
		// A copy keeps the streams' lengths: audio that runs on past the
		// picture (or stops well before it) is re-encoded, where the graph
		// cuts both to the same end. The slack is a frame plus an AAC
		// frame, what a copy cannot get below.
		if v.Duration > 0 && a.Duration > 0 && v.FPS > 0 && a.SampleRate > 0 {
			switch gap := a.Duration - v.Duration; {
			case gap > 1/v.FPS+1024/float64(a.SampleRate):
				add("audio runs %ss past the video", secs(gap))
			case -gap > 1/v.FPS+1024/float64(a.SampleRate):
				add("audio stops %ss before the video", secs(-gap))
			}
		}
	}
	if info.Layout != nil {
		if info.Layout.Fragmented {
			add("fragmented MP4")
		}
		for _, el := range info.Layout.EditLists {
			if el.Entries > 1 || el.MediaTime < 0 {
				add("edit list on track %d cuts or delays the media", el.TrackID)
			}
		}
	}
	return len(why) == 0, why
}

// RemuxCommand copies a conforming file's first video and audio streams
// into a new MP4 with moov first and no edit list, without re-encoding
// (`-c copy`); the bitstream is untouched. A file without audio gets a
// silent AAC track, as every render has one.
func RemuxCommand(info *MediaInfo, output string) (*Command, error) {
	return remux(info, output, false)
}

// remux builds RemuxCommand; with maybeAudio (before the probe has said
// whether there is audio) the first audio stream is copied if there is one.
func remux(info *MediaInfo, output string, maybeAudio bool) (*Command, error) {
	if !filepath.IsAbs(output) {
		return nil, fmt.Errorf("remux: output %q is not an absolute path", output)
	}
	if info.Video == nil && !maybeAudio {
		return nil, fmt.Errorf("remux %s: no video stream", info.Path)
	}
	g := newGraph()
	in := g.input("file:"+info.Path, o("f", info.Format.Demuxer), o("protocol_whitelist", "file"))
	maps := []pad{g.stream(in, "v:0")}
	opts := []kv{o("c:v", "copy")}
	switch {
	case maybeAudio:
		maps = append(maps, g.stream(in, "a:0?"))
		opts = append(opts, o("c:a", "copy"))
	case info.Audio != nil:
		maps = append(maps, g.stream(in, "a:0"))
		opts = append(opts, o("c:a", "copy"))
	default:
		dur := info.Video.Duration
		if dur <= 0 {
			dur = info.Duration
		}
		sil := g.input(fmt.Sprintf("anullsrc=channel_layout=stereo:sample_rate=%d", outSampleRate),
			o("f", "lavfi"), o("t", secs(dur)))
		maps = append(maps, g.stream(sil, "a:0"))
		opts = append(opts, o("c:a", "aac"), o("b:a", outAudioBitrate))
	}
	opts = append(opts,
		o("movflags", "+faststart"), o("use_editlist", "0"),
		o("map_metadata", "-1"), o("map_chapters", "-1"), o("f", "mp4"))
	args, err := g.argv(outSpec{maps: maps, opts: opts, url: "file:" + output})
	if err != nil {
		return nil, err
	}
	return &Command{Op: "remux", Args: args, Output: output, Duration: info.Duration}, nil
}

// CoverCommand grabs the frame at `at` seconds of a (rendered) video as a
// JPEG, for cover.at. Times past the end take the last frame.
func CoverCommand(info *MediaInfo, at float64, output string) (*Command, error) {
	if info.Duration > 0 {
		at = math.Max(0, math.Min(at, info.Duration-0.1))
	}
	var seek []kv
	if at > 0 {
		seek = []kv{o("ss", secs(at))}
	}
	g, v, err := jpegInput("cover", info, output, "no video stream", seek...)
	if err != nil {
		return nil, err
	}
	v = g.chain(v, "scale", o("out_range", "pc"), o("flags", scalerMain))
	return jpegCommand(g, v, "cover", output)
}

// CoverImageCommand turns a cover image into a JPEG of the preset's frame
// (centre crop), for cover.image.
func CoverImageCommand(info *MediaInfo, p Preset, output string) (*Command, error) {
	g, v, err := jpegInput("cover", info, output, "no picture")
	if err != nil {
		return nil, err
	}
	pl := &plan{w: p.Width, h: p.Height}
	v = pl.coverCrop(g, v)
	v = g.chain(v, "scale", o("w", fmt.Sprint(p.Width)), o("h", fmt.Sprint(p.Height)), o("flags", scalerMain), o("out_range", "pc"))
	return jpegCommand(g, v, "cover", output)
}

// jpegInput starts a cover's graph at the first video stream of info,
// after the checks both covers make: the output must be an absolute path
// (ffmpeg does not run in the caller's folder) and the input must have a
// picture; missing says what the error calls its absence (a rendered video
// lacks a stream, a cover image a picture). inOpts follow the input's
// demuxer options (a seek).
func jpegInput(op string, info *MediaInfo, output, missing string, inOpts ...kv) (*graph, pad, error) {
	if !filepath.IsAbs(output) {
		return nil, pad{}, fmt.Errorf("%s: output %q is not an absolute path", op, output)
	}
	if info.Video == nil {
		return nil, pad{}, fmt.Errorf("%s %s: %s", op, info.Path, missing)
	}
	g := newGraph()
	opts := append([]kv{o("f", info.Format.Demuxer), o("protocol_whitelist", "file")}, inOpts...)
	return g, g.stream(g.input("file:"+info.Path, opts...), "v:0"), nil
}

// ImageCommand renders a still for the image preset: JPEG, at most 1440 px
// wide, cropped (centre) into Instagram's 4:5 … 1.91:1.
func ImageCommand(info *MediaInfo, output string) (*Command, error) {
	if !filepath.IsAbs(output) {
		return nil, fmt.Errorf("image: output %q is not an absolute path", output)
	}
	v := info.Video
	if v == nil || v.DisplayWidth <= 0 || v.DisplayHeight <= 0 {
		return nil, fmt.Errorf("image %s: no picture size", info.Path)
	}
	cw, ch := imageCrop(v.DisplayWidth, v.DisplayHeight)
	sw, sh := cw, ch
	if sw > maxImageWidth {
		sw = maxImageWidth
		sh = int(math.Round(float64(ch) * maxImageWidth / float64(cw)))
	}
	g := newGraph()
	in := g.input("file:"+info.Path, o("f", info.Format.Demuxer), o("protocol_whitelist", "file"))
	p := g.stream(in, "v:0")
	if cw != v.DisplayWidth || ch != v.DisplayHeight {
		p = g.chain(p, "crop", o("w", fmt.Sprint(cw)), o("h", fmt.Sprint(ch)))
	}
	p = g.chain(p, "scale", o("w", fmt.Sprint(sw)), o("h", fmt.Sprint(sh)), o("flags", scalerMain), o("out_range", "pc"))
	return jpegCommand(g, p, "image", output)
}

// imageCrop returns the largest centre crop of w×h within 4:5 … 1.91:1.
func imageCrop(w, h int) (int, int) {
	a := float64(w) / float64(h)
	switch {
	case a > imageMaxAspect:
		return int(math.Floor(float64(h) * imageMaxAspect)), h
	case a < imageMinAspect:
		return w, int(math.Floor(float64(w) / imageMinAspect))
	}
	return w, h
}

// jpegCommand ends a still's graph: v in full-range 4:2:0, the form a
// JPEG holds, encoded as one frame.
func jpegCommand(g *graph, v pad, op, output string) (*Command, error) {
	v = g.chain(v, "format", o("pix_fmts", "yuvj420p"))
	// the mjpeg muxer writes the single frame as a plain JPEG file and,
	// unlike image2, never reads the output name as a %d pattern
	args, err := g.argv(outSpec{maps: []pad{v}, url: "file:" + output, opts: []kv{
		o("frames:v", "1"), o("c:v", "mjpeg"), o("q:v", "2"), o("map_metadata", "-1"), o("f", "mjpeg"),
	}})
	if err != nil {
		return nil, err
	}
	return &Command{Op: op, Args: args, Output: output}, nil
}
