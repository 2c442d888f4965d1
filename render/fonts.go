package render

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// A text's font is a file path or a name fontconfig knows ("DejaVu Sans
// Bold": a family, or a family and a style). Names are looked up with
// fc-list when a render needs them, so the daemon never guesses: a name
// that is not installed is a spec error naming it.

// FontFace is one installed font as fontconfig lists it.
type FontFace struct {
	// Family is the face's family name ("DejaVu Sans"); Style its style
	// ("Bold"); FullName both, as the font names itself.
	Family   string `json:"family"`
	Style    string `json:"style"`
	FullName string `json:"full_name"`
	File     string `json:"file"`
	// other family and style names the font gives (localised, condensed…)
	families, styles []string
}

// ErrNoFontconfig: fc-list is not installed, so font names cannot be
// looked up (font files by path still work).
var ErrNoFontconfig = errors.New("fontconfig's fc-list is not installed")

// ListFonts returns the fonts fontconfig knows, sorted by family and
// style (for `impress doctor` and for resolving names).
func ListFonts(ctx context.Context) ([]FontFace, error) {
	bin, err := exec.LookPath("fc-list")
	if err != nil {
		return nil, ErrNoFontconfig
	}
	out, err := runCapture(ctx, bin, []string{"--format", "%{family}\t%{style}\t%{fullname}\t%{file}\n"})
	if err != nil {
		return nil, fmt.Errorf("fc-list: %w", err)
	}
	return parseFCList(out), nil
}

// parseFCList reads fc-list's tab-separated lines; family and style may
// hold several comma-separated names, the first being the usual one.
func parseFCList(out []byte) []FontFace {
	var faces []FontFace
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 || f[0] == "" || f[3] == "" {
			continue
		}
		split := func(s string) []string {
			var out []string
			for _, p := range strings.Split(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		}
		fam, sty := split(f[0]), split(f[1])
		if len(sty) == 0 {
			sty = []string{"Regular"}
		}
		full, _, _ := strings.Cut(f[2], ",")
		faces = append(faces, FontFace{Family: fam[0], Style: sty[0], FullName: full, File: f[3], families: fam, styles: sty})
	}
	slices.SortFunc(faces, func(a, b FontFace) int {
		return cmpStrings(a.Family, b.Family, a.Style, b.Style, a.File, b.File)
	})
	return faces
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

func normFont(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// regularStyles are what a bare family name means.
var regularStyles = []string{"regular", "book", "normal", "roman", "medium"}

// findFace returns the file of the face a name means, trying in turn: the
// font's full name; its own family and a style; another of its family
// names and a style; the regular face of its family; of another name.
func findFace(name string, faces []FontFace) (string, bool) {
	n := normFont(name)
	regular := func(f FontFace) bool {
		return slices.ContainsFunc(f.styles, func(st string) bool { return slices.Contains(regularStyles, normFont(st)) })
	}
	passes := []func(f FontFace) bool{
		func(f FontFace) bool { return normFont(f.FullName) == n },
		func(f FontFace) bool {
			return slices.ContainsFunc(f.styles, func(st string) bool { return normFont(f.Family+" "+st) == n })
		},
		func(f FontFace) bool {
			return slices.ContainsFunc(f.families, func(fam string) bool {
				return slices.ContainsFunc(f.styles, func(st string) bool { return normFont(fam+" "+st) == n })
			})
		},
		func(f FontFace) bool { return normFont(f.Family) == n && regular(f) },
		func(f FontFace) bool {
			return regular(f) && slices.ContainsFunc(f.families, func(fam string) bool { return normFont(fam) == n })
		},
	}
	for _, match := range passes {
		for _, f := range faces {
			if match(f) {
				return f.File, true
			}
		}
	}
	return "", false
}

// Families lists the distinct family names of faces, sorted.
func Families(faces []FontFace) []string {
	var out []string
	for _, f := range faces {
		if !slices.Contains(out, f.Family) {
			out = append(out, f.Family)
		}
	}
	slices.Sort(out)
	return out
}

// ResolveFonts looks up every font name the spec's texts use (their own
// or defaults.text's; font files need no lookup) and returns name → file,
// for BuildOptions.Fonts. A name fontconfig does not know is a *SpecError
// at its key that names the font and what is installed.
func ResolveFonts(ctx context.Context, s *Spec) (map[string]string, error) {
	e := s.Effective()
	var faces []FontFace
	listed := false
	out := map[string]string{}
	for i := range e.Texts {
		name := e.Texts[i].Font
		if name == "" || isFontPath(name) {
			continue
		}
		if _, ok := out[name]; ok {
			continue
		}
		key := fmt.Sprintf("texts[%d].font", i)
		if !listed {
			var err error
			if faces, err = ListFonts(ctx); err != nil {
				if errors.Is(err, ErrNoFontconfig) {
					return nil, e.errAt(key, "font %q: font names are looked up with fontconfig, which is not installed (apt-get install fontconfig); or give the font file's path", name)
				}
				return nil, err
			}
			listed = true
		}
		file, ok := findFace(name, faces)
		if !ok {
			return nil, e.errAt(key, "font %q is not installed (installed families: %s); install it, or give a .ttf/.otf file's path", name, strings.Join(Families(faces), ", "))
		}
		out[name] = file
	}
	return out, nil
}
