package render

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync"
)

// LoudnessStats is loudnorm's first-pass measurement of the mix.
type LoudnessStats struct {
	InputI       float64 `json:"input_i"`   // integrated loudness, LUFS
	InputTP      float64 `json:"input_tp"`  // true peak, dBTP
	InputLRA     float64 `json:"input_lra"` // loudness range, LU
	InputThresh  float64 `json:"input_thresh"`
	TargetOffset float64 `json:"target_offset"`
}

// Silent reports a mix with no measurable loudness (all silence): there is
// nothing to normalise, and loudnorm cannot take -inf as a measurement.
func (s *LoudnessStats) Silent() bool {
	return math.IsInf(s.InputI, -1) || s.InputI < -70 || math.IsInf(s.InputThresh, -1)
}

var loudnormFieldRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`"(input_i|input_tp|input_lra|input_thresh|target_offset)"\s*:\s*"([^"]*)"`)
})

// parseLoudnorm reads loudnorm's print_format=json block from ffmpeg's
// stderr.
func parseLoudnorm(stderr string) (*LoudnessStats, error) {
	found := map[string]float64{}
	for _, m := range loudnormFieldRE().FindAllStringSubmatch(stderr, -1) {
		f, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, fmt.Errorf("loudnorm %s: %q is not a number", m[1], m[2])
		}
		found[m[1]] = f
	}
	for _, k := range []string{"input_i", "input_tp", "input_lra", "input_thresh", "target_offset"} {
		if _, ok := found[k]; !ok {
			return nil, fmt.Errorf("loudnorm printed no %s", k)
		}
	}
	return &LoudnessStats{
		InputI: found["input_i"], InputTP: found["input_tp"], InputLRA: found["input_lra"],
		InputThresh: found["input_thresh"], TargetOffset: found["target_offset"],
	}, nil
}

// MeasureLoudness runs a command from [BuildLoudnessAnalysis] and returns
// the measurement for [BuildOptions].Loudness.
func MeasureLoudness(ctx context.Context, ffmpegPath string, cmd *Command, fn func(Progress)) (*LoudnessStats, error) {
	stderr, err := run(ctx, ffmpegPath, cmd, fn)
	if err != nil {
		return nil, err
	}
	st, err := parseLoudnorm(stderr)
	if err != nil {
		return nil, fmt.Errorf("loudness analysis: %w", err)
	}
	return st, nil
}
