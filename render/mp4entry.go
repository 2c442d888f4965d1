// This file reads a track's sample description (stsd): the avc1 entry with
// its H.264 SPS, and the mp4a entry with its AAC decoder configuration.

package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// readStsd reads the sample descriptions: avc1 (with avcC) and mp4a
// (with esds) are understood, anything else is left undescribed.
func readStsd(r io.ReaderAt, stsd box, t *mp4Track) error {
	hdr, err := readN(r, stsd.off+stsd.hdr, 8)
	if err != nil {
		return err
	}
	t.entries = int(binary.BigEndian.Uint32(hdr[4:8]))
	entries, err := readBoxes(r, stsd.off+stsd.hdr+8, stsd.off+stsd.size)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	e := entries[0]
	t.fourcc = e.typ
	switch e.typ {
	case "avc1":
		v, err := readAVC1(r, e)
		if err != nil {
			return err
		}
		t.video = v
	case "mp4a":
		a, err := readMP4A(r, e)
		if err != nil {
			return err
		}
		t.audio = a
	}
	return nil
}

// visualEntryLen and audioEntryLen are the fixed parts of ISO/IEC
// 14496-12's VisualSampleEntry and (version 0) AudioSampleEntry.
const (
	visualEntryLen = 78
	audioEntryLen  = 28
)

func readAVC1(r io.ReaderAt, e box) (*VideoInfo, error) {
	fixed, err := readN(r, e.off+e.hdr, visualEntryLen)
	if err != nil {
		return nil, err
	}
	w, h := int(binary.BigEndian.Uint16(fixed[24:26])), int(binary.BigEndian.Uint16(fixed[26:28]))
	data, err := entryConfig(r, e, visualEntryLen, "avcC")
	if err != nil {
		return nil, err
	}
	sps, err := avcCSPS(data)
	if err != nil {
		return nil, err
	}
	v, err := sps.videoInfo()
	if err != nil {
		return nil, err
	}
	if v.Width != w || v.Height != h {
		return nil, notPlain("sample entry says %dx%d, the SPS %dx%d", w, h, v.Width, v.Height)
	}
	return v, nil
}

// entryConfig returns the payload of the first typ box (avcC, esds) among
// those that follow the fixed part, fixedLen bytes, of sample entry e. The
// entry's codec is described only there, so an entry without one is not
// a file we can read as plain.
func entryConfig(r io.ReaderAt, e box, fixedLen int64, typ string) ([]byte, error) {
	kids, err := readBoxes(r, e.off+e.hdr+fixedLen, e.off+e.size)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if k.typ == typ {
			return readN(r, k.off+k.hdr, k.size-k.hdr)
		}
	}
	return nil, notPlain("%s without %s", e.typ, typ)
}

// avcCSPS returns the first sequence parameter set of an
// AVCDecoderConfigurationRecord, parsed.
func avcCSPS(data []byte) (*h264SPS, error) {
	if len(data) < 8 || data[0] != 1 {
		return nil, notPlain("unknown avcC version")
	}
	if data[5]&0x1f < 1 {
		return nil, notPlain("avcC without an SPS")
	}
	n := int(binary.BigEndian.Uint16(data[6:8]))
	if n < 4 || 8+n > len(data) {
		return nil, fmt.Errorf("avcC: SPS of %d bytes in %d", n, len(data))
	}
	return parseSPS(data[8 : 8+n])
}

func readMP4A(r io.ReaderAt, e box) (*AudioInfo, error) {
	fixed, err := readN(r, e.off+e.hdr, audioEntryLen)
	if err != nil {
		return nil, err
	}
	if v := binary.BigEndian.Uint16(fixed[8:10]); v != 0 {
		return nil, notPlain("QuickTime sound description version %d", v)
	}
	data, err := entryConfig(r, e, audioEntryLen, "esds")
	if err != nil {
		return nil, err
	}
	return parseESDS(data)
}

// aacRates are the sampling frequencies of an AudioSpecificConfig's index.
var aacRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// parseESDS reads an ES descriptor down to the AudioSpecificConfig: AAC
// (object type 0x40) LC (audio object type 2), its rate and channels.
func parseESDS(data []byte) (*AudioInfo, error) {
	if len(data) < 4 {
		return nil, errors.New("esds: short")
	}
	p := data[4:] // version and flags
	tag, body, _, err := descriptor(p)
	if err != nil || tag != 0x03 || len(body) < 3 {
		return nil, notPlain("esds without an ES descriptor")
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 { // streamDependenceFlag
		body = body[min(2, len(body)):]
	}
	if flags&0x40 != 0 && len(body) > 0 { // URL_Flag
		body = body[min(1+int(body[0]), len(body)):]
	}
	if flags&0x20 != 0 { // OCRstreamFlag
		body = body[min(2, len(body)):]
	}
	tag, dcd, _, err := descriptor(body)
	if err != nil || tag != 0x04 || len(dcd) < 13 {
		return nil, notPlain("esds without a decoder config")
	}
	if dcd[0] != 0x40 {
		return nil, notPlain("audio object type indication 0x%02x, not AAC", dcd[0])
	}
	tag, asc, _, err := descriptor(dcd[13:])
	if err != nil || tag != 0x05 || len(asc) < 2 {
		return nil, notPlain("AAC without an AudioSpecificConfig")
	}
	aot := int(asc[0] >> 3)
	idx := int(asc[0]&0x07)<<1 | int(asc[1]>>7)
	ch := int(asc[1]>>3) & 0x0f
	if aot != 2 {
		return nil, notPlain("AAC audio object type %d, not LC", aot)
	}
	if idx >= len(aacRates) || ch < 1 || ch > 2 {
		return nil, notPlain("AAC rate index %d, channel configuration %d", idx, ch)
	}
	layout := "stereo"
	if ch == 1 {
		layout = "mono"
	}
	return &AudioInfo{Codec: "aac", Profile: "LC", SampleRate: aacRates[idx], Channels: ch, ChannelLayout: layout}, nil
}

// descriptor splits one MPEG-4 descriptor (tag, length in 7-bit groups).
func descriptor(p []byte) (tag byte, body, rest []byte, err error) {
	if len(p) < 2 {
		return 0, nil, nil, errors.New("short descriptor")
	}
	tag = p[0]
	n, i := 0, 1
	for ; i < len(p) && i <= 4; i++ {
		n = n<<7 | int(p[i]&0x7f)
		if p[i]&0x80 == 0 {
			i++
			break
		}
	}
	if i+n > len(p) {
		return 0, nil, nil, errors.New("descriptor runs past its box")
	}
	return tag, p[i : i+n], p[i+n:], nil
}
