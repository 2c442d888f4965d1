//go:build !linux && !darwin

package daemon

import (
	"errors"
	"net"
)

// peerUID is unsupported here; the listener then refuses every connection
// rather than trusting an unauthenticated one.
func peerUID(net.Conn) (int, error) {
	return -1, errors.New("peer credentials are not supported on this platform")
}
