package ffmpegtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// AVEndGap is how much later the audio ends than the video, in seconds
// (negative: earlier), from the streams' start times and durations.
func (f Facts) AVEndGap() float64 {
	return (f.AudioStart + f.AudioDuration) - (f.VideoStart + f.VideoDuration)
}

// Facts are what tests assert about a file: ffprobe's view plus the MP4
// box layout.
type Facts struct {
	FormatName string
	Duration   float64 // container, seconds
	Size       int64

	HasVideo      bool
	VideoCodec    string
	Profile       string
	PixFmt        string
	Width, Height int
	Rotation      int     // clockwise degrees from the display matrix
	FPS           float64 // avg_frame_rate
	RFrameRate    float64
	Frames        int64
	VideoDuration float64
	VideoStart    float64 // start_time: 1 frame with B-frames and no edit list
	ColorTransfer string

	HasAudio      bool
	AudioCodec    string
	AudioProfile  string
	SampleRate    int
	Channels      int
	AudioBitRate  int64
	AudioDuration float64
	AudioStart    float64

	MoovFirst   bool // moov before mdat
	HasEditList bool // any edts box
}

// ProbeFacts reads facts about path with ffprobe (and the MP4 boxes).
func ProbeFacts(t testing.TB, path string) Facts {
	t.Helper()
	tools := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.FFprobe, "-v", "error", "-count_packets",
		"-print_format", "json", "-show_format", "-show_streams", "file:"+path)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.String())
	}
	var pj struct {
		Streams []struct {
			CodecType     string `json:"codec_type"`
			CodecName     string `json:"codec_name"`
			Profile       string `json:"profile"`
			PixFmt        string `json:"pix_fmt"`
			Width         int    `json:"width"`
			Height        int    `json:"height"`
			AvgFrameRate  string `json:"avg_frame_rate"`
			RFrameRate    string `json:"r_frame_rate"`
			NbReadPackets string `json:"nb_read_packets"`
			Duration      string `json:"duration"`
			StartTime     string `json:"start_time"`
			ColorTransfer string `json:"color_transfer"`
			SampleRate    string `json:"sample_rate"`
			Channels      int    `json:"channels"`
			BitRate       string `json:"bit_rate"`
			SideData      []struct {
				Type     string  `json:"side_data_type"`
				Rotation float64 `json:"rotation"`
			} `json:"side_data_list"`
		} `json:"streams"`
		Format struct {
			FormatName string `json:"format_name"`
			Duration   string `json:"duration"`
			Size       string `json:"size"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out.Bytes(), &pj); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	f := Facts{FormatName: pj.Format.FormatName, Duration: atof(pj.Format.Duration), Size: int64(atof(pj.Format.Size))}
	for _, s := range pj.Streams {
		switch {
		case s.CodecType == "video" && !f.HasVideo:
			f.HasVideo = true
			f.VideoCodec, f.Profile, f.PixFmt = s.CodecName, s.Profile, s.PixFmt
			f.Width, f.Height = s.Width, s.Height
			f.FPS, f.RFrameRate = ratio(s.AvgFrameRate), ratio(s.RFrameRate)
			f.Frames = int64(atof(s.NbReadPackets))
			f.VideoDuration, f.VideoStart = atof(s.Duration), atof(s.StartTime)
			f.ColorTransfer = s.ColorTransfer
			for _, sd := range s.SideData {
				if sd.Type == "Display Matrix" {
					r := int(math.Round(-sd.Rotation/90)) * 90 % 360
					if r < 0 {
						r += 360
					}
					f.Rotation = r
				}
			}
		case s.CodecType == "audio" && !f.HasAudio:
			f.HasAudio = true
			f.AudioCodec, f.AudioProfile = s.CodecName, s.Profile
			f.SampleRate = int(atof(s.SampleRate))
			f.Channels = s.Channels
			f.AudioBitRate = int64(atof(s.BitRate))
			f.AudioDuration, f.AudioStart = atof(s.Duration), atof(s.StartTime)
		}
	}
	if strings.Contains(f.FormatName, "mp4") {
		boxes, err := topBoxes(path)
		if err != nil {
			t.Fatalf("read boxes of %s: %v", path, err)
		}
		for _, b := range boxes {
			if b.typ == "mdat" {
				break
			}
			if b.typ == "moov" {
				f.MoovFirst = true
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range boxes {
			if b.typ == "moov" {
				f.HasEditList = bytes.Contains(data[b.off:b.off+b.size], []byte("edts"))
			}
		}
	}
	return f
}

// StreamHash returns ffmpeg's hash of the packets of one stream ("v:0",
// "a:0") copied without decoding: equal hashes mean an untouched bitstream.
func StreamHash(t testing.TB, path, stream string) string {
	t.Helper()
	tools := Require(t)
	cmd := exec.Command(tools.FFmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-i", "file:"+path, "-map", "0:"+stream, "-c", "copy", "-f", "streamhash", "-hash", "sha256", "-")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("streamhash %s: %v\n%s", path, err, stderr.String())
	}
	return strings.TrimSpace(out.String())
}

type mp4Box struct {
	typ       string
	off, size int64
}

func topBoxes(path string) ([]mp4Box, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return children(data, 0, int64(len(data)))
}

func children(data []byte, start, end int64) ([]mp4Box, error) {
	var out []mp4Box
	for off := start; off+8 <= end; {
		size := int64(binary.BigEndian.Uint32(data[off:]))
		hdr := int64(8)
		if size == 1 {
			size = int64(binary.BigEndian.Uint64(data[off+8:]))
			hdr = 16
		} else if size == 0 {
			size = end - off
		}
		if size < hdr || off+size > end {
			return out, fmt.Errorf("bad box at %d", off)
		}
		out = append(out, mp4Box{typ: string(data[off+4 : off+8]), off: off, size: size})
		off += size
	}
	return out, nil
}

// setRotation writes a display matrix into the first video track's tkhd,
// the way phones mark portrait recordings (ffmpeg 5 cannot set one).
func setRotation(path string, deg int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const one = 0x10000
	var a, b, c, d int32
	switch deg {
	case 90:
		a, b, c, d = 0, one, -one, 0
	case 180:
		a, b, c, d = -one, 0, 0, -one
	case 270:
		a, b, c, d = 0, -one, one, 0
	default:
		return fmt.Errorf("rotation %d: want 90, 180 or 270", deg)
	}
	top, err := children(data, 0, int64(len(data)))
	if err != nil {
		return err
	}
	for _, mv := range top {
		if mv.typ != "moov" {
			continue
		}
		traks, err := children(data, mv.off+8, mv.off+mv.size)
		if err != nil {
			return err
		}
		for _, tr := range traks {
			if tr.typ != "trak" {
				continue
			}
			kids, err := children(data, tr.off+8, tr.off+tr.size)
			if err != nil {
				return err
			}
			var tkhd *mp4Box
			video := false
			for i, k := range kids {
				if k.typ == "tkhd" {
					tkhd = &kids[i]
				}
				if k.typ == "mdia" && bytes.Contains(data[k.off:k.off+k.size], []byte("vide")) {
					video = true
				}
			}
			if !video || tkhd == nil {
				continue
			}
			m := tkhd.off + 8 + 40 // version 0 layout
			if data[tkhd.off+8] == 1 {
				m = tkhd.off + 8 + 52
			}
			for i, v := range []int32{a, b, 0, c, d, 0, 0, 0, 0x40000000} {
				binary.BigEndian.PutUint32(data[m+int64(i)*4:], uint32(v))
			}
			return os.WriteFile(path, data, 0o600)
		}
	}
	return fmt.Errorf("no video track in %s", path)
}

func ratio(s string) float64 {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return atof(s)
	}
	d := atof(b)
	if d == 0 {
		return 0
	}
	return atof(a) / d
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}

// MeanVolume returns the mean volume in dB of the audio from start for dur
// seconds, after the audio filter (e.g. a band-pass isolating one tone).
func MeanVolume(t testing.TB, path string, start, dur float64, filter string) float64 {
	t.Helper()
	af := "volumedetect"
	if filter != "" {
		af = filter + "," + af
	}
	out := stderrOf(t, "-ss", fmt.Sprint(start), "-t", fmt.Sprint(dur), "-i", "file:"+path, "-vn", "-af", af, "-f", "null", "-")
	return lastNumberAfter(t, out, "mean_volume:")
}

// Loudness returns the integrated loudness (LUFS) of the file's audio,
// measured with ffmpeg's ebur128 filter.
func Loudness(t testing.TB, path string) float64 {
	t.Helper()
	out := stderrOf(t, "-i", "file:"+path, "-vn", "-af", "ebur128=framelog=verbose", "-f", "null", "-")
	return lastNumberAfter(t, out, "I:")
}

func stderrOf(t testing.TB, args ...string) string {
	t.Helper()
	tools := Require(t)
	cmd := exec.Command(tools.FFmpeg, append([]string{"-nostdin", "-hide_banner", "-nostats"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, stderr.String())
	}
	return stderr.String()
}

func lastNumberAfter(t testing.TB, text, key string) float64 {
	t.Helper()
	i := strings.LastIndex(text, key)
	if i < 0 {
		t.Fatalf("no %q in ffmpeg output:\n%s", key, text)
	}
	f := strings.Fields(text[i+len(key):])
	if len(f) == 0 {
		t.Fatalf("no value after %q", key)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		t.Fatalf("value after %q: %v", key, err)
	}
	return v
}
