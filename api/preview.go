package api

import "context"

// Limits of a preview frame: it is drawn in a terminal, two pixels per
// character cell, so anything larger only costs ffmpeg time.
const (
	PreviewMaxWidth  = 480
	PreviewMaxHeight = 480
)

// PreviewRequest asks for one small still of an imported media file
// (POST /v1/preview/frame), for the TUI's preview. Path is absolute and
// must be in the daemon's media store (the paths `project export`
// writes); At is seconds into the source (ignored for images). The
// source fills Width x Height as the clip's Fit says (one of SpecFits):
// crop (default) covers the frame, pad and blur letterbox it, stretch
// scales it to the frame.
type PreviewRequest struct {
	Path   string  `json:"path"`
	At     float64 `json:"at"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Fit    string  `json:"fit,omitempty"`
}

// PreviewFrame is the still as raw 8-bit RGB, rows top to bottom, exactly
// Width*Height*3 bytes (base64 in JSON).
type PreviewFrame struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	RGB    []byte `json:"rgb"`
}

// PreviewFrame renders one preview still (POST /v1/preview/frame).
func (c *Client) PreviewFrame(ctx context.Context, r PreviewRequest) (*PreviewFrame, error) {
	return doJSON[PreviewFrame](ctx, c, "POST", "/v1/preview/frame", r)
}
