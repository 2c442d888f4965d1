package render

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

func rules(vs []Violation) string {
	var r []string
	for _, v := range vs {
		r = append(r, v.Rule)
	}
	sort.Strings(r)
	return strings.Join(r, ",")
}

// goodReel is a publishable reel as ffprobe would describe it.
func goodReel() *MediaInfo {
	return &MediaInfo{
		Format: Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"}, FormatName: "mov,mp4,m4a,3gp,3g2,mj2",
		Duration: 10, Size: 10 * mb,
		Video: &VideoInfo{Codec: "h264", Profile: "High", PixFmt: "yuv420p", Width: 1080, Height: 1920,
			DisplayWidth: 1080, DisplayHeight: 1920, FPS: 30, RFrameRate: 30, BitDepth: 8, BitRate: 6_000_000, Duration: 10},
		Audio:  &AudioInfo{Codec: "aac", Profile: "LC", SampleRate: 48000, Channels: 2, BitRate: 128_000},
		Layout: &MP4Layout{MoovFirst: true},
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		change func(m *MediaInfo)
		want   string
	}{
		{"good reel", KindReel, func(m *MediaInfo) {}, ""},
		{"good story", KindStory, func(m *MediaInfo) {}, ""},
		{"silent reel is fine", KindReel, func(m *MediaInfo) { m.Audio = nil }, ""},
		{"too short", KindReel, func(m *MediaInfo) { m.Duration = 2 }, "duration_min"},
		{"too long reel", KindReel, func(m *MediaInfo) { m.Duration = 901 }, "duration_max"},
		{"story over 60 s", KindStory, func(m *MediaInfo) { m.Duration = 61 }, "duration_max"},
		{"story over 100 MB", KindStory, func(m *MediaInfo) { m.Size = 101 * mb }, "file_size"},
		{"reel over 300 MB", KindReel, func(m *MediaInfo) { m.Size = 301 * mb }, "file_size"},
		{"moov last", KindReel, func(m *MediaInfo) { m.Layout.MoovFirst = false }, "moov_first"},
		{"edit list", KindReel, func(m *MediaInfo) { m.Layout.EditLists = []EditList{{TrackID: 1, Entries: 1}} }, "edit_list"},
		{"matroska", KindReel, func(m *MediaInfo) {
			m.Format = Format{Demuxer: "matroska", Name: "Matroska"}
			m.FormatName = "matroska,webm"
		}, "container"},
		{"vp9", KindReel, func(m *MediaInfo) { m.Video.Codec = "vp9" }, "video_codec"},
		{"4:2:2", KindReel, func(m *MediaInfo) { m.Video.PixFmt = "yuv422p" }, "pix_fmt"},
		{"interlaced", KindReel, func(m *MediaInfo) { m.Video.Interlaced = true }, "progressive"},
		{"120 fps", KindReel, func(m *MediaInfo) { m.Video.FPS = 120 }, "fps"},
		{"15 fps", KindReel, func(m *MediaInfo) { m.Video.FPS = 15 }, "fps"},
		{"4k wide", KindReel, func(m *MediaInfo) { m.Video.DisplayWidth = 2160 }, "max_width"},
		{"bitrate", KindReel, func(m *MediaInfo) { m.Video.BitRate = 30_000_000 }, "video_bitrate"},
		{"mp3 audio", KindReel, func(m *MediaInfo) { m.Audio.Codec = "mp3" }, "audio_codec"},
		{"96 kHz", KindReel, func(m *MediaInfo) { m.Audio.SampleRate = 96000 }, "audio_rate"},
		{"5.1", KindReel, func(m *MediaInfo) { m.Audio.Channels = 6 }, "audio_channels"},
		{"256k audio", KindReel, func(m *MediaInfo) { m.Audio.BitRate = 256_000 }, "audio_bitrate"},
		{"carousel 9:16", KindCarouselItem, func(m *MediaInfo) {}, "aspect"},
		{"carousel too long", KindCarouselItem, func(m *MediaInfo) { m.Duration = 61; m.Video.DisplayHeight = 1350 }, "duration_max"},
		{"image as reel", KindReel, func(m *MediaInfo) { m.Video.Still = true }, "video_stream"},
		{"unknown kind", "tiktok", func(m *MediaInfo) {}, "kind"},
		{"many", KindReel, func(m *MediaInfo) { m.Duration = 1; m.Layout.MoovFirst = false; m.Audio.BitRate = 320_000 }, "audio_bitrate,duration_min,moov_first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodReel()
			tt.change(m)
			vs := Validate(m, tt.kind)
			if got := rules(vs); got != tt.want {
				t.Errorf("rules = %q, want %q (%v)", got, tt.want, vs)
			}
			for _, v := range vs {
				if v.Message == "" {
					t.Errorf("violation %s has no message", v.Rule)
				}
			}
		})
	}
}

