package render

import (
	"errors"
	"fmt"
)

// h264SPS is what [ReadMP4Info] needs of an H.264 sequence parameter set
// (ITU-T H.264 §7.3.2.1.1): profile, chroma format and bit depth (the
// pixel format), the coded size after cropping, whether pictures may be
// fields, and the VUI's range and colours.
type h264SPS struct {
	profile, constraints      int
	chromaFormat              int // 0 gray, 1 4:2:0, 2 4:2:2, 3 4:4:4
	bitDepth                  int
	width, height             int
	frameMBsOnly              bool
	signalType                bool // the VUI gives the range
	fullRange                 bool
	primaries, transfer, matx int // VUI colour description, 2 (unspecified) when absent
}

var errSPS = errors.New("h264 sps: truncated or invalid")

// parseSPS parses a NAL unit holding an SPS (with its one-byte header).
func parseSPS(nal []byte) (*h264SPS, error) {
	if len(nal) < 4 || nal[0]&0x1f != 7 {
		return nil, errors.New("h264 sps: not an SPS NAL unit")
	}
	b := &bitReader{data: unescapeRBSP(nal[1:])}
	s := &h264SPS{chromaFormat: 1, bitDepth: 8, primaries: 2, transfer: 2, matx: 2}
	s.profile = b.u(8)
	s.constraints = b.u(8)
	b.u(8) // level
	b.ue() // seq_parameter_set_id
	switch s.profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		s.chromaFormat = b.ue()
		if s.chromaFormat == 3 {
			b.u(1) // separate_colour_plane_flag
		}
		s.bitDepth = 8 + b.ue()
		b.ue()           // bit_depth_chroma_minus8
		b.u(1)           // qpprime_y_zero_transform_bypass_flag
		if b.u(1) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if s.chromaFormat == 3 {
				lists = 12
			}
			for i := range lists {
				if b.u(1) == 1 {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(b, size)
				}
			}
		}
	}
	b.ue()          // log2_max_frame_num_minus4
	switch b.ue() { // pic_order_cnt_type
	case 0:
		b.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		b.u(1) // delta_pic_order_always_zero_flag
		b.se() // offset_for_non_ref_pic
		b.se() // offset_for_top_to_bottom_field
		n := b.ue()
		if n > 255 {
			return nil, errSPS
		}
		for range n {
			b.se()
		}
	}
	b.ue() // max_num_ref_frames
	b.u(1) // gaps_in_frame_num_value_allowed_flag
	wMBs, hMapUnits := b.ue()+1, b.ue()+1
	s.frameMBsOnly = b.u(1) == 1
	if !s.frameMBsOnly {
		b.u(1) // mb_adaptive_frame_field_flag
	}
	b.u(1) // direct_8x8_inference_flag
	fieldFactor := 2
	if s.frameMBsOnly {
		fieldFactor = 1
	}
	s.width, s.height = wMBs*16, hMapUnits*16*fieldFactor
	if b.u(1) == 1 { // frame_cropping_flag
		cx, cy := 1, fieldFactor
		switch s.chromaFormat {
		case 1:
			cx, cy = 2, 2*fieldFactor
		case 2:
			cx = 2
		}
		l, r, t, bo := b.ue(), b.ue(), b.ue(), b.ue()
		s.width -= cx * (l + r)
		s.height -= cy * (t + bo)
	}
	if b.u(1) == 1 { // vui_parameters_present_flag
		if b.u(1) == 1 { // aspect_ratio_info_present_flag
			if b.u(8) == 255 {
				b.u(16)
				b.u(16)
			}
		}
		if b.u(1) == 1 { // overscan_info_present_flag
			b.u(1)
		}
		if b.u(1) == 1 { // video_signal_type_present_flag
			b.u(3) // video_format
			s.signalType, s.fullRange = true, b.u(1) == 1
			if b.u(1) == 1 { // colour_description_present_flag
				s.primaries, s.transfer, s.matx = b.u(8), b.u(8), b.u(8)
			}
		}
	}
	if b.err || s.width <= 0 || s.height <= 0 {
		return nil, errSPS
	}
	return s, nil
}

