//go:build !linux && !darwin

package mediastore

import "os"

// sysID is unknown here: the hash cache then keys on path, size and mtime.
func sysID(fi os.FileInfo) (dev, ino uint64, ctime int64) { return 0, 0, 0 }
