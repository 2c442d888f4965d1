package humantime

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
		ok   bool
	}{
		{-time.Second, "just now", true}, // a clock a little ahead
		{0, "just now", true},
		{59 * time.Second, "just now", true},
		{time.Minute, "1m ago", true},
		{59*time.Minute + 59*time.Second, "59m ago", true},
		{time.Hour, "1h ago", true},
		{Recent - time.Second, "47h ago", true},
		{Recent, "", false},
		{30 * 24 * time.Hour, "", false},
	} {
		if got, ok := Ago(tc.d); got != tc.want || ok != tc.ok {
			t.Errorf("Ago(%v) = %q, %v; want %q, %v", tc.d, got, ok, tc.want, tc.ok)
		}
	}
}
