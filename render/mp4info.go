package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadMP4Info describes an MP4 that ffmpeg wrote for impress (H.264 and
// AAC-LC, as every video preset encodes) from its boxes alone, without
// starting ffprobe: the moov box holds the durations, the sample tables,
// the sample descriptions and the H.264 sequence parameter set, which is
// everything [Validate] and a render's result need. A render's output is
// validated this way, which saves an ffprobe run (≈0.07 s of start-up and
// probing, twice that on a loaded machine) per render.
//
// It reads only what it fully understands: a file with another codec,
// several sample descriptions, an interlaced-capable or otherwise unusual
// H.264 stream, a rotation, QuickTime sound descriptions, edit lists,
// fragments or no video is ErrNotPlainMP4, and the caller runs ffprobe instead. The
// fields match what ffprobe reports for the same file (mp4info_test.go
// compares the two on real encodes).
func ReadMP4Info(path string) (*MediaInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read mp4: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read mp4: %w", err)
	}
	info, err := readMP4Info(f, fi.Size())
	if err != nil {
		return nil, err
	}
	info.Path = path
	return info, nil
}

// ErrNotPlainMP4 is ReadMP4Info's "ask ffprobe": the file is not one it
// reads completely.
var ErrNotPlainMP4 = errors.New("not a plain H.264/AAC MP4")

func notPlain(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotPlainMP4, fmt.Sprintf(format, args...))
}

// mp4Track is what one trak says.
type mp4Track struct {
	handler            string // "vide", "soun", …
	timescale          uint32
	duration           uint64 // mdhd, in timescale units
	samples            uint64 // stts sample count
	sttsDuration       uint64 // sum of stts deltas
	bytes              uint64 // stsz total
	entries            int    // stsd entry count
	fourcc             string // first sample description
	identity           bool   // tkhd matrix is the identity (no rotation)
	video              *VideoInfo
	audio              *AudioInfo
	sampleSizeConstant bool
}

func readMP4Info(r io.ReaderAt, size int64) (*MediaInfo, error) {
	layout, err := readMP4Layout(r, size)
	if err != nil {
		return nil, err
	}
	if layout.Fragmented {
		return nil, notPlain("fragmented")
	}
	if len(layout.EditLists) > 0 {
		// ffprobe applies edit lists to the durations; impress writes none
		return nil, notPlain("edit lists")
	}
	top, err := readBoxes(r, 0, size)
	if err != nil {
		return nil, err
	}
	info := &MediaInfo{Size: size, Layout: layout,
		Format:     Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"},
		FormatName: "mov,mp4,m4a,3gp,3g2,mj2"}
	var moov *box
	for i, b := range top {
		switch b.typ {
		case "ftyp":
			if brand, err := readN(r, b.off+b.hdr, 4); err == nil {
				info.Brand = string(brand)
			}
		case "moov":
			if moov == nil {
				moov = &top[i]
			}
		}
	}
	kids, err := children(r, *moov)
	if err != nil {
		return nil, err
	}
	var movieScale uint32
	var movieDur uint64
	var tracks []*mp4Track
	for _, k := range kids {
		switch k.typ {
		case "mvhd":
			if movieScale, movieDur, err = readTimes(r, k); err != nil {
				return nil, err
			}
		case "trak":
			t, err := readTrack(r, k)
			if err != nil {
				return nil, err
			}
			tracks = append(tracks, t)
		}
	}
	if movieScale == 0 {
		return nil, notPlain("no movie time scale")
	}
	info.Duration = float64(movieDur) / float64(movieScale)
	for _, t := range tracks {
		switch {
		case t.handler == "vide" && t.video != nil:
			info.VideoStreams++
			if info.Video == nil {
				info.Video = t.video
			}
		case t.handler == "soun" && t.audio != nil:
			info.AudioStreams++
			if info.Audio == nil {
				info.Audio = t.audio
			}
		default:
			return nil, notPlain("a %q track with %q samples", t.handler, t.fourcc)
		}
	}
	if info.Video == nil {
		return nil, notPlain("no video track")
	}
	if info.Duration > 0 {
		info.BitRate = int64(float64(size*8) / info.Duration)
	}
	return info, nil
}

