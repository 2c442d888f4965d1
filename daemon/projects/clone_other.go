//go:build !linux && !darwin

package projects

func cloneFileOS(src, dst string) error { return errNoClone }