func TestValidateImage(t *testing.T) {
	img := func(w, h int, demuxer string, size int64) *MediaInfo {
		codec := map[string]string{"jpeg_pipe": "mjpeg", "png_pipe": "png"}[demuxer]
		return &MediaInfo{Format: Format{Kind: "image", Demuxer: demuxer, Name: demuxer}, Size: size,
			Video: &VideoInfo{Codec: codec, Width: w, Height: h, DisplayWidth: w, DisplayHeight: h, Still: true}}
	}
	for _, tt := range []struct {
		name string
		m    *MediaInfo
		want string
	}{
		{"square jpeg", img(1080, 1080, "jpeg_pipe", mb), ""},
		{"4:5", img(1080, 1350, "jpeg_pipe", mb), ""},
		{"1.91:1", img(1080, 566, "jpeg_pipe", mb), ""},
		{"9:16", img(1080, 1920, "jpeg_pipe", mb), "aspect"},
		{"panorama", img(3000, 1000, "jpeg_pipe", mb), "aspect"},
		{"png", img(1080, 1080, "png_pipe", mb), "image_format"},
		{"9 MB", img(1080, 1080, "jpeg_pipe", 9*mb), "image_file_size"},
	} {
		if got := rules(Validate(tt.m, KindImage)); got != tt.want {
			t.Errorf("%s: rules = %q, want %q", tt.name, got, tt.want)
		}
	}
	// a carousel item that is a picture gets the image rules
	if got := rules(Validate(img(1080, 1920, "jpeg_pipe", mb), KindCarouselItem)); got != "aspect" {
		t.Errorf("carousel picture: %q", got)
	}
}

func TestValidateCaption(t *testing.T) {
	if vs := ValidateCaption("Summer sale ☀️ #sale @friend"); vs != nil {
		t.Errorf("good caption: %v", vs)
	}
	long := strings.Repeat("é", 2201)
	tags := strings.Repeat("#tag ", 31)
	mentions := strings.Repeat("@user ", 21)
	if got := rules(ValidateCaption(long)); got != "caption_length" {
		t.Errorf("long: %q", got)
	}
	if got := rules(ValidateCaption(tags + mentions)); got != "caption_hashtags,caption_mentions" {
		t.Errorf("tags+mentions: %q", got)
	}
	if got := rules(ValidateCaption(strings.Repeat("a#b c@d.e ", 40))); got != "" {
		t.Errorf("mid-word # and @ counted: %q", got)
	}
	if ValidateCarousel(1) == nil || ValidateCarousel(11) == nil || ValidateCarousel(2) != nil {
		t.Error("carousel item counts")
	}
}

func TestValidateRealFiles(t *testing.T) {
	t.Parallel()
	tools := ffmpegtest.Require(t)
	// ffmpeg's defaults: moov at the end, 1 s, 256k audio, an edit list
	bad := ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true, AudioBitrate: "256k", Profile: "high"})
	m, err := Probe(t.Context(), tools.FFprobe, bad)
	if err != nil {
		t.Fatal(err)
	}
	if got := rules(Validate(m, KindReel)); got != "audio_bitrate,duration_min,edit_list,moov_first" {
		t.Errorf("rules = %q (%v)", got, Validate(m, KindReel))
	}
	good := ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: 3 * time.Second, Audio: true, FastStart: true})
	m, err = Probe(t.Context(), tools.FFprobe, good)
	if err != nil {
		t.Fatal(err)
	}
	// ffmpeg still writes an edit list for the B-frame delay
	if got := rules(Validate(m, KindReel)); got != "edit_list" {
		t.Errorf("rules = %q (%v)", got, Validate(m, KindReel))
	}
}
