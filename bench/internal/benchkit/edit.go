package benchkit

import "strings"

// EditSpec is the benchmark edit issue 3 tuned the render builder on: a
// 1920x1080 clip blur-fitted with a title, a fade into a zooming
// 4032x3024 photo, MP3 music ducked under the clip's sound. Its files are
// made by [EditInputs] in one directory.
const EditSpec = `version: 1
name: bench-edit
preset: reels
clips:
  - video: clip.mp4
    fit: blur
    transition: {type: fade, duration: 0.5}
  - image: photo.jpg
    duration: 2
    zoom: in
texts:
  - text: "Summer sale"
    start: 0
    end: 2.5
    position: top
    size: 80
    box: true
audio:
  - file: music.mp3
    volume: 0.3
    fade_in: 0.5
    fade_out: 1
    duck: true
`

// EditInputs is the ffmpeg arguments (after the global options) that make
// EditSpec's sources with lavfi, path naming each output: a 3 s 1920x1080
// 30 fps clip with detail and noise at a phone's ~12 Mb/s and a tone, a
// 4032x3024 photo, and ten seconds of MP3 music.
func EditInputs(path func(string) string) [][]string {
	return [][]string{
		{"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
			"-vf", "noise=alls=8", "-c:v", "libx264", "-preset", "fast", "-b:v", "12M", "-maxrate", "16M", "-bufsize", "24M",
			"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "file:" + path("clip.mp4")},
		{"-f", "lavfi", "-i", "testsrc2=size=4032x3024:rate=1:duration=1", "-vf", "noise=alls=10", "-frames:v", "1", "-q:v", "3", "-f", "mjpeg", "file:" + path("photo.jpg")},
		{"-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100:duration=10", "-c:a", "libmp3lame", "file:" + path("music.mp3")},
	}
}

// NaiveEdit is the command a user writes by hand for EditSpec, the way
// ffmpeg recipes do it: each source frame scaled twice (once to cover the
// 1080x1920 frame and blurred there, once to fit), default scalers, the
// photo looped into a 30 fps stream (decoded and scaled for every frame)
// and zoomed with zoompan, the title with drawtext. It encodes with enc,
// impress's output options ([EncoderArgs]) at x264's default preset
// ([X264Default]). font is the title's font file.
func NaiveEdit(font string, path func(string) string, enc []string, out string) []string {
	graph := strings.Join([]string{
		"[0:v]split[a][b]",
		"[a]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,boxblur=luma_radius=32:luma_power=2[bg]",
		"[b]scale=1080:1920:force_original_aspect_ratio=decrease[fg]",
		"[bg][fg]overlay=(W-w)/2:(H-h)/2,fps=30,format=yuv420p,setsar=1[v0]",
		"[1:v]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,zoompan=z='1+0.1*on/59':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=1080x1920:fps=30,format=yuv420p,setsar=1[v1]",
		"[v0][v1]xfade=transition=fade:duration=0.5:offset=2.5,drawtext=fontfile=" + font + ":text='Summer sale':fontsize=80:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=24:x=(w-text_w)/2:y=h*0.1:enable='between(t,0,2.5)'[v]",
		"[0:a]aformat=sample_rates=48000:channel_layouts=stereo,afade=t=out:st=2.5:d=0.5,apad=whole_dur=4.5[ca]",
		"[ca]asplit[c1][c2]",
		"[2:a]aformat=sample_rates=48000:channel_layouts=stereo,atrim=0:4.5,volume=0.3,afade=t=in:d=0.5,afade=t=out:st=3.5:d=1[m]",
		"[m][c2]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[md]",
		"[c1][md]amix=inputs=2:duration=first:normalize=0[a]",
	}, ";")
	args := []string{"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
		"-i", path("clip.mp4"), "-loop", "1", "-framerate", "30", "-t", "2", "-i", path("photo.jpg"), "-i", path("music.mp3"),
		"-filter_complex", graph, "-map", "[v]", "-map", "[a]"}
	return append(append(args, X264Default(enc)...), out)
}

// X264Default is enc with x264's default preset (medium), as a user's
// command would have it.
func X264Default(enc []string) []string {
	enc = append([]string(nil), enc...)
	for i := range enc {
		if enc[i] == "-preset" && i+1 < len(enc) {
			enc[i+1] = "medium"
		}
	}
	return enc
}

// EncoderArgs picks impress's output options out of its argv: everything
// after the last -map and its value, up to the output.
func EncoderArgs(argv []string) []string {
	last := -1
	for i, a := range argv {
		if a == "-map" {
			last = i
		}
	}
	return append([]string(nil), argv[last+2:len(argv)-1]...)
}
