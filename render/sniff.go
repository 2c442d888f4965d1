package render

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/impress-dev/impress/internal/safeopen"
)

// Format is what [Sniff] found in a file's first bytes.
type Format struct {
	// Kind is "video" (a container that may hold video and audio), "audio" or "image".
	Kind string
	// Demuxer is the ffmpeg input format impress forces with -f, so that a
	// renamed file cannot switch ffmpeg to a playlist or list demuxer.
	Demuxer string
	// Name is a human name for messages ("MP4/MOV", "JPEG", …).
	Name string
}

const sniffLen = 4096

// Sniff refuses anything that is not a media file impress renders, before
// ffmpeg opens it: empty files, text (a .mp4 that is really a note, an HLS
// playlist, an ffconcat list, an SDP file — each of which would make
// ffmpeg open other files or URLs), MP4s cut short, and formats impress does
// not take. The error is a *MediaError naming the file and the reason
// (bad input). On success it returns the format, whose Demuxer the builder
// forces on the input.
func Sniff(path string) (Format, error) {
	bad := func(reason string, err error) (Format, error) {
		return Format{}, &MediaError{File: path, Reason: reason, Err: err}
	}
	f, fi, err := safeopen.Open(path, safeopen.Options{MaxSize: MaxMediaBytes})
	if err != nil {
		var se *safeopen.Error
		if errors.As(err, &se) {
			return bad(se.Reason, nil) // the reason names the cause
		}
		return bad("cannot open", err)
	}
	defer f.Close()
	size := fi.Size()
	if size == 0 {
		return bad("zero bytes", nil)
	}
	head := make([]byte, min(size, sniffLen))
	if _, err := io.ReadFull(f, head); err != nil {
		return bad("cannot read", err)
	}
	if reason := textReason(head); reason != "" {
		return bad(reason, nil)
	}
	fm, ok := sniffMagic(head)
	if !ok {
		return bad("not a media file impress can use (unrecognised content; want MP4/MOV, Matroska/WebM, AVI, MPEG-TS, MP3, AAC, WAV, FLAC, Ogg, JPEG, PNG or WebP)", nil)
	}
	switch fm.Demuxer {
	case "mov":
		if _, err := readMP4Layout(f, size); err != nil {
			if errors.Is(err, errTruncated) {
				return bad("truncated MP4/MOV (the file was cut short)", err)
			}
			return bad("broken MP4/MOV structure", err)
		}
	case "jpeg_pipe":
		if !tailHas(f, size, []byte{0xFF, 0xD9}) {
			return bad("truncated JPEG (no end-of-image marker)", nil)
		}
	case "png_pipe":
		if !tailHas(f, size, []byte("IEND")) {
			return bad("truncated PNG (no IEND chunk)", nil)
		}
	}
	return fm, nil
}

// textReason names the kind of text file, or "" when head looks binary.
func textReason(head []byte) string {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	prefixes := []struct{ p, reason string }{
		{"#EXTM3U", "an HLS playlist (it would make ffmpeg open other files), not media"},
		{"ffconcat", "an ffmpeg concat list (it would make ffmpeg open other files), not media"},
		{"file ", "looks like an ffmpeg concat list (it would make ffmpeg open other files), not media"},
		{"file\t", "looks like an ffmpeg concat list (it would make ffmpeg open other files), not media"},
		{"<?xml", "an XML document (e.g. a DASH manifest), not media"},
		{"<MPD", "a DASH manifest (it would make ffmpeg open other files), not media"},
		{"[playlist]", "a playlist, not media"},
		{"v=0", "an SDP file (it would make ffmpeg open network streams), not media"},
		{"WEBVTT", "a WebVTT subtitle file; use it as captions.file"},
	}
	for _, p := range prefixes {
		if bytes.HasPrefix(trimmed, []byte(p.p)) {
			return p.reason
		}
	}
	if looksLikeText(head) {
		// an editly .json5 spec, a spec with the wrong extension
		return "a text file, not media (a spec file must end in .yaml, .yml or .json)"
	}
	return ""
}

// looksLikeText: valid UTF-8 (allowing a cut final rune) with no control
// bytes other than tab, CR and LF. Real media headers have NULs early on.
func looksLikeText(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if len(b)-i < utf8.UTFMax && len(b) == sniffLen {
				return true // a rune cut by the read window
			}
			return false
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
		if r == 0x7f {
			return false
		}
		i += n
	}
	return true
}

func sniffMagic(b []byte) (Format, bool) {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case has(4, "ftyp"):
		brand := ""
		if len(b) >= 12 {
			brand = string(b[8:12])
		}
		switch brand {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis":
			return Format{}, false // HEIF/AVIF stills: ffmpeg 5 cannot read them as images
		}
		return Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"}, true
	case has(4, "moov"), has(4, "mdat"), has(4, "wide"), has(4, "free"), has(4, "skip"), has(4, "pnot"):
		return Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"}, true
	case has(0, "\x1A\x45\xDF\xA3"):
		return Format{Kind: "video", Demuxer: "matroska", Name: "Matroska/WebM"}, true
	case has(0, "RIFF") && has(8, "AVI "):
		return Format{Kind: "video", Demuxer: "avi", Name: "AVI"}, true
	case has(0, "RIFF") && has(8, "WAVE"):
		return Format{Kind: "audio", Demuxer: "wav", Name: "WAV"}, true
	case has(0, "RIFF") && has(8, "WEBP"):
		return Format{Kind: "image", Demuxer: "webp_pipe", Name: "WebP"}, true
	case len(b) > 376 && b[0] == 0x47 && b[188] == 0x47 && b[376] == 0x47:
		return Format{Kind: "video", Demuxer: "mpegts", Name: "MPEG-TS"}, true
	case has(0, "\xFF\xD8\xFF"):
		return Format{Kind: "image", Demuxer: "jpeg_pipe", Name: "JPEG"}, true
	case has(0, "\x89PNG\r\n\x1a\n"):
		return Format{Kind: "image", Demuxer: "png_pipe", Name: "PNG"}, true
	case has(0, "fLaC"):
		return Format{Kind: "audio", Demuxer: "flac", Name: "FLAC"}, true
	case has(0, "OggS"):
		return Format{Kind: "audio", Demuxer: "ogg", Name: "Ogg"}, true
	case has(0, "ID3"):
		return Format{Kind: "audio", Demuxer: "mp3", Name: "MP3"}, true
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0:
		return Format{Kind: "audio", Demuxer: "aac", Name: "AAC (ADTS)"}, true
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return Format{Kind: "audio", Demuxer: "mp3", Name: "MP3"}, true
	}
	return Format{}, false
}

// tailHas reports whether marker occurs in the last 64 KiB of the file
// (JPEG and PNG writers may leave padding after the end marker).
func tailHas(r io.ReaderAt, size int64, marker []byte) bool {
	n := min(size, 64<<10)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	return bytes.Contains(buf, marker)
}
