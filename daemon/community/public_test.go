package community

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// TestClientIP: forwarded-for headers are believed only from the
// configured proxies; from anyone else, and with none configured, the
// peer address counts.
func TestClientIP(t *testing.T) {
	local, _ := parseProxies([]string{"127.0.0.1/32", "::1"})
	chain, _ := parseProxies([]string{"127.0.0.1", "10.0.0.0/8"})
	for _, tc := range []struct {
		remote  string
		trusted []netip.Prefix
		hdr     map[string]string
		want    string
	}{
		{"203.0.113.5:1234", local, nil, "203.0.113.5"},
		{"203.0.113.5:1234", local, map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.5"},  // not from our proxy: ignored
		{"203.0.113.5:1234", local, map[string]string{"CF-Connecting-IP": "1.2.3.4"}, "203.0.113.5"}, // same
		{"127.0.0.1:5555", nil, map[string]string{"CF-Connecting-IP": "198.51.100.7"}, "127.0.0.1"},  // no proxy configured: headers mean nothing
		{"127.0.0.1:5555", nil, map[string]string{"X-Forwarded-For": "198.51.100.8"}, "127.0.0.1"},   // same
		{"127.0.0.1:5555", local, map[string]string{"CF-Connecting-IP": "198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1:5555", local, map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.8"}, "198.51.100.8"}, // the hop our proxy added
		{"127.0.0.1:5555", local, map[string]string{"X-Forwarded-For": "198.51.100.8", "CF-Connecting-IP": "6.6.6.6"}, "198.51.100.8"},
		{"127.0.0.1:5555", chain, map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.9, 10.1.2.3"}, "198.51.100.9"}, // two proxies
		{"127.0.0.1:5555", chain, map[string]string{"X-Forwarded-For": "10.1.2.3, 127.0.0.1"}, "127.0.0.1"},                // only proxies: the peer
		{"[::1]:5555", local, map[string]string{"X-Forwarded-For": "garbage"}, "::1"},
		{"[::1]:5555", local, map[string]string{"X-Forwarded-For": "6.6.6.6, garbage"}, "::1"}, // unreadable hop: nothing left of it
		{"[::ffff:127.0.0.1]:5555", local, map[string]string{"X-Forwarded-For": "::ffff:198.51.100.10"}, "198.51.100.10"},
		{"127.0.0.1:5555", local, nil, "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if got := clientIP(r, tc.trusted); got != tc.want {
			t.Errorf("clientIP(%s, %v, %v) = %s, want %s", tc.remote, tc.trusted, tc.hdr, got, tc.want)
		}
	}
	if p, bad := parseProxies([]string{"10.0.0.0/8", "nope", "::1", "1.2.3.4/40"}); len(p) != 2 || len(bad) != 2 {
		t.Errorf("parseProxies: %v, bad %v", p, bad)
	}
}

// TestForwardedForLimit: behind a configured local proxy each forwarded
// client has its own bucket; without the setting a client that rotates
// X-Forwarded-For is still one client and is limited.
func TestForwardedForLimit(t *testing.T) {
	e := newHookEnv(t)
	hit := func(i int) int {
		req, _ := http.NewRequest("GET", e.pub.URL+"/nothing-here", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%250))
		req.Header.Set("CF-Connecting-IP", fmt.Sprintf("203.0.113.%d", i%250))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limited := false
	for i := 0; i < 3*int(publicBurst) && !limited; i++ {
		limited = hit(i) == http.StatusTooManyRequests
	}
	if !limited {
		t.Errorf("a client rotating X-Forwarded-For was never limited (daemon.trusted_proxies unset)")
	}
	e.setEnv("IMPRESS_DAEMON_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
	for i := 0; i < 3*int(publicBurst); i++ {
		if st := hit(1000 + i); st == http.StatusTooManyRequests {
			// Each forwarded client has made one request: none is over.
			t.Fatalf("request %d of distinct forwarded clients behind a trusted proxy was limited", i)
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