// readTrack reads one trak: tkhd, mdia/mdhd, mdia/hdlr and the sample
// table. Only a track with one sample description of a codec it reads
// gets a video or audio description.
func readTrack(r io.ReaderAt, trak box) (*mp4Track, error) {
	t := &mp4Track{}
	kids, err := children(r, trak)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		switch k.typ {
		case "tkhd":
			if t.identity, err = tkhdIdentity(r, k); err != nil {
				return nil, err
			}
		case "mdia":
			if err := readMdia(r, k, t); err != nil {
				return nil, err
			}
		}
	}
	if !t.identity {
		return nil, notPlain("a rotated or transformed track")
	}
	if t.entries != 1 {
		return nil, notPlain("%d sample descriptions in a track", t.entries)
	}
	if t.timescale == 0 || t.duration == 0 {
		return nil, notPlain("a track without a duration")
	}
	dur := float64(t.duration) / float64(t.timescale)
	br := int64(0)
	if dur > 0 {
		// ffmpeg's mov demuxer: the bytes of the samples over the track's duration
		br = int64(float64(t.bytes*8) / dur)
	}
	switch {
	case t.video != nil:
		t.video.Duration, t.video.BitRate, t.video.Frames = dur, br, int64(t.samples)
		if t.sttsDuration > 0 {
			t.video.FPS = float64(t.samples) * float64(t.timescale) / float64(t.sttsDuration)
			t.video.RFrameRate = t.video.FPS
		}
	case t.audio != nil:
		t.audio.Duration, t.audio.BitRate = dur, br
	}
	return t, nil
}

