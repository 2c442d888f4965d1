package render

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseTime reads a spec time: seconds ("1.5", "90") or a clock
// ("00:00:01.500", "01:30", "1:02:03.25"). Negative, NaN and infinite
// values are refused.
func ParseTime(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty time")
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("time %q: want seconds or HH:MM:SS.mmm", s)
	}
	var total float64
	for i, p := range parts {
		last := i == len(parts)-1
		if p == "" || strings.HasPrefix(p, "+") || strings.HasPrefix(p, "-") {
			return 0, fmt.Errorf("time %q: want seconds or HH:MM:SS.mmm", s)
		}
		var v float64
		if last {
			f, err := strconv.ParseFloat(p, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, fmt.Errorf("time %q: want seconds or HH:MM:SS.mmm", s)
			}
			v = f
		} else {
			n, err := strconv.ParseUint(p, 10, 32)
			if err != nil {
				return 0, fmt.Errorf("time %q: want seconds or HH:MM:SS.mmm", s)
			}
			v = float64(n)
		}
		if len(parts) > 1 && i > 0 && v >= 60 {
			return 0, fmt.Errorf("time %q: minutes and seconds must be below 60", s)
		}
		total = total*60 + v
	}
	return total, nil
}

// FormatTime writes seconds the way ffmpeg and humans both read them:
// "HH:MM:SS.mmm".
func FormatTime(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	ms := int64(math.Round(sec * 1000))
	h := ms / 3600000
	m := ms / 60000 % 60
	s := ms / 1000 % 60
	return fmt.Sprintf("%02d:%02d:%02d.%03d", h, m, s, ms%1000)
}

// num formats a number for an ffmpeg argument: shortest exact decimal,
// never exponent notation (ffmpeg's parsers read both, humans reading a
// golden file prefer plain decimals).
func num(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// secs formats seconds with at most microsecond precision, which is what
// ffmpeg keeps (AV_TIME_BASE) — more digits only make goldens noisy.
func secs(f float64) string {
	return num(math.Round(f*1e6) / 1e6)
}
