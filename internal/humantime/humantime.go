// Package humantime writes how long ago something happened the one way
// the CLI's tables and the TUI's lists both show it ("just now", "5m
// ago", "3h ago"), so that the two front ends never disagree about a
// time. What is older than two days each front end writes its own way
// (the CLI a date, the TUI a count of days).
package humantime

import (
	"fmt"
	"time"
)

// Recent is the limit below which [Ago] answers.
const Recent = 48 * time.Hour

// Ago writes an age d below [Recent]: "just now" under a minute, then
// whole minutes, then whole hours. It says false for d >= Recent.
func Ago(d time.Duration) (string, bool) {
	switch {
	case d < time.Minute:
		return "just now", true
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes())), true
	case d < Recent:
		return fmt.Sprintf("%dh ago", int(d.Hours())), true
	}
	return "", false
}