func readMdia(r io.ReaderAt, mdia box, t *mp4Track) error {
	kids, err := children(r, mdia)
	if err != nil {
		return err
	}
	for _, k := range kids {
		switch k.typ {
		case "mdhd":
			if t.timescale, t.duration, err = readTimes(r, k); err != nil {
				return err
			}
		case "hdlr":
			b, err := readN(r, k.off+k.hdr+8, 4)
			if err != nil {
				return err
			}
			t.handler = string(b)
		case "minf":
			mk, err := children(r, k)
			if err != nil {
				return err
			}
			for _, s := range mk {
				if s.typ == "stbl" {
					if err := readStbl(r, s, t); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func readStbl(r io.ReaderAt, stbl box, t *mp4Track) error {
	kids, err := children(r, stbl)
	if err != nil {
		return err
	}
	for _, k := range kids {
		switch k.typ {
		case "stsd":
			if err := readStsd(r, k, t); err != nil {
				return err
			}
		case "stts":
			if t.samples, t.sttsDuration, err = readStts(r, k); err != nil {
				return err
			}
		case "stsz":
			if t.bytes, err = readStsz(r, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// readTimes reads the time scale and duration of an mvhd or mdhd box.
func readTimes(r io.ReaderAt, b box) (uint32, uint64, error) {
	head, err := readN(r, b.off+b.hdr, 4)
	if err != nil {
		return 0, 0, err
	}
	if head[0] == 1 {
		p, err := readN(r, b.off+b.hdr+4+16, 12)
		if err != nil {
			return 0, 0, err
		}
		return binary.BigEndian.Uint32(p[0:4]), binary.BigEndian.Uint64(p[4:12]), nil
	}
	p, err := readN(r, b.off+b.hdr+4+8, 8)
	if err != nil {
		return 0, 0, err
	}
	return binary.BigEndian.Uint32(p[0:4]), uint64(binary.BigEndian.Uint32(p[4:8])), nil
}

// tkhdIdentity reports whether a track header's matrix is the identity.
func tkhdIdentity(r io.ReaderAt, b box) (bool, error) {
	head, err := readN(r, b.off+b.hdr, 4)
	if err != nil {
		return false, err
	}
	// version, flags, times and track id, reserved, duration, reserved,
	// layer, alternate group, volume, reserved: then the 3x3 matrix
	off := int64(4 + 4 + 4 + 4 + 4 + 4 + 8 + 2 + 2 + 2 + 2)
	if head[0] == 1 {
		off += 12
	}
	m, err := readN(r, b.off+b.hdr+off, 36)
	if err != nil {
		return false, err
	}
	identity := [9]uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	for i, want := range identity {
		if binary.BigEndian.Uint32(m[4*i:]) != want {
			return false, nil
		}
	}
	return true, nil
}

func readStts(r io.ReaderAt, b box) (samples, duration uint64, err error) {
	head, err := readN(r, b.off+b.hdr, 8)
	if err != nil {
		return 0, 0, err
	}
	n := int64(binary.BigEndian.Uint32(head[4:8]))
	if 8+8*n > b.size-b.hdr {
		return 0, 0, fmt.Errorf("stts: %d entries do not fit", n)
	}
	tab, err := readN(r, b.off+b.hdr+8, 8*n)
	if err != nil {
		return 0, 0, err
	}
	for i := int64(0); i < n; i++ {
		c, d := uint64(binary.BigEndian.Uint32(tab[8*i:])), uint64(binary.BigEndian.Uint32(tab[8*i+4:]))
		samples += c
		duration += c * d
	}
	return samples, duration, nil
}

func readStsz(r io.ReaderAt, b box) (uint64, error) {
	head, err := readN(r, b.off+b.hdr, 12)
	if err != nil {
		return 0, err
	}
	size, n := uint64(binary.BigEndian.Uint32(head[4:8])), int64(binary.BigEndian.Uint32(head[8:12]))
	if size != 0 {
		return size * uint64(n), nil
	}
	if 12+4*n > b.size-b.hdr {
		return 0, fmt.Errorf("stsz: %d entries do not fit", n)
	}
	tab, err := readN(r, b.off+b.hdr+12, 4*n)
	if err != nil {
		return 0, err
	}
	var total uint64
	for i := int64(0); i < n; i++ {
		total += uint64(binary.BigEndian.Uint32(tab[4*i:]))
	}
	return total, nil
}

func children(r io.ReaderAt, b box) ([]box, error) {
	return readBoxes(r, b.off+b.hdr, b.off+b.size)
}

// maxTableBytes bounds one table read (a 15-minute reel's stsz is well
// under a megabyte).
const maxTableBytes = 64 << 20

func readN(r io.ReaderAt, off, n int64) ([]byte, error) {
	if n < 0 || n > maxTableBytes {
		return nil, fmt.Errorf("read mp4: a box of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("read mp4 at %d: %w", off, err)
	}
	return b, nil
}

// mp4VideoEntry reads the sample entry of the first video track: its
// four-character code and the coded picture size it declares (before any
// rotation). ok is false when the boxes do not say.
func mp4VideoEntry(r io.ReaderAt, size int64) (codec string, w, h int, ok bool) {
	top, err := readBoxes(r, 0, size)
	if err != nil {
		return "", 0, 0, false
	}
	for _, moov := range top {
		if moov.typ != "moov" {
			continue
		}
		traks, err := children(r, moov)
		if err != nil {
			return "", 0, 0, false
		}
		for _, trak := range traks {
			if trak.typ != "trak" {
				continue
			}
			if c, w, h, ok := trakVideoEntry(r, trak); ok {
				return c, w, h, true
			}
		}
		return "", 0, 0, false
	}
	return "", 0, 0, false
}

// trakVideoEntry is mp4VideoEntry for one track (ok only for a video one).
func trakVideoEntry(r io.ReaderAt, trak box) (string, int, int, bool) {
	path := []string{"mdia", "minf", "stbl", "stsd"}
	b := trak
	var handler string
	for _, want := range path {
		kids, err := children(r, b)
		if err != nil {
			return "", 0, 0, false
		}
		found := false
		for _, k := range kids {
			if k.typ == "hdlr" {
				if t, err := readN(r, k.off+k.hdr+8, 4); err == nil {
					handler = string(t)
				}
			}
			if k.typ == want {
				b, found = k, true
			}
		}
		if !found {
			return "", 0, 0, false
		}
	}
	if handler != "vide" {
		return "", 0, 0, false
	}
	entries, err := readBoxes(r, b.off+b.hdr+8, b.off+b.size)
	if err != nil || len(entries) == 0 {
		return "", 0, 0, false
	}
	e := entries[0]
	fixed, err := readN(r, e.off+e.hdr, visualEntryLen)
	if err != nil {
		return "", 0, 0, false
	}
	return e.typ, int(binary.BigEndian.Uint16(fixed[24:26])), int(binary.BigEndian.Uint16(fixed[26:28])), true
}
