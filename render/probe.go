package render

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MediaInfo is what impress knows about a media file: ffprobe's facts plus
// the MP4 box layout, normalised to the questions the builder, the fast path
// and [Validate] ask.
type MediaInfo struct {
	Path       string
	Format     Format  // from Sniff
	FormatName string  // ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Brand      string  // MP4 major_brand
	Duration   float64 // seconds (container)
	Size       int64   // bytes
	BitRate    int64   // container bit rate, bits/s
	Video      *VideoInfo
	Audio      *AudioInfo
	// Stream counts by type (only the first video and audio stream are used).
	VideoStreams, AudioStreams, OtherStreams int
	// Layout is set for MP4/MOV files.
	Layout *MP4Layout
}

// VideoInfo describes the first video stream (or the still image).
type VideoInfo struct {
	Codec   string // h264, hevc, mjpeg, png, …
	Profile string // "High", "Main", …
	PixFmt  string
	// Width and Height are the coded size; DisplayWidth/Height apply Rotation.
	Width, Height               int
	DisplayWidth, DisplayHeight int
	// Rotation is how far the picture must be turned clockwise for display: 0, 90, 180 or 270.
	Rotation int
	// FPS is the average frame rate; RFrameRate ffprobe's r_frame_rate
	// (the lowest rate that represents all timestamps). VFR is set when the
	// two disagree, which is how phone footage with a variable rate shows.
	FPS, RFrameRate float64
	VFR             bool
	BitDepth        int
	ColorTransfer   string
	ColorPrimaries  string
	ColorSpace      string
	ColorRange      string // "tv" (limited), "pc" (full) or ""
	// HDR: PQ (smpte2084) or HLG (arib-std-b67) transfer.
	HDR        bool
	Interlaced bool
	Duration   float64
	Frames     int64
	BitRate    int64
	// Still is true for image files (JPEG, PNG, WebP).
	Still bool
	// Orientation is a JPEG's EXIF orientation (1–8; 0 without one).
	// ffmpeg applies it when decoding; Rotation and the display size
	// account for it.
	Orientation int
}

// AudioInfo describes the first audio stream.
type AudioInfo struct {
	Codec         string
	Profile       string // "LC", "HE-AAC", …
	SampleRate    int
	Channels      int
	ChannelLayout string
	BitRate       int64
	Duration      float64
}

// Limits past which Probe refuses a file: far beyond what a Reel can use,
// and the kind of numbers a hostile file claims to make a render take
// forever or eat memory.
const (
	maxProbeDuration = 4 * 3600.0
	maxDimension     = 8192
	maxProbeFPS      = 240.0
	probeTimeout     = 30 * time.Second
)

// Probe sniffs a file (see [Sniff]) and asks ffprobe about it, with the
// sniffed demuxer forced, `file:` protocol only and a time limit. Media
// ffprobe cannot read, or that claims absurd sizes, is a *MediaError.
func Probe(ctx context.Context, ffprobePath, path string) (*MediaInfo, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, &MediaError{File: path, Reason: "bad path", Err: err}
	}
	fm, err := Sniff(abs)
	if err != nil {
		return nil, err
	}
	return probeSniffed(ctx, ffprobePath, path, abs, fm)
}

// probeSniffed is [Probe] of a file already sniffed as fm; path is the
// name errors give, abs its absolute form.
func probeSniffed(ctx context.Context, ffprobePath, path, abs string, fm Format) (*MediaInfo, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, probeTimeout)
		defer cancel()
	}
	args := []string{
		"-v", "error", "-hide_banner",
		"-protocol_whitelist", "file",
		"-f", fm.Demuxer,
		"-print_format", "json", "-show_format", "-show_streams",
		"file:" + abs,
	}
	out, err := runCapture(ctx, ffprobePath, args)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("probe %s: %w", abs, ctx.Err())
		}
		return nil, &MediaError{File: path, Reason: "ffprobe cannot read it", Err: err}
	}
	info, err := parseProbe(out)
	if err != nil {
		return nil, &MediaError{File: path, Reason: "unreadable ffprobe output", Err: err}
	}
	info.Path = abs
	info.Format = fm
	if fm.Demuxer == "mov" {
		l, err := ReadMP4Layout(abs)
		if err != nil {
			return nil, &MediaError{File: path, Reason: "broken MP4/MOV structure", Err: err}
		}
		info.Layout = l
	}
	if fm.Kind == "image" && info.Video != nil {
		info.Video.Still = true
		info.Duration = 0
		if fm.Demuxer == "jpeg_pipe" {
			applyOrientation(info.Video, abs)
		}
	}
	if reason := info.refuse(); reason != "" {
		return nil, &MediaError{File: path, Reason: reason}
	}
	return info, nil
}

func (m *MediaInfo) refuse() string {
	switch {
	case m.Video == nil && m.Audio == nil:
		return "no video or audio stream"
	case m.Duration > maxProbeDuration:
		return fmt.Sprintf("too long (%s; the limit is %s)", FormatTime(m.Duration), FormatTime(maxProbeDuration))
	case m.Video != nil && (m.Video.Width <= 0 || m.Video.Height <= 0) && !m.Video.Still:
		return "video stream without a size"
	case m.Video != nil && (m.Video.Width > maxDimension || m.Video.Height > maxDimension):
		return fmt.Sprintf("picture too large (%dx%d; the limit is %d on a side)", m.Video.Width, m.Video.Height, maxDimension)
	case m.Video != nil && m.Video.FPS > maxProbeFPS:
		return fmt.Sprintf("frame rate too high (%s fps)", num(m.Video.FPS))
	}
	return ""
}

