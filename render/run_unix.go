//go:build unix

package render

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the child in a new process group and makes
// cancellation kill the whole group: exec.CommandContext alone would
// SIGKILL ffmpeg but not anything ffmpeg started.
func setProcessGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		if c.Process == nil {
			return nil
		}
		return syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}
