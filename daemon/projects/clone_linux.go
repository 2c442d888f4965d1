package projects

import (
	"os"

	"golang.org/x/sys/unix"
)

// cloneFileOS makes dst a reflink of src (FICLONE: btrfs, XFS with reflink,
// bcachefs); ext4 and tmpfs refuse it and the caller links or copies.
func cloneFileOS(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// exchangeFilesOS swaps the files at a and b in one step
// (renameat2 RENAME_EXCHANGE, Linux 3.15 on: ext4, XFS, btrfs, tmpfs);
// other filesystems refuse it and the caller retires and renames.
func exchangeFilesOS(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}