type probeJSON struct {
	Streams []struct {
		CodecType      string            `json:"codec_type"`
		CodecName      string            `json:"codec_name"`
		Profile        string            `json:"profile"`
		Width          int               `json:"width"`
		Height         int               `json:"height"`
		PixFmt         string            `json:"pix_fmt"`
		RFrameRate     string            `json:"r_frame_rate"`
		AvgFrameRate   string            `json:"avg_frame_rate"`
		BitsPerRaw     string            `json:"bits_per_raw_sample"`
		ColorTransfer  string            `json:"color_transfer"`
		ColorPrimaries string            `json:"color_primaries"`
		ColorSpace     string            `json:"color_space"`
		ColorRange     string            `json:"color_range"`
		FieldOrder     string            `json:"field_order"`
		Duration       string            `json:"duration"`
		NbFrames       string            `json:"nb_frames"`
		BitRate        string            `json:"bit_rate"`
		SampleRate     string            `json:"sample_rate"`
		Channels       int               `json:"channels"`
		ChannelLayout  string            `json:"channel_layout"`
		Tags           map[string]string `json:"tags"`
		Disposition    map[string]int    `json:"disposition"`
		SideData       []struct {
			Type     string  `json:"side_data_type"`
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		Size       string            `json:"size"`
		BitRate    string            `json:"bit_rate"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
}

func parseProbe(data []byte) (*MediaInfo, error) {
	var pj probeJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, err
	}
	m := &MediaInfo{
		FormatName: pj.Format.FormatName,
		Duration:   atof(pj.Format.Duration),
		Size:       atoi(pj.Format.Size),
		BitRate:    atoi(pj.Format.BitRate),
		Brand:      pj.Format.Tags["major_brand"],
	}
	for _, s := range pj.Streams {
		switch s.CodecType {
		case "video":
			if s.Disposition["attached_pic"] == 1 {
				m.OtherStreams++ // cover art in an MP3/M4A is not a video
				continue
			}
			m.VideoStreams++
			if m.Video != nil {
				continue
			}
			v := &VideoInfo{
				Codec: s.CodecName, Profile: s.Profile, PixFmt: s.PixFmt,
				Width: s.Width, Height: s.Height,
				FPS: rational(s.AvgFrameRate), RFrameRate: rational(s.RFrameRate),
				ColorTransfer: s.ColorTransfer, ColorPrimaries: s.ColorPrimaries, ColorSpace: s.ColorSpace, ColorRange: s.ColorRange,
				Duration: atof(s.Duration), Frames: atoi(s.NbFrames), BitRate: atoi(s.BitRate),
			}
			v.BitDepth = bitDepth(s.PixFmt, s.BitsPerRaw)
			v.HDR = s.ColorTransfer == "smpte2084" || s.ColorTransfer == "arib-std-b67"
			v.Interlaced = s.FieldOrder != "" && s.FieldOrder != "progressive" && s.FieldOrder != "unknown"
			if v.FPS > 0 && v.RFrameRate > 0 && math.Abs(v.FPS-v.RFrameRate)/v.RFrameRate > 0.005 {
				v.VFR = true
			}
			v.Rotation = rotation(s.Tags["rotate"], s.SideData)
			v.DisplayWidth, v.DisplayHeight = v.Width, v.Height
			if v.Rotation == 90 || v.Rotation == 270 {
				v.DisplayWidth, v.DisplayHeight = v.Height, v.Width
			}
			m.Video = v
		case "audio":
			m.AudioStreams++
			if m.Audio != nil {
				continue
			}
			m.Audio = &AudioInfo{
				Codec: s.CodecName, Profile: s.Profile,
				SampleRate: int(atoi(s.SampleRate)), Channels: s.Channels, ChannelLayout: s.ChannelLayout,
				BitRate: atoi(s.BitRate), Duration: atof(s.Duration),
			}
		default:
			m.OtherStreams++
		}
	}
	return m, nil
}

// rotation returns the clockwise display rotation. ffprobe reports the
// display matrix as a counter-clockwise angle (-90 = turn right), the old
// "rotate" tag as a clockwise one.
func rotation(tag string, side []struct {
	Type     string  `json:"side_data_type"`
	Rotation float64 `json:"rotation"`
}) int {
	deg := 0.0
	found := false
	for _, sd := range side {
		if sd.Type == "Display Matrix" {
			deg = -sd.Rotation
			found = true
			break
		}
	}
	if !found && tag != "" {
		deg = atof(tag)
	}
	r := int(math.Round(deg/90)) * 90 % 360
	if r < 0 {
		r += 360
	}
	return r
}

func bitDepth(pixFmt, raw string) int {
	if n := atoi(raw); n > 0 {
		return int(n)
	}
	for _, d := range []int{16, 14, 12, 10, 9} {
		if strings.Contains(pixFmt, strconv.Itoa(d)+"le") || strings.Contains(pixFmt, strconv.Itoa(d)+"be") {
			return d
		}
	}
	if pixFmt == "" {
		return 0
	}
	return 8
}

func rational(s string) float64 {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return atof(s)
	}
	n, d := atof(a), atof(b)
	if d == 0 {
		return 0
	}
	return n / d
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
