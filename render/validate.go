package render

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/impress-dev/impress/api"
)

// Kinds lists the kinds Validate accepts.
func Kinds() []string {
	return []string{KindReel, KindStory, KindFeed, KindImage, KindCarouselItem}
}

// Violation is one broken rule. Rule is a stable identifier scripts may
// match ("duration_max", "moov_first", …); Message says what to do. It is
// the wire type itself, so the daemon hands Validate's answer over as is.
type Violation = api.Violation

// FixedByRender reports a rule that a render of the file fixes by itself
// (a remux: the file's layout, not its pictures or sound), and so does a
// publish, which normalises a file that breaks it: a raw camera clip
// breaks these as a rule, and nobody has to do anything about them.
func FixedByRender(rule string) bool { return rule == "moov_first" || rule == "edit_list" }

// Instagram's limits (docs/META.md §16).
const (
	mb                   = 1 << 20
	reelMinDur           = 3.0
	reelMaxDur           = 15 * 60.0
	reelMaxBytes         = 300 * mb
	storyMaxDur          = 60.0
	storyMaxBytes        = 100 * mb
	carouselMaxDur       = 60.0
	carouselMaxBytes     = 100 * mb
	maxVideoWidth        = 1920
	maxVideoBitrate      = 25_000_000
	maxAudioRate         = 48000
	maxAudioBitrate      = 128_000 * 105 / 100 // AAC encoders overshoot a 128k target by a little
	imageMaxBytes        = 8 * mb
	imageMinAspect       = 0.8
	imageMaxAspect       = 1.91
	carouselMinAspect    = 0.8
	carouselMaxAspect    = 16.0 / 9
	minVideoFPS          = 23
	maxVideoFPS          = 60
	maxCaptionRunes      = 2200
	maxCaptionHashtags   = 30
	maxCaptionMentions   = 20
	carouselMinItems     = 2
	carouselMaxItems     = 10
	fpsTolerance         = 0.5
	aspectTolerance      = 0.01
	durationTolerance    = 0.05
	unknownKindViolation = "kind"
)

// Validate checks a probed file against Instagram's rules for kind and
// lists every violation (nil when publishable). A still image validated as
// a carousel item gets the image rules, a video the carousel video rules.
func Validate(info *MediaInfo, kind string) []Violation {
	var vs []Violation
	add := func(rule, got, want, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, Message: fmt.Sprintf(format, args...), Got: got, Want: want})
	}
	switch kind {
	case KindImage:
		validateImage(info, add)
	case KindCarouselItem:
		if info.Video != nil && info.Video.Still {
			validateImage(info, add)
		} else {
			validateVideo(info, kind, add)
		}
	case KindReel, KindStory, KindFeed:
		validateVideo(info, kind, add)
	default:
		add(unknownKindViolation, kind, strings.Join(Kinds(), "|"), "unknown media kind %q", kind)
	}
	return vs
}

type addFunc func(rule, got, want, format string, args ...any)

func validateImage(info *MediaInfo, add addFunc) {
	if info.Video == nil || !info.Video.Still || info.Video.Codec != "mjpeg" || info.Format.Demuxer != "jpeg_pipe" {
		add("image_format", info.Format.Name, "JPEG", "Instagram takes JPEG images only; render it with the image preset")
	}
	if info.Size > imageMaxBytes {
		add("image_file_size", bytesStr(info.Size), bytesStr(imageMaxBytes), "image larger than 8 MB")
	}
	if v := info.Video; v != nil && v.DisplayHeight > 0 {
		a := float64(v.DisplayWidth) / float64(v.DisplayHeight)
		if a < imageMinAspect-aspectTolerance || a > imageMaxAspect+aspectTolerance {
			add("aspect", fmt.Sprintf("%.3f:1 (%dx%d)", a, v.DisplayWidth, v.DisplayHeight), "0.8:1 to 1.91:1",
				"aspect ratio outside 4:5 … 1.91:1; crop it (the image preset does)")
		}
	}
}

