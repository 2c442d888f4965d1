//go:build !unix

package render

import "os/exec"

// setProcessGroup: without process groups, exec.CommandContext's default
// (kill the process) is the best available.
func setProcessGroup(c *exec.Cmd) {}
