package projects

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Delivering a render to the user's --out path must not cost a second
// copy of the output: a 60 s reel is 100+ MB, and copying it took as long
// as the remux that made it. placeFile tries, in order:
//
//  1. a reflink (copy-on-write clone: btrfs, XFS, APFS), which shares the
//     blocks but is a separate file — the user may change it freely;
//  2. a hard link (same filesystem), which is the cache's own file under a
//     second name. The cache stays honest anyway: a registered render
//     records its file's size and modification time, and cachedResult
//     refuses an entry whose file changed, so a user who edits their copy
//     in place gets a new render rather than their edit;
//  3. a copy (another filesystem, or links refused).
//
// In every case the file appears at dst whole or not at all (a temporary
// name in dst's directory, then a rename). A file it replaces is retired
// into retireDir rather than freed inside the rename (see retire).
func placeFile(src, dst, retireDir string) (how string, err error) {
	tmp, err := tempName(dst)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // no-op after the rename
	how = "reflink"
	if err := cloneFile(src, tmp); err != nil {
		os.Remove(tmp)
		how = "link"
		if err := linkFile(src, tmp); err != nil {
			how = "copy"
			if err := copyInto(src, tmp); err != nil {
				return "", err
			}
		}
	}
	// The user's file gets the user's usual permissions, not 0600. For a
	// link this opens the cache's file too, which is fine: its directory
	// is private.
	os.Chmod(tmp, 0o644)
	if err := renameRetiring(tmp, dst, retireDir, true); err != nil {
		return "", err
	}
	return how, nil
}

// renameRetiring renames tmp over dst. When dst is a file whose last link
// this rename drops — a 100+ MB render replaced by the next one — the
// filesystem frees its blocks inside rename(2), ~20 ms on ext4 that the
// user would wait for. So dst is first retired into retireDir (the
// renders' temporary directory, swept at every start) and removed there
// after the answer, off the render's path. Where that cannot be done
// (another filesystem), the rename frees it as before.
//
// atomic keeps dst in place until tmp replaces it (a hard link retires
// it), for the user's --out: a reader sees the old file or the new one.
// The cache's own file is moved aside instead, since ext4 also starts
// writing back the new file's data inside a rename that replaces another
// (auto_da_alloc), ~9 ms of a 114 MB remux; a cache lookup between the
// two renames finds no file and renders again.
func renameRetiring(tmp, dst, retireDir string, atomic bool) error {
	var retired string
	if retireDir != "" {
		if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() {
			retire := os.Rename
			if atomic {
				retire = linkFile
			}
			if name, err := tempName(filepath.Join(retireDir, "retired")); err == nil && os.MkdirAll(retireDir, 0o700) == nil && retire(dst, name) == nil {
				retired = name
			}
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		if retired != "" && !atomic {
			os.Rename(retired, dst) // put it back
		} else if retired != "" {
			os.Remove(retired)
		}
		return err
	}
	if retired != "" {
		go os.Remove(retired)
	}
	return nil
}

// cloneFile and linkFile are variables so that tests can refuse them, as
// a filesystem without reflinks or links does.
var (
	cloneFile = cloneFileOS
	linkFile  = os.Link
)

func tempName(dst string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".part-"+hex.EncodeToString(b[:])), nil
}

// copyInto copies src to a new file tmp.
func copyInto(src, tmp string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// errNoClone is cloneFile's answer where the platform has no reflink.
var errNoClone = errors.New("no reflink on this platform")
