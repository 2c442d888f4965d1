package community

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestIPLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newIPLimiter(2, 3, 4, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if !l.allow("1.1.1.1") {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	if l.allow("1.1.1.1") {
		t.Error("request over the burst allowed")
	}
	if !l.allow("2.2.2.2") {
		t.Error("another client shares the first one's bucket")
	}
	now = now.Add(500 * time.Millisecond) // 2 tokens/s → one more
	if !l.allow("1.1.1.1") || l.allow("1.1.1.1") {
		t.Error("refill is not 2 per second")
	}
	// The table is bounded: new clients beyond it share one bucket until
	// idle ones are evicted.
	for i := 0; i < 10; i++ {
		l.allow(fmt.Sprintf("10.0.0.%d", i))
	}
	if len(l.buckets) > 5 { // 4 slots + the overflow bucket
		t.Errorf("%d buckets, want at most 5", len(l.buckets))
	}
	now = now.Add(time.Hour)
	l.allow("3.3.3.3")
	if len(l.buckets) > 2 {
		t.Errorf("idle buckets not evicted: %d left", len(l.buckets))
	}
}

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		remote string
		hdr    map[string]string
		want   string
	}{
		{"203.0.113.5:1234", nil, "203.0.113.5"},
		{"203.0.113.5:1234", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.5"}, // not from our proxy: ignored
		{"127.0.0.1:5555", map[string]string{"CF-Connecting-IP": "198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1:5555", map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.8"}, "198.51.100.8"}, // the hop our proxy added
		{"[::1]:5555", map[string]string{"X-Forwarded-For": "garbage"}, "::1"},
		{"127.0.0.1:5555", nil, "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if got := clientIP(r); got != tc.want {
			t.Errorf("clientIP(%s, %v) = %s, want %s", tc.remote, tc.hdr, got, tc.want)
		}
	}
}

func TestPublicRateLimit(t *testing.T) {
	e := newHookEnv(t)
	var last int
	for i := 0; i < 3*int(publicBurst); i++ {
		resp, err := http.Get(e.pub.URL + "/nothing-here")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
		if last == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			return
		}
	}
	t.Errorf("%d requests in a burst never hit the limit (last %d)", 3*int(publicBurst), last)
}
