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
	if err := renameRetiring(tmp, dst, retireDir); err != nil {
		return "", err
	}
	return how, nil
}

// renameRetiring renames tmp over dst, atomically: a reader sees the old
// file or the new one. Replacing a 100+ MB render costs inside rename(2)
// on ext4: the old file's blocks are freed there (~20 ms), and a rename
// that replaces a file makes ext4 allocate and start writing the new
// file's data at once (auto_da_alloc) — the data the job's final commit
// (an fdatasync on the same filesystem) then waits for: ~25 ms of a
// 114 MB remux's wall time, measured with the CLI. So the two files are
// swapped instead (exchangeFiles: no replace, nothing freed) and the old
// one is retired into retireDir (the renders' temporary directory, swept
// at every start) and removed after the answer, off the render's path.
// Where the swap is refused (another OS or filesystem), dst is linked
// into retireDir and tmp renamed over it; where that fails too, the
// rename frees it as before.
func renameRetiring(tmp, dst, retireDir string) error {
	fi, err := os.Lstat(dst)
	if err != nil || !fi.Mode().IsRegular() {
		return os.Rename(tmp, dst)
	}
	if exchangeFiles(tmp, dst) == nil {
		retire(tmp, retireDir) // tmp is the old file now
		return nil
	}
	var retired string
	if retireDir != "" {
		if name, err := tempName(filepath.Join(retireDir, "retired")); err == nil && os.MkdirAll(retireDir, 0o700) == nil && linkFile(dst, name) == nil {
			retired = name
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		if retired != "" {
			os.Remove(retired)
		}
		return err
	}
	if retired != "" {
		go os.Remove(retired)
	}
	return nil
}

// retire moves old into retireDir (so that a crash leaves it where the
// next start sweeps) and removes it in the background; where it cannot be
// moved there, it is removed where it is, in the background too.
func retire(old, retireDir string) {
	if retireDir != "" {
		if name, err := tempName(filepath.Join(retireDir, "retired")); err == nil && os.MkdirAll(retireDir, 0o700) == nil && os.Rename(old, name) == nil {
			old = name
		}
	}
	go os.Remove(old)
}

// cloneFile, linkFile and exchangeFiles are variables so that tests can
// refuse them, as a filesystem without reflinks, links or exchange does.
var (
	cloneFile     = cloneFileOS
	linkFile      = os.Link
	exchangeFiles = exchangeFilesOS
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
