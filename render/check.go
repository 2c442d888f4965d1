package render

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
)

// Toolchain is what [Check] found: the binaries, their versions, and
// every missing piece with the command that fixes it (for `impress doctor`).
type Toolchain struct {
	FFmpeg, FFprobe               string // resolved paths
	FFmpegVersion, FFprobeVersion string
	Font                          string // the font drawtext will use
	// Transitions are the xfade transitions this ffmpeg has (see
	// [XfadeTransitions]); [Transitions] lists those a spec may name.
	Transitions []string
	// Fonts are the fonts a spec may name ([ListFonts]); FontsErr says why
	// there is no list (fontconfig missing: only font files then).
	Fonts    []FontFace
	FontsErr string
	Problems []Problem
}

// Problem is one missing piece. Fatal ones stop renders; the others
// disable a feature (HDR input needs zscale and tonemap).
type Problem struct {
	Item    string `json:"item"`    // "ffmpeg", "encoder libx264", "filter xfade", "font"
	Message string `json:"message"` // what is wrong
	Fix     string `json:"fix"`     // the command that fixes it
	Fatal   bool   `json:"fatal"`
}

// OK reports whether renders can run (no fatal problem).
func (t *Toolchain) OK() bool {
	for _, p := range t.Problems {
		if p.Fatal {
			return false
		}
	}
	return true
}

// What impress uses from ffmpeg. Keep in step with the builder.
var (
	requiredEncoders = []string{"libx264", "aac", "mjpeg"}
	requiredFilters  = []string{
		"scale", "crop", "pad", "boxblur", "overlay", "split", "asplit", "format", "setsar", "setpts",
		"settb", "fps", "trim", "atrim", "tpad", "apad", "loop", "zoompan", "concat", "xfade",
		"acrossfade", "drawtext", "drawbox", "ass", "lut", "color", "aresample", "aformat", "atempo",
		"volume", "afade", "adelay", "sidechaincompress", "amix", "loudnorm",
	}
	// optionalFilters serve one feature each: without them the rest works.
	optionalFilters = map[string]string{
		"zscale":    "HDR input",
		"tonemap":   "HDR input",
		"gradients": "gradient title cards (ffmpeg 4.4 or later)",
	}
	requiredDemuxers = []string{"mov", "lavfi", "jpeg_pipe", "png_pipe"}
)

// fontCandidates are tried in order: DejaVu Sans Bold (readable over
// video) where distributions put it, then common fallbacks.
var fontCandidates = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",       // Debian, Ubuntu
	"/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",     // Fedora
	"/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",                // older Fedora, Alpine
	"/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",                   // Arch
	"/usr/local/share/fonts/dejavu/DejaVuSans-Bold.ttf",          // FreeBSD
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",            // Debian, regular only
	"/opt/homebrew/share/fonts/dejavu-fonts/DejaVuSans-Bold.ttf", // Homebrew
	"/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
	"/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf",
	"/System/Library/Fonts/Supplemental/Arial Bold.ttf", // macOS
	"/Library/Fonts/Arial Bold.ttf",
	"/System/Library/Fonts/Helvetica.ttc",
	`C:\Windows\Fonts\arialbd.ttf`,
}

