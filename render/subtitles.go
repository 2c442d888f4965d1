package render

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Cue is one caption: text shown from Start to End (seconds).
type Cue struct {
	Start, End float64
	Text       string // lines separated by "\n"
}

const (
	maxSubtitleBytes = 4 << 20
	maxCues          = 10000
)

// ParseSubtitles reads SRT or WebVTT (chosen by the WEBVTT header). Styling
// markup of those formats (<i>, <b>, <u>, <font …>, VTT <c>/<v>/<ruby>
// tags and inline timestamps, SRT {\an8}-style overrides) is removed; every
// other character is kept and later drawn literally.
func ParseSubtitles(data []byte) ([]Cue, error) {
	if len(data) > maxSubtitleBytes {
		return nil, fmt.Errorf("subtitles: larger than %d MB", maxSubtitleBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("subtitles: not UTF-8 text")
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	vtt := strings.HasPrefix(text, "WEBVTT")
	blocks := splitBlocks(text)
	var cues []Cue
	for bi, b := range blocks {
		lines := strings.Split(b, "\n")
		if vtt && bi == 0 {
			continue // the WEBVTT header block
		}
		if vtt && (strings.HasPrefix(lines[0], "NOTE") || lines[0] == "STYLE" || lines[0] == "REGION") {
			continue
		}
		ti := -1
		for i, l := range lines {
			if strings.Contains(l, "-->") {
				ti = i
				break
			}
		}
		if ti < 0 || ti > 1 {
			return nil, fmt.Errorf("subtitles: block %d: no timing line (want 00:00:01,000 --> 00:00:02,000)", bi+1)
		}
		start, end, err := parseCueTiming(lines[ti])
		if err != nil {
			return nil, fmt.Errorf("subtitles: block %d: %w", bi+1, err)
		}
		body := cleanCueText(strings.Join(lines[ti+1:], "\n"), vtt)
		if strings.TrimSpace(body) == "" {
			continue
		}
		cues = append(cues, Cue{Start: start, End: end, Text: body})
		if len(cues) > maxCues {
			return nil, fmt.Errorf("subtitles: more than %d cues", maxCues)
		}
	}
	if len(cues) == 0 {
		return nil, fmt.Errorf("subtitles: no cues found")
	}
	return cues, nil
}

func splitBlocks(text string) []string {
	var out []string
	for _, b := range regexp.MustCompile(`\n[ \t]*\n`).Split(text, -1) {
		b = strings.Trim(b, "\n")
		if strings.TrimSpace(b) != "" {
			out = append(out, b)
		}
	}
	return out
}

func parseCueTiming(l string) (float64, float64, error) {
	a, b, _ := strings.Cut(l, "-->")
	fields := strings.Fields(b)
	if len(fields) == 0 {
		return 0, 0, fmt.Errorf("timing line %q has no end", l)
	}
	start, err := ParseTime(strings.ReplaceAll(strings.TrimSpace(a), ",", "."))
	if err != nil {
		return 0, 0, err
	}
	end, err := ParseTime(strings.ReplaceAll(fields[0], ",", "."))
	if err != nil {
		return 0, 0, err
	}
	if end <= start {
		return 0, 0, fmt.Errorf("cue ends (%s) before it starts (%s)", FormatTime(end), FormatTime(start))
	}
	return start, end, nil
}

var (
	srtTagRE      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)</?(i|b|u|s)>|<font[^>]*>|</font>`) })
	srtOverrideRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\\[^}]*\}`) })
	vttTagRE      = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`</?(c|i|b|u|v|lang|ruby|rt)([.\s][^>]*)?>|<\d{1,2}:\d{2}(:\d{2})?\.\d{3}>`)
	})
)

func cleanCueText(s string, vtt bool) string {
	if vtt {
		s = vttTagRE().ReplaceAllString(s, "")
		s = html.UnescapeString(s)
	} else {
		s = srtTagRE().ReplaceAllString(s, "")
		s = srtOverrideRE().ReplaceAllString(s, "")
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// wordCues splits each cue into one cue per word, the cue's time shared in
// proportion to the words' lengths (a long word is on screen longer, as
// when it is spoken).
func wordCues(cues []Cue) []Cue {
	var out []Cue
	for _, c := range cues {
		words := strings.Fields(c.Text)
		if len(words) == 0 {
			continue
		}
		total := 0
		for _, w := range words {
			total += utf8.RuneCountInString(w) + 1
		}
		t := c.Start
		acc := 0
		for i, w := range words {
			acc += utf8.RuneCountInString(w) + 1
			end := c.Start + (c.End-c.Start)*float64(acc)/float64(total)
			if i == len(words)-1 {
				end = c.End
			}
			out = append(out, Cue{Start: t, End: end, Text: w})
			t = end
		}
	}
	return out
}
