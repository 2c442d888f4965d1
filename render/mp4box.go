package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/impress-dev/impress/internal/safeopen"
)

// MP4Layout is what the box structure of an MP4/MOV file says, read
// directly because ffprobe does not report it: where moov sits relative to
// mdat (Instagram wants moov first, "faststart"), and edit lists (Instagram
// wants none).
type MP4Layout struct {
	TopLevel   []string // top-level box types in file order
	MoovFirst  bool     // moov comes before the first mdat
	Fragmented bool     // has moof boxes
	// EditLists has one entry per track that carries an edts/elst box.
	EditLists []EditList
}

// EditList summarises one track's elst box.
type EditList struct {
	TrackID   uint32
	Entries   int
	MediaTime int64 // media_time of the first entry (-1 = empty edit, a delay)
}

var errTruncated = errors.New("truncated")

type box struct {
	typ       string
	off, size int64 // size includes the header
	hdr       int64
}

// readBoxes lists the boxes in [start, end) of r. A box that claims to run
// past end is errTruncated: the file was cut short (an interrupted copy or
// recording) and ffmpeg would read garbage or fail half way.
func readBoxes(r io.ReaderAt, start, end int64) ([]box, error) {
	var out []box
	var hdr [16]byte
	for off := start; off < end; {
		if end-off < 8 {
			return out, fmt.Errorf("%w: %d stray bytes at offset %d", errTruncated, end-off, off)
		}
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return out, err
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		h := int64(8)
		switch size {
		case 0: // runs to the end of the enclosing space
			size = end - off
		case 1:
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return out, fmt.Errorf("%w: box %q header", errTruncated, typ)
			}
			size = int64(binary.BigEndian.Uint64(hdr[8:16]))
			h = 16
		}
		if size < h {
			return out, fmt.Errorf("box %q at offset %d has an impossible size %d", printable(typ), off, size)
		}
		if off+size > end {
			return out, fmt.Errorf("%w: box %q at offset %d needs %d bytes, only %d left", errTruncated, printable(typ), off, size, end-off)
		}
		out = append(out, box{typ: typ, off: off, size: size, hdr: h})
		off += size
	}
	return out, nil
}

func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return fmt.Sprintf("%x", s)
		}
	}
	return s
}

// ReadMP4Layout reads the box structure of an MP4/MOV file.
func ReadMP4Layout(path string) (*MP4Layout, error) {
	f, fi, err := safeopen.Open(path, safeopen.Options{})
	if err != nil {
		return nil, fmt.Errorf("read mp4 layout: %w", err)
	}
	defer f.Close()
	return readMP4Layout(f, fi.Size())
}

func readMP4Layout(r io.ReaderAt, size int64) (*MP4Layout, error) {
	top, err := readBoxes(r, 0, size)
	if err != nil {
		return nil, err
	}
	l := &MP4Layout{}
	seenMdat := false
	var moov *box
	for i, b := range top {
		l.TopLevel = append(l.TopLevel, b.typ)
		switch b.typ {
		case "mdat":
			seenMdat = true
		case "moov":
			if moov == nil {
				moov = &top[i]
				l.MoovFirst = !seenMdat
			}
		case "moof":
			l.Fragmented = true
		}
	}
	if moov == nil {
		return nil, errors.New("no moov box (an unfinished recording or not an MP4)")
	}
	traks, err := readBoxes(r, moov.off+moov.hdr, moov.off+moov.size)
	if err != nil {
		return nil, fmt.Errorf("moov: %w", err)
	}
	for _, t := range traks {
		if t.typ != "trak" {
			continue
		}
		el, err := trackEditList(r, t)
		if err != nil {
			return nil, err
		}
		if el != nil {
			l.EditLists = append(l.EditLists, *el)
		}
	}
	return l, nil
}

func trackEditList(r io.ReaderAt, trak box) (*EditList, error) {
	kids, err := readBoxes(r, trak.off+trak.hdr, trak.off+trak.size)
	if err != nil {
		return nil, fmt.Errorf("trak: %w", err)
	}
	var id uint32
	var edts *box
	for i, k := range kids {
		switch k.typ {
		case "tkhd":
			// version(1) flags(3), then v0: ctime(4) mtime(4) track_id(4); v1: ctime(8) mtime(8) track_id(4)
			var b [24]byte
			n := min(int64(len(b)), k.size-k.hdr)
			if _, err := r.ReadAt(b[:n], k.off+k.hdr); err == nil && n >= 24 {
				if b[0] == 1 {
					id = binary.BigEndian.Uint32(b[20:24])
				} else {
					id = binary.BigEndian.Uint32(b[12:16])
				}
			}
		case "edts":
			edts = &kids[i]
		}
	}
	if edts == nil {
		return nil, nil
	}
	el := &EditList{TrackID: id}
	inner, err := readBoxes(r, edts.off+edts.hdr, edts.off+edts.size)
	if err != nil {
		return nil, fmt.Errorf("edts: %w", err)
	}
	for _, e := range inner {
		if e.typ != "elst" || e.size-e.hdr < 8 {
			continue
		}
		var b [8]byte
		if _, err := r.ReadAt(b[:], e.off+e.hdr); err != nil {
			return nil, err
		}
		version := b[0]
		el.Entries = int(binary.BigEndian.Uint32(b[4:8]))
		// first entry: segment_duration, media_time (32 or 64 bit each)
		if el.Entries > 0 {
			if version == 1 {
				var m [8]byte
				if _, err := r.ReadAt(m[:], e.off+e.hdr+8+8); err == nil {
					el.MediaTime = int64(binary.BigEndian.Uint64(m[:]))
				}
			} else {
				var m [4]byte
				if _, err := r.ReadAt(m[:], e.off+e.hdr+8+4); err == nil {
					el.MediaTime = int64(int32(binary.BigEndian.Uint32(m[:])))
				}
			}
		}
	}
	return el, nil
}