// FindFont returns the first existing font among preferred (e.g. the
// user's configured font) and the built-in candidates, or "".
func FindFont(preferred ...string) string {
	for _, p := range append(append([]string(nil), preferred...), fontCandidates...) {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// installFix is how to install pkg here, the command in backquotes (doctor
// prints it as a fix; commands in backquotes work as printed).
func installFix(pkg string) string {
	switch runtime.GOOS {
	case "darwin":
		if pkg == "fonts" {
			return "`brew install --cask font-dejavu`"
		}
		return "`brew install ffmpeg`"
	case "windows":
		return "`winget install ffmpeg`"
	}
	if pkg == "fonts" {
		return "`sudo apt-get install fonts-dejavu-core` (or your distribution's DejaVu fonts package)"
	}
	return "`sudo apt-get install ffmpeg` (or your distribution's ffmpeg package with libx264)"
}

// Check finds ffmpeg and ffprobe (names are looked up in PATH), reads
// their versions, and checks the encoders, filters and demuxers renders
// use, and that a font exists. It returns the Toolchain in every case;
// the error (matching ErrToolMissing) lists the fatal problems.
func Check(ctx context.Context, ffmpegPath, ffprobePath string) (*Toolchain, error) {
	tc := &Toolchain{}
	fail := func(item, msg, fix string, fatal bool) {
		tc.Problems = append(tc.Problems, Problem{Item: item, Message: msg, Fix: fix, Fatal: fatal})
	}
	var err error
	if tc.FFmpeg, err = lookTool(ffmpegPath, "ffmpeg"); err != nil {
		fail("ffmpeg", err.Error(), installFix("ffmpeg"), true)
	}
	if tc.FFprobe, err = lookTool(ffprobePath, "ffprobe"); err != nil {
		fail("ffprobe", err.Error(), installFix("ffmpeg"), true)
	}
	if tc.FFmpeg != "" {
		tc.FFmpegVersion, err = toolVersion(ctx, tc.FFmpeg)
		if err != nil {
			fail("ffmpeg", fmt.Sprintf("%s does not run: %v", tc.FFmpeg, err), installFix("ffmpeg"), true)
			tc.FFmpeg = ""
		}
	}
	if tc.FFprobe != "" {
		tc.FFprobeVersion, err = toolVersion(ctx, tc.FFprobe)
		if err != nil {
			fail("ffprobe", fmt.Sprintf("%s does not run: %v", tc.FFprobe, err), installFix("ffmpeg"), true)
		}
	}
	if tc.FFmpeg != "" {
		optional := slices.Sorted(maps.Keys(optionalFilters))
		lists := []struct {
			flag, kind string
			names      []string
			fatal      bool
		}{
			{"-encoders", "encoder", requiredEncoders, true},
			{"-filters", "filter", requiredFilters, true},
			{"-filters", "filter", optional, false},
			{"-demuxers", "demuxer", requiredDemuxers, true},
		}
		cache := map[string]map[string]bool{}
		for _, l := range lists {
			have, ok := cache[l.flag]
			if !ok {
				have, err = toolList(ctx, tc.FFmpeg, l.flag)
				if err != nil {
					fail("ffmpeg", fmt.Sprintf("ffmpeg %s: %v", l.flag, err), installFix("ffmpeg"), true)
					break
				}
				cache[l.flag] = have
			}
			for _, n := range l.names {
				if !have[n] {
					msg := fmt.Sprintf("ffmpeg has no %s %s", n, l.kind)
					if !l.fatal {
						msg += " (needed only for " + optionalFilters[n] + ")"
					}
					fail(l.kind+" "+n, msg, installFix("ffmpeg"), l.fatal)
				}
			}
		}
	}
	if tc.FFmpeg != "" {
		// not a problem when some are missing: doctor shows what there is
		// and a spec naming a missing one is refused with this list
		tc.Transitions, _ = XfadeTransitions(ctx, tc.FFmpeg)
	}
	if tc.Fonts, err = ListFonts(ctx); err != nil {
		tc.FontsErr = err.Error()
	}
	if tc.Font = FindFont(); tc.Font == "" {
		fail("font", "no font for titles and captions found", installFix("fonts"), true)
	}
	if !tc.OK() {
		var items []string
		for _, p := range tc.Problems {
			if p.Fatal {
				items = append(items, p.Item)
			}
		}
		return tc, fmt.Errorf("%w: missing %s", ErrToolMissing, strings.Join(items, ", "))
	}
	return tc, nil
}

func lookTool(path, name string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s not found: %w", path, err)
	}
	return p, nil
}

// toolVersion is the version number from VersionLine.
func toolVersion(ctx context.Context, bin string) (string, error) {
	line, err := VersionLine(ctx, bin)
	if err != nil {
		return "", err
	}
	f := strings.Fields(line)
	if len(f) < 3 || f[1] != "version" {
		return "", fmt.Errorf("unexpected version line %q", line)
	}
	return f[2], nil
}

// toolList reads `ffmpeg -encoders|-filters|-demuxers` (once per binary,
// through MemoTool): after the legend, each line is flags, name(s),
// description.
func toolList(ctx context.Context, bin, flag string) (map[string]bool, error) {
	out, err := MemoTool(ctx, bin, flag, func(ctx context.Context, p string) (string, error) {
		out, err := runCapture(ctx, p, []string{"-hide_banner", flag})
		return string(out), err
	})
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	started := false
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "--" || strings.HasPrefix(strings.TrimSpace(line), "---") {
			started = true
			continue
		}
		f := strings.Fields(line)
		if !started || len(f) < 2 {
			continue
		}
		for _, n := range strings.Split(f[1], ",") {
			have[n] = true
		}
	}
	if !started {
		// -demuxers has no "--" line in some versions: take every entry
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && len(f[0]) <= 6 {
				for _, n := range strings.Split(f[1], ",") {
					have[n] = true
				}
			}
		}
	}
	return have, nil
}

// builderVersion changes whenever the builder's output for the same inputs
// changes, so cached renders from an older impress are not reused.
const builderVersion = "render-2" // 2: texts laid out in the safe area, captions above the UI

// CacheKey identifies a render: the canonical spec (the bytes of
// [MarshalSpec] of the spec the daemon renders), the sha256 of every input
// file in [Spec.MediaPaths] order, the preset (with "-preview" when
// previewing), the ffmpeg version, and the builder version. Equal keys
// mean an equal output, so the daemon may return its cached file.
func CacheKey(spec []byte, inputHashes []string, preset, ffmpegVersion string) string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(builderVersion))
	field(spec)
	field([]byte(fmt.Sprint(len(inputHashes))))
	for _, ih := range inputHashes {
		field([]byte(ih))
	}
	field([]byte(preset))
	field([]byte(ffmpegVersion))
	return hex.EncodeToString(h.Sum(nil))
}
