//go:build linux || darwin

package daemon

import (
	"errors"
	"net"
)

// peerUID returns the uid of the process at the other end of a unix socket
// connection, as the kernel recorded it at connect time: a process cannot
// lie about it. Only the socket option that reads it differs by platform
// (peerCredUID).
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, errors.New("not a unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid, serr := -1, error(nil)
	if err := raw.Control(func(fd uintptr) { uid, serr = peerCredUID(int(fd)) }); err != nil {
		return -1, err
	}
	if serr != nil {
		return -1, serr
	}
	return uid, nil
}
