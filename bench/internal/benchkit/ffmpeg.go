package benchkit

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// SSIM is the mean SSIM (ffmpeg's "All:") of a's video against ref's.
func SSIM(ffmpeg, a, ref string) (string, error) {
	cmd := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-i", a, "-i", ref, "-lavfi", "[0:v][1:v]ssim", "-f", "null", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ffmpeg ssim: %v\n%s", err, stderr.String())
	}
	out := stderr.String()
	i := strings.LastIndex(out, "All:")
	if i < 0 {
		return "", fmt.Errorf("no SSIM in ffmpeg's output")
	}
	return strings.Fields(out[i+4:])[0], nil
}

// SameVideo reports whether a and b carry the same video bitstream
// (ffmpeg's streamhash of the first video stream).
func SameVideo(ffmpeg, a, b string) (bool, error) {
	hash := func(p string) (string, error) {
		out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-i", p, "-map", "0:v", "-c", "copy", "-f", "streamhash", "-").Output()
		return string(out), err
	}
	x, err := hash(a)
	if err != nil {
		return false, err
	}
	y, err := hash(b)
	return x == y && x != "", err
}
