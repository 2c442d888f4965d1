// Package render turns impress project specs and media files into
// Instagram-ready video with ffmpeg. It is a leaf: it imports no other
// impress package, keeps no state, and never logs; the daemon drives it.
//
// # The way through
//
//	spec, err := render.LoadSpec("summer.yaml")       // ParseSpec + Resolve: *SpecError with key and line
//	res, err := render.Render(ctx, render.RenderRequest{
//		Spec: spec, FFmpeg: ff, FFprobe: fp,
//		Output: "/data/renders/summer.mp4", Cover: "/data/renders/summer.jpg",
//	}, func(p render.Progress) { … })                  // stages: probe, analyze, encode|remux, validate, cover, done
//	if len(res.Violations) > 0 { … }                     // not publishable
//
// [Render] is a convenience over the pieces, which the daemon may also use
// one by one:
//
//   - Specs: [ParseSpec] (YAML or JSON, line-accurate [SpecError]),
//     [Spec.Resolve] (absolute paths, missing files), [MarshalSpec] (the
//     export/apply round trip and the canonical bytes for [CacheKey]),
//     [Spec.Effective] (the defaults block applied), [Spec.MediaRefs] (every
//     file key of a spec, for the daemon's media store). The value lists a
//     spec accepts are api's (values.go names them).
//   - Layout: texts wrapped and placed in the preset's safe area (clear of
//     Instagram's interface; docs/LAYOUT.md), measured with the font's own
//     metrics; [Lint] returns the [Warning]s (text under the UI, text cut
//     short) without encoding. Fonts are files or fontconfig names
//     ([ResolveFonts], [ListFonts]); transitions are checked against the
//     installed ffmpeg ([XfadeTransitions]).
//   - Presets: [LookupPreset] (reels, story, feed, square, preview, image).
//   - Media: [Sniff] refuses what is not media before ffmpeg opens it (text
//     named .mp4, empty or truncated files, HLS playlists, concat lists) with
//     a [MediaError]; [Probe] runs ffprobe and reads the MP4 boxes
//     ([MediaInfo]: rotation, VFR, HDR, bit depth, moov position, edit lists).
//   - Commands: [Build] makes ONE ffmpeg command with ONE filter graph and no
//     intermediate files; [BuildLoudnessAnalysis] its audio-only first
//     loudness pass; [Conforms] and [RemuxCommand] the fast path;
//     [CoverCommand], [CoverImageCommand], [ImageCommand].
//   - Running: [Run] (process group, -progress parsing, temp output renamed on
//     success, stderr tail in [FFmpegError]), [MeasureLoudness].
//   - Checks: [Validate] and [ValidateCaption] against Instagram's rules,
//     [Check] for `impress doctor`, [CacheKey] for the daemon's render cache.
//
// # Errors
//
// [ErrInvalidSpec] (every [SpecError]) and [ErrInvalidMedia] (every
// [MediaError]) mean bad input, nothing changed. A cancelled context
// comes back wrapped. [ErrFFmpeg] ([FFmpegError], with ffmpeg's last
// stderr lines) and [ErrToolMissing] mean the toolchain failed. (The
// daemon turns these into wire codes; the CLI, into exit codes.)
//
// # Safety
//
// No user text ever enters a filter string: titles and captions are written
// to files in a private 0700 work dir and drawn with drawtext's textfile=
// and expansion=none. Filter option values are only numbers, enum words and
// paths impress chose, escaped for both filter-graph levels. Every input is
// an absolute path passed as file:<path> with -protocol_whitelist file and
// its demuxer forced to what [Sniff] found, so names starting with '-', with
// spaces, quotes, colons, newlines or unicode are plain file names, and a
// renamed playlist cannot make ffmpeg open other files.
//
// # The render graph
//
// Each clip is read once, seeking to its in point with -ss/-t instead of
// decoding what is trimmed away. Video: speed (setpts), constant rate by
// timestamps (fps, so variable-rate phone footage stays in sync with its
// audio), fit to the preset frame (crop before scaling; pad; or blur, whose
// background is made from the already-scaled picture at 1/8 size with the
// cheapest scaler), BT.601/full-range/RGB sources converted to BT.709 in
// the same scale (BT.709 sources are not, which would double the scaler's
// cost), HDR tone-mapped to 8-bit BT.709 after scaling, exactly the clip's
// frame count. Rotation (display matrix, JPEG EXIF) is applied by ffmpeg's
// autorotate. Images are decoded and fitted once, then repeated or zoomed
// (zoompan). Audio: resampled in sync (aresample async), 48 kHz stereo,
// atempo, volume, exactly the clip's sample count; silence where a clip has
// none. Title cards are lavfi color or gradients sources converted like
// RGB stills. Runs of cuts are one concat; transitions are xfade +
// acrossfade. Overlays (pictures looped, videos cut to what shows) are
// overlay filters timed by their timestamps. Titles are one drawtext per
// line (with a drawbox behind them for a box); captions (SRT or WebVTT, optionally word by word)
// are one ass filter over an ASS script impress writes (text escaped so
// libass 0.17+ draws it literally). Music is delayed, faded, ducked under
// the clip audio with sidechaincompress and mixed with amix. Loudness uses
// loudnorm in two passes: the first pass is an audio-only analysis run
// (ffmpeg decodes no video for it), the second applies the measured values
// linearly. The encoder settings are the preset's: H.264 High yuv420p with
// x264 "faster" (Instagram re-encodes uploads), CRF 21 capped at 20 Mb/s,
// closed 2 s GOPs without B-pyramid, AAC-LC 48 kHz stereo 128 kb/s, MP4
// with moov first and no edit list, no source metadata.
//
// args.go writes the argv from the graph with ffmpeg-go, the patched copy in
// third_party/ whose nodes are identified by a number (upstream's summed
// hashes made planning superlinear and merged distinct chains; see
// third_party/README.md). [Run] hands the graph to ffmpeg
// in a file, not in argv (graphscript.go), so a spec at the limits
// (limits.go) stays far from the argv limit.
//
// # Fast path
//
// A single media file that already meets the preset ([Conforms]) is
// remuxed, never re-encoded: streams copied, moov moved first, edit list
// dropped, a silent track added if it has no audio. [Render] starts that
// remux speculatively while ffprobe runs (a sniffed MP4/MOV only) and
// drops it if the file does not conform.
package render
