package render

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"

	"github.com/impress-dev/impress/internal/safeopen"
)

// fontFamily reads the family name and boldness from a TrueType/OpenType
// font (or the first font of a collection), so the caption style names the
// font drawtext also uses. Unreadable fonts give DejaVu Sans Bold, which
// libass resolves through fontconfig.
func fontFamily(path string) (string, bool) {
	const fallback = "DejaVu Sans"
	data, err := safeopen.ReadFile(path, maxFontBytes)
	if err != nil || len(data) < 12 {
		return fallback, true
	}
	family, sub, typoFamily, typoSub := fontNames(data)
	if typoFamily != "" {
		family, sub = typoFamily, typoSub
	}
	family = strings.Map(func(r rune) rune {
		if r == ',' || r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(family))
	if family == "" {
		return fallback, true
	}
	return family, strings.Contains(strings.ToLower(sub), "bold")
}

// fontNames returns name IDs 1, 2, 16 and 17 from the font's name table.
func fontNames(d []byte) (family, sub, typoFamily, typoSub string) {
	u16 := func(o int) int {
		if o < 0 || o+2 > len(d) {
			return -1
		}
		return int(binary.BigEndian.Uint16(d[o:]))
	}
	u32 := func(o int) int {
		if o < 0 || o+4 > len(d) {
			return -1
		}
		return int(binary.BigEndian.Uint32(d[o:]))
	}
	base := 0
	if string(d[:4]) == "ttcf" {
		base = u32(12)
	}
	n := u16(base + 4)
	name := -1
	for i := 0; i < n; i++ {
		rec := base + 12 + 16*i
		if rec+16 > len(d) {
			return
		}
		if string(d[rec:rec+4]) == "name" {
			name = u32(rec + 8)
		}
	}
	if name < 0 {
		return
	}
	count, strOff := u16(name+2), u16(name+4)
	if count < 0 || strOff < 0 {
		return
	}
	got := map[int]string{}
	rank := map[int]int{}
	for i := 0; i < count; i++ {
		r := name + 6 + 12*i
		platform, enc, lang, id, length, off := u16(r), u16(r+2), u16(r+4), u16(r+6), u16(r+8), u16(r+10)
		if off < 0 || length < 0 {
			return
		}
		start := name + strOff + off
		if start < 0 || start+length > len(d) {
			continue
		}
		raw := d[start : start+length]
		var text string
		score := 0
		switch {
		case platform == 3 && (enc == 1 || enc == 10) && length%2 == 0:
			u := make([]uint16, length/2)
			for j := range u {
				u[j] = binary.BigEndian.Uint16(raw[2*j:])
			}
			text = string(utf16.Decode(u))
			score = 2
			if lang == 0x409 {
				score = 3
			}
		case platform == 1 && enc == 0:
			text = string(raw) // Mac Roman; family names are ASCII in practice
			score = 1
		default:
			continue
		}
		if score > rank[id] {
			rank[id], got[id] = score, text
		}
	}
	return got[1], got[2], got[16], got[17]
}
