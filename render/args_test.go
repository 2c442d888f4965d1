package render

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestFilterOptionEscaping: an option value is escaped for the filter's
// option parser (\ ' = :) and the whole filter again for the graph parser
// (\ ' [ ] , ;). Upstream ffmpeg-go escaped the keys only, so a value with
// ':' or '=' (a font file's path, say) became more options; the copy in
// third_party/ escapes both (third_party/README.md).
func TestFilterOptionEscaping(t *testing.T) {
	g := newGraph()
	in := g.input("file:/in.mp4")
	v := g.chain(g.stream(in, "v:0"), "drawtext", o("fontfile", `/f:o'n=t,[x];\d/a.ttf`), o("expansion", "none"))
	args, err := g.argv(outSpec{maps: []pad{v}, url: "file:/out.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	got := args[slices.Index(args, "-filter_complex")+1]
	want := `[0:v:0]drawtext=expansion=none:fontfile=/f\\:o\\\'n\\=t\,\[x\]\;\\\\d/a.ttf[s0]`
	if got != want {
		t.Errorf("graph\n got %s\nwant %s", got, want)
	}
}

// TestOddWorkDirRenders: a render whose work dir (where the text files
// drawtext reads are written) and font sit under a directory named with
// every character either level escapes. ffmpeg runs the graph, and the
// graph names the text file by its whole path, escaped twice. (ffmpeg
// alone would not catch a path cut at ':': drawtext then falls back
// quietly, so the graph is checked too.)
func TestOddWorkDirRenders(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.dir = filepath.Join(e.dir, `f:o'n=t,[x];\d`)
	if err := os.Mkdir(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	src := testkit.ReadFile(t, FindFont())
	font := filepath.Join(e.dir, "a:b=c.ttf")
	testkit.WriteFile(t, font, src)
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true, Dur: 500 * time.Millisecond})
	res := e.render("version: 1\nname: odd dir\nclips:\n  - video: a.mp4\ntexts:\n  - text: hi\n    font: "+yamlQuote(font)+"\n", true)
	wantOutput(t, res.Output, 540, 960, 30, 15)
	graph := res.Command[slices.Index(res.Command, "-filter_complex")+1]
	if !strings.Contains(graph, `textfile=`+escapeTwice(e.dir)) {
		t.Errorf("the text file is not under the odd work dir %q: %s", e.dir, graph)
	}
}

// escapeTwice is s escaped for the option parser, then the graph parser.
func escapeTwice(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `'`, `\'`, `=`, `\=`, `:`, `\:`).Replace(s)
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`, `[`, `\[`, `]`, `\]`, `,`, `\,`, `;`, `\;`).Replace(s)
}
