package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// hostileTitles are titles that would break or inject into a filter graph
// if they were ever interpolated into one (docs/SECURITY.md §6).
var hostileTitles = []string{
	`50% OFF: today's deal`,
	`a, b; c: [d] 'e' \f %{g} =h "i"`,
	`hello,drawtext=textfile=/etc/hostname:y=100`,
	`x'[out];movie=/etc/passwd[in];[in]`,
	`%{localtime} %{pts} %{eif:1:d} \%`,
	"first line\nsecond line: with = and ;\nthird\t[tab]",
	`/text=/etc/hostname`,
	`''''\\\\;;;,,,[[[]]]{{{}}}===`,
	"ünïcödé ☀️ العربية 中文",
}

func TestHostileTextNeverEntersTheGraph(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true})
	var yaml strings.Builder
	yaml.WriteString("version: 1\nname: t\nclips:\n  - video: a.mp4\ntexts:\n")
	for i, title := range hostileTitles {
		yaml.WriteString("  - text: " + yamlQuote(title) + "\n    box: true\n    position: {x: 0.5, y: " + num(0.1+0.08*float64(i)) + "}\n")
	}
	srt := ffmpegtest.SRT(t, []ffmpegtest.Cue{{Start: 0, End: time.Second, Text: hostileTitles[1]}})
	yaml.WriteString("captions:\n  file: " + srt + "\n")
	s := e.spec(yaml.String())
	for i, title := range hostileTitles {
		if s.Texts[i].Text != title {
			t.Fatalf("spec text %d = %q, want %q", i, s.Texts[i].Text, title)
		}
	}

	// the command: no title anywhere in argv, one drawtext per title (and
	// per caption line), each reading a file holding exactly its title
	media := map[string]*MediaInfo{}
	m, err := Probe(t.Context(), e.tools.FFprobe, s.Clips[0].Video)
	if err != nil {
		t.Fatal(err)
	}
	media[m.Path] = m
	cues, err := readCues(s)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := LookupPreset("reels", true)
	work := filepath.Join(e.dir, "work")
	cmd, err := Build(s, BuildOptions{Preset: pr, Media: media, Cues: cues, FontFile: FindFont(), WorkDir: work, Output: filepath.Join(e.dir, "out.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	argv := strings.Join(cmd.Args, "\x00")
	for _, title := range hostileTitles {
		for _, part := range strings.Split(title, "\n") {
			if len(part) >= 4 && strings.Contains(argv, part) {
				t.Errorf("argv contains user text %q", part)
			}
		}
	}
	for _, sink := range []string{"movie", "/etc/", "%{"} {
		if strings.Contains(argv, sink) {
			t.Errorf("argv contains %q", sink)
		}
	}
	graph := cmd.Args[indexOf(cmd.Args, "-filter_complex")+1]
	// one drawtext per line of each title, each reading a file that holds
	// that line; the lines of a title give back its words
	drawtexts := strings.Count(graph, "drawtext=")
	if drawtexts < len(hostileTitles) {
		t.Errorf("%d drawtext filters for %d titles", drawtexts, len(hostileTitles))
	}
	if n := strings.Count(graph, "expansion=none"); n != drawtexts {
		t.Errorf("%d drawtext filters without expansion=none", drawtexts-n)
	}
	if n := strings.Count(graph, "ass=filename="); n != 1 {
		t.Errorf("%d ass filters, want 1", n)
	}
	files := map[string]string{}
	for _, f := range cmd.Files {
		files[f.Name] = string(f.Data)
		if !strings.Contains(graph, filepath.Join(work, f.Name)) {
			t.Errorf("graph does not read %s", f.Name)
		}
	}
	for i, title := range hostileTitles {
		var words []string
		for j := 0; ; j++ {
			line, ok := files["text-"+num(float64(i))+"-"+num(float64(j))+".txt"]
			if !ok {
				break
			}
			words = append(words, strings.Fields(line)...)
		}
		// a word wider than the line is broken between characters: compare
		// what is not white space
		if got, want := strings.Join(words, ""), strings.Join(strings.Fields(title), ""); got != want {
			t.Errorf("the files of text %d hold %q, want %q", i, got, want)
		}
	}
	// the caption is one Dialogue line of the ASS file whose text, read
	// back the way libass reads it, is exactly the cue
	var dialogues []string
	for _, l := range strings.Split(files["captions.ass"], "\n") {
		if rest, ok := strings.CutPrefix(l, "Dialogue: "); ok {
			dialogues = append(dialogues, strings.SplitN(rest, ",", 10)[9])
		}
	}
	if len(dialogues) != 1 || unASSText(dialogues[0]) != hostileTitles[1] || strings.ContainsAny(strings.ReplaceAll(strings.ReplaceAll(dialogues[0], `\{`, ""), `\}`, ""), "{}") {
		t.Errorf("caption dialogues %q, want one holding %q with every brace escaped", dialogues, hostileTitles[1])
	}

	// and ffmpeg accepts the graph and renders it
	if err := Run(t.Context(), e.tools.FFmpeg, cmd, nil); err != nil {
		t.Fatal(err)
	}
	wantOutput(t, cmd.Output, 540, 960, 30, 30)
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("work dir not removed: %v", err)
	}
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

func TestOddFileNames(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	names := []string{
		"-y.mp4",
		"with space 'single' \"double\".mp4",
		"ünïcödé ☀️.mov",
		"new\nline.mp4",
		"colon:concat:x|y.mp4",
		"-i",
	}
	var yaml strings.Builder
	yaml.WriteString("version: 1\nname: odd\nclips:\n")
	for _, n := range names {
		e.clip(n, ffmpegtest.Opts{Audio: true, Dur: 500 * time.Millisecond})
		yaml.WriteString("  - video: " + yamlQuote(n) + "\n")
	}
	img := "%d percent %03d.jpg" // an image2 sequence pattern if ffmpeg read it as one
	ffmpegtest.ImageFile(t, 64, 64, filepath.Join(e.dir, img))
	yaml.WriteString("  - image: " + yamlQuote(img) + "\n    duration: 0.5\n")
	music := "-music [1].mp3"
	src := ffmpegtest.Tone(t, 5*time.Second, 220, "m.mp3")
	if err := os.Rename(src, filepath.Join(e.dir, music)); err != nil {
		t.Fatal(err)
	}
	yaml.WriteString("audio:\n  - file: " + yamlQuote(music) + "\n")
	s := e.spec(yaml.String())
	out := filepath.Join(e.dir, "-out 'x' ☀️\n.mp4")
	res, err := Render(t.Context(), RenderRequest{Spec: s, Preview: true, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOutput(t, res.Output, 540, 960, 30, int64(15*(len(names)+1)))
	for _, a := range res.Command[1:] {
		if strings.HasPrefix(a, e.dir) {
			t.Errorf("argument %q is a bare path (want file:…)", a)
		}
	}
}

func TestASSText(t *testing.T) {
	for _, s := range append(hostileTitles, `\N \n \h \{ \} {\b1} \\ trailing\`, "a\r\nb\u2028c\x00d") {
		enc := assText(s)
		if strings.ContainsAny(enc, "\n\r\x00") {
			t.Errorf("assText(%q) = %q spans lines", s, enc)
		}
		want := strings.NewReplacer("\r\n", "\n", "\u2028", " ", "\x00", " ", "\t", " ").Replace(s)
		if got := unASSText(enc); got != want {
			t.Errorf("unASSText(assText(%q)) = %q", s, got)
		}
		// no override block and no escape libass would act on survives
		plain := strings.NewReplacer(`\{`, "", `\}`, "", `\N`, "", `\`+wordJoiner, "").Replace(enc)
		if strings.ContainsAny(plain, `{}\`) {
			t.Errorf("assText(%q) = %q leaves an active { } or \\", s, enc)
		}
	}
}