func skipScalingList(b *bitReader, size int) {
	last, next := 8, 8
	for range size {
		if next != 0 {
			next = (last + b.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}

// videoInfo is the stream's description as ffprobe gives it, for the
// streams ReadMP4Info reads; others are ErrNotPlainMP4.
func (s *h264SPS) videoInfo() (*VideoInfo, error) {
	if !s.frameMBsOnly {
		// Coded as fields or frames is decided per picture: ffprobe
		// decodes to tell; so does the caller.
		return nil, notPlain("an H.264 stream that may be interlaced")
	}
	var profile string
	switch {
	case s.profile == 66 && s.constraints&0x40 != 0:
		profile = "Constrained Baseline"
	case s.profile == 66:
		profile = "Baseline"
	case s.profile == 77:
		profile = "Main"
	case s.profile == 100:
		profile = "High"
	default:
		return nil, notPlain("H.264 profile %d", s.profile)
	}
	if s.chromaFormat != 1 || s.bitDepth != 8 {
		return nil, notPlain("H.264 chroma format %d at %d bits", s.chromaFormat, s.bitDepth)
	}
	pix, rng := "yuv420p", ""
	switch {
	case s.signalType && s.fullRange:
		pix, rng = "yuvj420p", "pc"
	case s.signalType:
		rng = "tv"
	}
	v := &VideoInfo{Codec: "h264", Profile: profile, PixFmt: pix, Width: s.width, Height: s.height,
		DisplayWidth: s.width, DisplayHeight: s.height, BitDepth: 8, ColorRange: rng,
		ColorPrimaries: colourName(primariesNames[:], s.primaries), ColorTransfer: colourName(transferNames[:], s.transfer),
		ColorSpace: colourName(matrixNames[:], s.matx)}
	v.HDR = v.ColorTransfer == "smpte2084" || v.ColorTransfer == "arib-std-b67"
	return v, nil
}

// The VUI's colour codes under ffprobe's names (libavutil/pixdesc.c);
// unspecified (2) and codes not listed are "", as ffprobe's JSON leaves
// them out.
var (
	primariesNames = [...]string{1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "jedec-p22"}
	transferNames  = [...]string{1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100", 10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}
	matrixNames    = [...]string{0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco", 9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp"}
)

// colourName looks a code up (arrays, not maps: static data, nothing
// built at init).
func colourName(names []string, code int) string {
	if code < 0 || code >= len(names) {
		return ""
	}
	return names[code]
}

// unescapeRBSP removes emulation prevention bytes (00 00 03 → 00 00).
func unescapeRBSP(p []byte) []byte {
	out := make([]byte, 0, len(p))
	zeros := 0
	for _, c := range p {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// bitReader reads big-endian bits and Exp-Golomb codes; reading past the
// end sets err and yields zeros.
type bitReader struct {
	data []byte
	pos  int // in bits
	err  bool
}

func (b *bitReader) u(n int) int {
	v := 0
	for range n {
		if b.pos >= 8*len(b.data) {
			b.err = true
			return 0
		}
		v = v<<1 | int(b.data[b.pos/8]>>(7-b.pos%8)&1)
		b.pos++
	}
	return v
}

func (b *bitReader) ue() int {
	zeros := 0
	for b.u(1) == 0 {
		if b.err || zeros > 31 {
			b.err = true
			return 0
		}
		zeros++
	}
	return (1<<zeros - 1) + b.u(zeros)
}

func (b *bitReader) se() int {
	k := b.ue()
	if k%2 == 1 {
		return (k + 1) / 2
	}
	return -k / 2
}

func (s *h264SPS) String() string {
	return fmt.Sprintf("profile %d chroma %d depth %d %dx%d frame_mbs_only %v", s.profile, s.chromaFormat, s.bitDepth, s.width, s.height, s.frameMBsOnly)
}
