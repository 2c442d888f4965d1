package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// The audio format everything is converted to before it is joined or mixed.
var audioFormat = []kv{o("sample_fmts", "fltp"), o("sample_rates", fmt.Sprint(outSampleRate)), o("channel_layouts", "stereo")}

// Ducking: the music drops by up to ~18 dB while the clips' own audio is
// above about -34 dBFS, attacking fast and letting go slowly so speech is
// not pumped.
var duckOpts = []kv{o("threshold", "0.02"), o("ratio", "8"), o("attack", "20"), o("release", "400"), o("makeup", "1")}

// Loudness targets besides the integrated one (EBU R128 practice for
// social video): true peak -1.5 dBTP, loudness range 11 LU.
const (
	loudnessTP  = -1.5
	loudnessLRA = 11.0
)

// clipAudio produces exactly cp.samples samples of 48 kHz stereo: the clip's
// own audio (resampled in sync with its timestamps, sped up with atempo,
// scaled by volume) or silence when it has none or is muted.
func (p *plan) clipAudio(g *graph, cp *clipPlan, in int, silence *int) (pad, error) {
	c := cp.clip
	n := fmt.Sprint(cp.samples)
	if !c.IsVideo() || cp.info.Audio == nil || c.VolumeOrDefault() == 0 {
		if *silence < 0 {
			*silence = g.input(fmt.Sprintf("anullsrc=channel_layout=stereo:sample_rate=%d", outSampleRate),
				o("f", "lavfi"), o("t", secs(p.duration()+1)))
		}
		a := g.stream(*silence, "a:0")
		return g.chain(a, "atrim", o("end_sample", n)), nil
	}
	a := g.stream(in, "a:0")
	// async fills gaps and first_pts=0 pads a late start: the audio stays
	// where its timestamps say, in step with the video's fps filter
	a = g.chain(a, "aresample", o("async", "1"), o("first_pts", "0"))
	a = g.chain(a, "aformat", audioFormat...)
	for _, t := range atempoChain(c.SpeedOrDefault()) {
		a = g.chain(a, "atempo", o("tempo", num(t)))
	}
	if v := c.VolumeOrDefault(); v != 1 {
		a = g.chain(a, "volume", o("volume", num(v)))
	}
	a = g.chain(a, "apad", o("whole_len", n))
	return g.chain(a, "atrim", o("end_sample", n)), nil
}

// atempoChain splits a speed factor into atempo steps within 0.5..2, where
// atempo sounds best.
func atempoChain(speed float64) []float64 {
	if speed == 1 {
		return nil
	}
	var out []float64
	for speed > 2 {
		out = append(out, 2)
		speed /= 2
	}
	for speed < 0.5 {
		out = append(out, 0.5)
		speed /= 0.5
	}
	if math.Abs(speed-1) > 1e-9 {
		out = append(out, math.Round(speed*1e6)/1e6)
	}
	return out
}

// mix lays the music tracks under the clip audio (ducked where asked),
// then normalises loudness. With analysis set it ends in loudnorm's
// measurement instead.
func (p *plan) mix(g *graph, clipAudio pad, analysis bool) (pad, error) {
	s := p.spec
	total := p.duration()
	var music, ducked []pad
	for i := range s.Audio {
		t := &s.Audio[i]
		key := fmt.Sprintf("audio[%d]", i)
		info := p.opts.Media[t.File]
		if info == nil {
			return pad{}, fmt.Errorf("build: no probe for %s (%s.file)", t.File, key)
		}
		if info.Audio == nil {
			return pad{}, s.errAt(key+".file", "%s has no audio stream", filepath.Base(t.File))
		}
		if t.Start >= total {
			return pad{}, s.errAt(key+".start", "%ss is after the end of the video (%ss)", num(t.Start), secs(total))
		}
		length := total - t.Start
		if end := info.Duration; t.Out > 0 || end > 0 {
			if t.Out > 0 && (end <= 0 || t.Out < end) {
				end = t.Out
			}
			if t.In >= end {
				return pad{}, s.errAt(key+".in", "%ss is at or past the end of %s (%ss)", num(t.In), filepath.Base(t.File), secs(end))
			}
			length = min(length, end-t.In)
		}
		opts := []kv{o("f", info.Format.Demuxer), o("protocol_whitelist", "file")}
		if t.In > 0 {
			opts = append(opts, o("ss", secs(t.In)))
		}
		in := g.input("file:"+t.File, append(opts, o("t", secs(length)))...)
		a := g.stream(in, "a:0")
		a = g.chain(a, "aformat", audioFormat...)
		if v := t.VolumeOrDefault(); v != 1 {
			a = g.chain(a, "volume", o("volume", num(v)))
		}
		if t.FadeIn > 0 {
			a = g.chain(a, "afade", o("t", "in"), o("st", "0"), o("d", secs(min(t.FadeIn, length))))
		}
		if t.FadeOut > 0 {
			d := min(t.FadeOut, length)
			a = g.chain(a, "afade", o("t", "out"), o("st", secs(length-d)), o("d", secs(d)))
		}
		if t.Start > 0 {
			a = g.chain(a, "adelay", o("delays", fmt.Sprint(int64(math.Round(t.Start*1000)))), o("all", "1"))
		}
		if t.Duck {
			ducked = append(ducked, a)
		} else {
			music = append(music, a)
		}
	}
	a := clipAudio
	if len(music)+len(ducked) > 0 {
		sides := g.split(a, 1+len(ducked), true)
		a = sides[0]
		for i, m := range ducked {
			// the clip audio is the sidechain: when it speaks, the music ducks
			music = append(music, g.filter("sidechaincompress", []pad{m, sides[1+i]}, duckOpts...))
		}
		// duration=first: the mix is exactly as long as the video; the
		// inputs are summed as they are (no 1/n scaling)
		a = g.filter("amix", append([]pad{a}, music...),
			o("inputs", fmt.Sprint(1+len(music))), o("duration", "first"),
			o("dropout_transition", "0"), o("normalize", "0"))
	}
	if s.Loudness != nil {
		opts := []kv{o("I", num(*s.Loudness)), o("TP", num(loudnessTP)), o("LRA", num(loudnessLRA))}
		if analysis {
			return g.chain(a, "loudnorm", append(opts, o("print_format", "json"))...), nil
		}
		st := p.opts.Loudness
		if st == nil {
			return pad{}, fmt.Errorf("build: loudness %s LUFS needs the first-pass measurement (BuildLoudnessAnalysis)", num(*s.Loudness))
		}
		if !st.Silent() {
			opts = append(opts,
				o("measured_I", num2(st.InputI)), o("measured_TP", num2(st.InputTP)),
				o("measured_LRA", num2(st.InputLRA)), o("measured_thresh", num2(st.InputThresh)),
				o("offset", num2(st.TargetOffset)), o("linear", "true"), o("print_format", "none"))
			// loudnorm works (and outputs) at 192 kHz
			a = g.chain(a, "loudnorm", opts...)
			a = g.chain(a, "aresample", o("osr", fmt.Sprint(outSampleRate)))
		}
	}
	return g.chain(a, "aformat", audioFormat...), nil
}

func num2(f float64) string { return num(math.Round(f*100) / 100) }
