package tui

import (
	"unicode"
	"unicode/utf8"
)

// Instagram's caption limits (docs/META.md §16).
const (
	maxCaptionChars = 2200
	maxHashtags     = 30
	maxMentions     = 20
)

// captionCounts are the numbers the publish screen shows live.
type captionCounts struct {
	chars, hashtags, mentions int
}

func (c captionCounts) ok() bool {
	return c.chars <= maxCaptionChars && c.hashtags <= maxHashtags && c.mentions <= maxMentions
}

// countCaption counts characters (code points), hashtags (# then letters,
// digits or _) and @mentions (@ then letters, digits, . or _). A # or @
// inside a word (mail@example.com, C#) starts nothing, as on Instagram.
func countCaption(s string) captionCounts {
	c := captionCounts{chars: utf8.RuneCountInString(s)}
	prev := ' '
	rs := []rune(s)
	for i, r := range rs {
		if (r == '#' || r == '@') && !isWordRune(prev) && i+1 < len(rs) {
			n := rs[i+1]
			switch {
			case r == '#' && (unicode.IsLetter(n) || unicode.IsDigit(n) || n == '_'):
				c.hashtags++
			case r == '@' && (isHandleRune(n) && n != '.'):
				c.mentions++
			}
		}
		prev = r
	}
	return c
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func isHandleRune(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.')
}
