//go:build unix

package secrets

import (
	"io/fs"
	"syscall"
)

// oNoFollow makes opening the key file fail on a symlink, which could point
// at a file someone else controls.
const oNoFollow = syscall.O_NOFOLLOW

func ownerUID(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
