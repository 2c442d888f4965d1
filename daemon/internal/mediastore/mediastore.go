// Package mediastore is what the daemon's features share about the media
// files impress keeps and reads: the media store's layout under the data
// directory, the kinds of media, and a file's identity (device, inode,
// size, times), which keys the caches of hashes and probes.
//
// The media store keeps every imported file under the data directory as
// media/<aa>/<sha256><ext>, where aa are the hash's first two hex digits.
// Files are always copied, never linked: the user may edit or delete the
// original, and a project must render the same bytes next year. Renders
// live in renders/<key>.mp4 (temporaries in renders/tmp). The projects
// feature writes both; privacy deletes from them.
package mediastore

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/impress-dev/impress/store"
)

// Media kinds of the store.
const (
	KindVideo    = "video"
	KindImage    = "image"
	KindAudio    = "audio"
	KindSubtitle = "subtitle"
)

// Root is the media store directory.
func Root(dataDir string) string { return filepath.Join(dataDir, "media") }

// Rel is a media file's path relative to the data directory: the form the
// stored specs use.
func Rel(sha, ext string) string { return filepath.Join("media", sha[:2], sha+ext) }

// Path is a media record's file.
func Path(dataDir string, m store.Media) string {
	return filepath.Join(dataDir, Rel(m.SHA256, m.Ext))
}

// RendersDir is the render cache.
func RendersDir(dataDir string) string { return filepath.Join(dataDir, "renders") }

// FileID identifies a file's content cheaply: any write changes ctime.
type FileID struct {
	path         string
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

// Known reports an identity with a path: one that can key a cache.
func (id FileID) Known() bool { return id.path != "" }

// StatID is path's identity now; an error for what is not a regular file.
func StatID(path string) (FileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return FileID{}, err
	}
	if !fi.Mode().IsRegular() {
		return FileID{}, fmt.Errorf("%w: not a regular file", fs.ErrInvalid)
	}
	id := FileID{path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	id.dev, id.ino, id.ctime = sysID(fi)
	return id, nil
}

// CtxReader stops a long copy or hash when the request goes away.
type CtxReader struct {
	Ctx context.Context
	R   io.Reader
}

func (c CtxReader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}
