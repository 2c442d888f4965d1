package render

import (
	"encoding/binary"
	"io"

	"github.com/impress-dev/impress/internal/safeopen"
)

// jpegOrientation reads the EXIF Orientation tag (1–8) of a JPEG, or 0 when
// there is none. Phones store portrait photos as landscape pixels plus this
// tag. ffmpeg's autorotate turns the decoded picture (the JPEG decoder
// exports the tag as a display matrix on the frame), but ffprobe does not
// report it on the stream, so the facts the builder and Validate use
// (display size, aspect) must read it here.
func jpegOrientation(path string) int {
	f, _, err := safeopen.Open(path, safeopen.Options{})
	if err != nil {
		return 0
	}
	defer f.Close()
	// EXIF lives in an APP1 segment near the start; 256 KiB is plenty.
	buf := make([]byte, 256<<10)
	n, _ := io.ReadFull(f, buf)
	return exifOrientation(buf[:n])
}

func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 0
		}
		marker := b[i+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan: no more metadata
			return 0
		}
		size := int(binary.BigEndian.Uint16(b[i+2:]))
		if size < 2 || i+2+size > len(b) {
			return 0
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 0
}

// tiffOrientation finds tag 0x0112 in IFD0 of a TIFF header.
func tiffOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if len(t) < 8 || bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[ifd:]))
	for k := 0; k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

// applyOrientation records a JPEG's EXIF orientation in its VideoInfo,
// unless ffprobe already reported a display matrix for the stream.
func applyOrientation(v *VideoInfo, path string) {
	if v == nil || v.Rotation != 0 {
		return
	}
	v.Orientation = jpegOrientation(path)
	switch v.Orientation {
	case 3:
		v.Rotation = 180
	case 6:
		v.Rotation = 90
	case 8:
		v.Rotation = 270
	}
	if v.Orientation >= 5 {
		v.DisplayWidth, v.DisplayHeight = v.Height, v.Width
	}
}
