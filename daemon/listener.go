package daemon

import (
	"log/slog"
	"net"
)

// credListener accepts only connections from processes running as uid.
// Others are closed before a byte is read, and logged.
type credListener struct {
	net.Listener
	uid int
	log *slog.Logger
}

func (l *credListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err != nil || uid != l.uid {
			l.log.Warn("refused local API connection", "peer_uid", uid, "err", err)
			c.Close()
			continue
		}
		return c, nil
	}
}
