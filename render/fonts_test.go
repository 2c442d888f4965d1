package render

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

func TestFindFace(t *testing.T) {
	faces := parseFCList([]byte(strings.Join([]string{
		"DejaVu Sans\tBold\tDejaVu Sans Bold\t/f/DejaVuSans-Bold.ttf",
		"DejaVu Sans\tBook\tDejaVu Sans\t/f/DejaVuSans.ttf",
		"DejaVu Serif,DejaVu Serif Condensed\tCondensed Italic,Italic\tDejaVu Serif Condensed Italic\t/f/DejaVuSerifCondensed-Italic.ttf",
		"DejaVu Serif\tItalic\tDejaVu Serif Italic\t/f/DejaVuSerif-Italic.ttf",
		"Brand Sans,Brand\tRegular\tBrand Sans\t/f/brand.otf",
		"broken line",
	}, "\n")))
	for name, want := range map[string]string{
		"DejaVu Sans Bold":              "/f/DejaVuSans-Bold.ttf",
		"dejavu  sans bold":             "/f/DejaVuSans-Bold.ttf",
		"DejaVu Sans":                   "/f/DejaVuSans.ttf",
		"DejaVu Serif Italic":           "/f/DejaVuSerif-Italic.ttf",
		"DejaVu Serif Condensed Italic": "/f/DejaVuSerifCondensed-Italic.ttf",
		"Brand":                         "/f/brand.otf",
	} {
		if got, ok := findFace(name, faces); !ok || got != want {
			t.Errorf("findFace(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"DejaVu", "Sans Bold", "DejaVu Sans Black", ""} {
		if got, ok := findFace(name, faces); ok {
			t.Errorf("findFace(%q) = %q, want no match", name, got)
		}
	}
	if got := Families(faces); strings.Join(got, "|") != "Brand Sans|DejaVu Sans|DejaVu Serif" {
		t.Errorf("Families = %q", got)
	}
}

func requireFontconfig(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("fc-list"); err != nil {
		t.Skip("fontconfig (fc-list) not installed")
	}
}

func TestResolveFontsInstalled(t *testing.T) {
	requireFontconfig(t)
	s, err := ParseSpec([]byte(`version: 1
name: f
defaults:
  text: {font: "DejaVu Sans Bold"}
clips:
  - color: black
texts:
  - text: a
  - text: b
    font: DejaVu Sans Mono
  - text: c
    font: /somewhere/brand.ttf
`), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := ResolveFonts(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(fonts) != 2 || filepath.Base(fonts["DejaVu Sans Bold"]) != "DejaVuSans-Bold.ttf" || filepath.Base(fonts["DejaVu Sans Mono"]) != "DejaVuSansMono.ttf" {
		t.Errorf("fonts = %v", fonts)
	}
	s, _ = ParseSpec([]byte("version: 1\nname: f\nclips:\n  - color: black\ntexts:\n  - text: a\n    font: No Such Font Bold\n"), "f.yaml")
	_, err = ResolveFonts(t.Context(), s)
	wantSpecError(t, err, 7, "texts[0].font", `font "No Such Font Bold" is not installed (installed families: `)
	if !strings.Contains(err.Error(), "DejaVu Sans") {
		t.Errorf("error %v does not list what is installed", err)
	}
	// a missing default font is reported at the defaults key
	s, _ = ParseSpec([]byte("version: 1\nname: f\ndefaults:\n  text:\n    font: Nope\nclips:\n  - color: black\ntexts:\n  - text: a\n"), "f.yaml")
	_, err = ResolveFonts(t.Context(), s)
	wantSpecError(t, err, 5, "defaults.text.font", `(applied to texts[0].font) font "Nope" is not installed`)
}

// TestRenderWithFonts: a text in a font named by fontconfig and one in a
// font file next to the spec render, each with its own metrics (a
// monospaced "iiii" is much wider); a missing font and a file that is not
// a font are spec errors (bad input) naming the key.
func TestRenderWithFonts(t *testing.T) {
	t.Parallel()
	requireFontconfig(t)
	e := newE2E(t)
	mono, err := ListFonts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	monoFile, ok := findFace("DejaVu Sans Mono", mono)
	if !ok {
		t.Skip("DejaVu Sans Mono not installed")
	}
	data := testkit.ReadFile(t, monoFile)
	testkit.MkdirAll(t, filepath.Join(e.dir, "fonts"))
	testkit.WriteFile(t, filepath.Join(e.dir, "fonts", "brand.ttf"), data)
	res := e.render(`version: 1
name: fonts
clips:
  - color: black
    duration: 1.5
texts:
  - text: "iiiiiiii"
    end: 0.5
  - text: "iiiiiiii"
    font: DejaVu Sans Mono
    start: 0.5
    end: 1
  - text: "iiiiiiii"
    font: fonts/brand.ttf
    start: 1
`, true)
	width := func(at float64) int {
		f := ffmpegtest.FrameAt(t, res.Output, at)
		b := f.Find(f.All(), isWhite)
		return b.X1 - b.X0
	}
	sans, named, file := width(0.25), width(0.75), width(1.25)
	if 2*named < 3*sans || file != named {
		t.Errorf("widths of iiiiiiii: default %d, DejaVu Sans Mono %d, fonts/brand.ttf %d; want the mono ones equal and much wider", sans, named, file)
	}

	write := func(spec string) *Spec {
		path := filepath.Join(e.dir, "bad.yaml")
		testkit.WriteFile(t, path, spec)
		s, err := LoadSpec(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	req := RenderRequest{FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: filepath.Join(e.dir, "bad.mp4"), Preview: true, TempDir: e.dir}
	req.Spec = write("version: 1\nname: f\nclips:\n  - color: black\ntexts:\n  - text: a\n    font: Comic Nonexistent\n")
	_, err = Render(t.Context(), req, nil)
	wantSpecError(t, err, 7, "texts[0].font", `font "Comic Nonexistent" is not installed`)
	testkit.WriteFile(t, filepath.Join(e.dir, "fonts", "fake.ttf"), "not a font")
	req.Spec = write("version: 1\nname: f\nclips:\n  - color: black\ntexts:\n  - text: a\n    font: fonts/fake.ttf\n")
	_, err = Render(t.Context(), req, nil)
	wantSpecError(t, err, 7, "texts[0].font", "fake.ttf cannot be used")
	// a font file that is not there is refused when the spec is loaded
	path := filepath.Join(e.dir, "gone.yaml")
	testkit.WriteFile(t, path, "version: 1\nname: f\nclips:\n  - color: black\ntexts:\n  - text: a\n    font: fonts/gone.ttf\n")
	_, err = LoadSpec(path)
	wantSpecError(t, err, 7, "texts[0].font", "file not found: fonts/gone.ttf")
}