func validateVideo(info *MediaInfo, kind string, add addFunc) {
	minDur, maxDur, maxBytes := reelMinDur, reelMaxDur, int64(reelMaxBytes)
	switch kind {
	case KindStory:
		maxDur, maxBytes = storyMaxDur, storyMaxBytes
	case KindCarouselItem:
		maxDur, maxBytes = carouselMaxDur, carouselMaxBytes
	}
	if info.Format.Demuxer != "mov" || !strings.Contains(info.FormatName, "mp4") {
		add("container", info.Format.Name, "MP4 or MOV", "the container must be MP4 or MOV")
	}
	if l := info.Layout; l != nil {
		if !l.MoovFirst {
			add("moov_first", "moov after mdat", "moov first", "the moov atom must come first (faststart); `impress render` fixes it without re-encoding")
		}
		if len(l.EditLists) > 0 {
			add("edit_list", fmt.Sprintf("%d track(s) with edit lists", len(l.EditLists)), "none",
				"edit lists are not allowed; `impress render` removes them")
		}
		if l.Fragmented {
			add("fragmented", "fragmented MP4", "plain MP4", "fragmented MP4 is not accepted")
		}
	}
	if info.Duration < minDur-durationTolerance {
		add("duration_min", secsStr(info.Duration), secsStr(minDur), "too short")
	}
	if info.Duration > maxDur+durationTolerance {
		add("duration_max", secsStr(info.Duration), secsStr(maxDur), "too long for a %s", kind)
	}
	if info.Size > maxBytes {
		add("file_size", bytesStr(info.Size), bytesStr(maxBytes), "file too large for a %s", kind)
	}
	v := info.Video
	if v == nil || v.Still {
		add("video_stream", "none", "one video stream", "no video stream")
	} else {
		if v.Codec != "h264" && v.Codec != "hevc" {
			add("video_codec", v.Codec, "h264 or hevc", "video codec not accepted")
		}
		if !strings.Contains(v.PixFmt, "420") {
			add("pix_fmt", v.PixFmt, "yuv420p", "chroma must be 4:2:0")
		}
		if v.Interlaced {
			add("progressive", "interlaced", "progressive", "interlaced video is not accepted")
		}
		if v.FPS < minVideoFPS-fpsTolerance || v.FPS > maxVideoFPS+fpsTolerance {
			add("fps", num(roundTo(v.FPS, 3)), "23–60", "frame rate outside 23–60 fps")
		}
		if v.DisplayWidth > maxVideoWidth {
			add("max_width", fmt.Sprint(v.DisplayWidth), fmt.Sprint(maxVideoWidth), "wider than 1920 px")
		}
		if kind == KindCarouselItem && v.DisplayHeight > 0 {
			a := float64(v.DisplayWidth) / float64(v.DisplayHeight)
			if a < carouselMinAspect-aspectTolerance || a > carouselMaxAspect+aspectTolerance {
				add("aspect", fmt.Sprintf("%.3f:1", a), "4:5 to 16:9", "aspect ratio outside 4:5 … 16:9 for a carousel video")
			}
		}
		br := v.BitRate
		if br == 0 && info.Duration > 0 {
			br = int64(float64(info.Size*8) / info.Duration)
		}
		if br > maxVideoBitrate {
			add("video_bitrate", bitsStr(br), bitsStr(maxVideoBitrate), "video bit rate above 25 Mb/s")
		}
	}
	if a := info.Audio; a != nil {
		if a.Codec != "aac" {
			add("audio_codec", a.Codec, "aac", "audio must be AAC")
		}
		if a.SampleRate > maxAudioRate {
			add("audio_rate", fmt.Sprint(a.SampleRate), "≤ 48000", "audio sample rate above 48 kHz")
		}
		if a.Channels > 2 {
			add("audio_channels", fmt.Sprint(a.Channels), "1 or 2", "audio must be mono or stereo")
		}
		if a.BitRate > maxAudioBitrate {
			add("audio_bitrate", bitsStr(a.BitRate), "128 kb/s", "audio bit rate above 128 kb/s (Instagram rejects 256 kb/s audio)")
		}
	}
}

var (
	hashtagRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+`) })
	mentionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.])@[\p{L}\p{N}_.]+`) })
)

// ValidateCaption checks a post caption: ≤ 2,200 characters, ≤ 30
// hashtags, ≤ 20 @mentions.
func ValidateCaption(caption string) []Violation {
	var vs []Violation
	if n := utf8.RuneCountInString(caption); n > maxCaptionRunes {
		vs = append(vs, Violation{Rule: "caption_length", Message: "caption longer than 2,200 characters", Got: fmt.Sprint(n), Want: "≤ 2200"})
	}
	if n := len(hashtagRE().FindAllString(caption, -1)); n > maxCaptionHashtags {
		vs = append(vs, Violation{Rule: "caption_hashtags", Message: "more than 30 hashtags", Got: fmt.Sprint(n), Want: "≤ 30"})
	}
	if n := len(mentionRE().FindAllString(caption, -1)); n > maxCaptionMentions {
		vs = append(vs, Violation{Rule: "caption_mentions", Message: "more than 20 @mentions", Got: fmt.Sprint(n), Want: "≤ 20"})
	}
	return vs
}

// ValidateCarousel checks the item count of a carousel (2–10).
func ValidateCarousel(items int) []Violation {
	if items < carouselMinItems || items > carouselMaxItems {
		return []Violation{{Rule: "carousel_items", Message: "a carousel has 2 to 10 items", Got: fmt.Sprint(items), Want: "2–10"}}
	}
	return nil
}

func roundTo(f float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(f*p+0.5)) / p
}

func secsStr(f float64) string { return num(roundTo(f, 3)) + " s" }

func bytesStr(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/mb) }

func bitsStr(n int64) string { return fmt.Sprintf("%.0f kb/s", float64(n)/1000) }
