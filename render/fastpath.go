package render

import (
	"context"
	"os"
)

// speculation is a remux started before the probe has said whether the
// file conforms: a remux takes about as long as starting ffprobe, so
// running both at once makes the fast path cost one of them instead of
// their sum. The file was sniffed first, so ffmpeg never opens non-media;
// a remux that is not wanted is killed and its temporary output removed.
type speculation struct {
	cancel context.CancelFunc
	done   chan error
	out    string // temporary output beside the real one
	argv   []string
}

func startSpeculation(ctx context.Context, req RenderRequest, path string, fm Format) *speculation {
	if !mayConform(path, req) {
		return nil
	}
	tmp, err := tempSibling(req.Output)
	if err != nil {
		return nil
	}
	cmd, err := remux(&MediaInfo{Path: path, Format: fm}, tmp, true)
	if err != nil {
		return nil
	}
	cmd.NoSync = req.NoSync
	ctx, cancel := context.WithCancel(ctx)
	sp := &speculation{cancel: cancel, done: make(chan error, 1), out: tmp, argv: cmd.Argv(req.FFmpeg)}
	go func() { sp.done <- Run(ctx, req.FFmpeg, cmd, nil) }()
	return sp
}

// abort stops the remux (if still running) and removes what it wrote.
func (sp *speculation) abort() {
	if sp == nil || sp.done == nil {
		return
	}
	sp.cancel()
	<-sp.done
	sp.done = nil
	os.Remove(sp.out)
}

// take waits for the remux and moves its output into place.
func (sp *speculation) take(output string) error {
	err := <-sp.done
	sp.done = nil
	sp.cancel()
	if err == nil {
		err = os.Rename(sp.out, output)
	}
	if err != nil {
		os.Remove(sp.out)
		return err
	}
	return nil
}

// mayConform is false when the file's boxes already show that it cannot
// be remuxed for the preset: its first video track's picture is not the
// preset's size, or not H.264. A remux started on such a file (a 1080p
// landscape clip for a vertical reel: most of them) is only killed again,
// after costing a second core's worth of work next to ffprobe. Anything
// the boxes do not say clearly is left to the probe (true).
func mayConform(path string, req RenderRequest) bool {
	name := req.Preset
	if name == "" {
		name = "reels"
	}
	pr, err := LookupPreset(name, req.Preview)
	if err != nil || pr.Width == 0 {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	codec, w, h, ok := mp4VideoEntry(f, fi.Size())
	if !ok {
		return true
	}
	// Conforms wants exactly the preset's coded size, upright
	return codec == "avc1" && w == pr.Width && h == pr.Height
}
