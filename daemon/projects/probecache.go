package projects

import (
	"sync"

	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
)

// probeCache remembers what ffprobe said about render inputs, by file
// identity (device, inode, size, mtime, ctime: any write changes it), as
// hashCache remembers hashes. Rendering the same clip again — the edit
// loop of changing a spec and rendering, or the re-render of a remuxed
// reel — then starts ffmpeg at once instead of after an ffprobe run
// (≈0.1 s, twice that on a loaded machine). render.Render still sniffs
// every input before ffmpeg opens it.
type probeCache struct {
	mu sync.Mutex // guards m; a leaf
	m  map[mediastore.FileID]*render.MediaInfo
}

// probeCacheMax bounds the cache; a probe is a few hundred bytes.
const probeCacheMax = 1024

// known returns the cached probes of paths (keyed by path) and the
// identities of all of them now, for learn.
func (c *probeCache) known(paths []string) (map[string]*render.MediaInfo, map[string]mediastore.FileID) {
	ids := map[string]mediastore.FileID{}
	hits := map[string]*render.MediaInfo{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range paths {
		id, err := mediastore.StatID(p)
		if err != nil {
			continue
		}
		ids[p] = id
		if info, ok := c.m[id]; ok {
			hits[p] = info
		}
	}
	return hits, ids
}

// learn keeps the probes a render used, for the files whose identity
// is still the one known took before the render (a file written during
// the render is probed again next time).
func (c *probeCache) learn(ids map[string]mediastore.FileID, inputs map[string]*render.MediaInfo) {
	now := map[mediastore.FileID]*render.MediaInfo{}
	for p, info := range inputs {
		before, ok := ids[p]
		if !ok || info == nil {
			continue
		}
		if id, err := mediastore.StatID(p); err == nil && id == before {
			now[id] = info
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(now) > probeCacheMax {
		c.m = map[mediastore.FileID]*render.MediaInfo{}
	}
	for id, info := range now {
		c.m[id] = info
	}
}
