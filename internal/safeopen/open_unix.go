//go:build unix

package safeopen

import (
	"errors"
	"os"
	"syscall"
)

// openNonblocking opens with O_NONBLOCK, so that a FIFO without a writer
// (or a device) opens at once instead of blocking, and O_NOCTTY, so that
// a terminal never becomes the process's controlling one. A regular file
// is then switched back to blocking reads; anything else is closed by the
// caller after fstat.
func openNonblocking(path string, noFollow bool) (*os.File, error) {
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY | syscall.O_CLOEXEC
	if noFollow {
		flags |= syscall.O_NOFOLLOW
	}
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, flags, 0)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		if err := syscall.SetNonblock(fd, false); err != nil {
			syscall.Close(fd)
			return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// isSocketOpen: open(2) of a unix socket fails with ENXIO.
func isSocketOpen(err error) bool { return errors.Is(err, syscall.ENXIO) }

// isLoop: O_NOFOLLOW on a symbolic link fails with ELOOP.
func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
