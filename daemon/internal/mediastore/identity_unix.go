//go:build linux || darwin

package mediastore

import (
	"os"
	"syscall"
)

// sysID returns the device, inode and ctime of a stat result. Only where
// Stat_t keeps the ctime differs by platform (ctimeOf).
func sysID(fi os.FileInfo) (dev, ino uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0
	}
	return uint64(st.Dev), uint64(st.Ino), ctimeOf(st)
}
