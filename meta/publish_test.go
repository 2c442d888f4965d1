package meta

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestContainerRequestValidation(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "c"
	}
	bad := []ContainerRequest{
		{},                             // image without url
		{ImageURL: "u", VideoURL: "v"}, // two sources
		{MediaType: MediaReels},        // no video
		{MediaType: MediaReels, ImageURL: "u"},
		{MediaType: MediaReels, VideoURL: "v", Resumable: true},
		{MediaType: MediaVideo, VideoURL: "v"}, // standalone VIDEO (100/2207089)
		{MediaType: MediaStories},
		{MediaType: MediaStories, ImageURL: "u", Resumable: true},
		{MediaType: MediaCarousel, Children: []string{"one"}},
		{MediaType: MediaCarousel, Children: eleven},
		{MediaType: MediaCarousel, Children: []string{"a", "b"}, ImageURL: "u"},
		{MediaType: MediaReels, VideoURL: "v", IsCarouselItem: true},
		{MediaType: MediaReels, VideoURL: "v", Collaborators: []string{"a", "b", "c", "d"}},
		{MediaType: "GIF", ImageURL: "u"},
	}
	f := newFake(t, replyOK(`{"id":"1"}`))
	c, _ := testClient(t, f, Config{})
	for _, r := range bad {
		if _, err := c.CreateContainer(t.Context(), "me", r); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateContainer(%+v) = %v, want ErrInvalid", r, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d invalid requests reached Meta", n)
	}
}

func TestContainerStatusParsing(t *testing.T) {
	cases := []struct {
		body    string
		code    StatusCode
		subcode int
		class   Class // of Status.Err(); -1 for nil
	}{
		{`{"status_code":"FINISHED","id":"c"}`, StatusFinished, 0, -1},
		{`{"status_code":"PUBLISHED","id":"c"}`, StatusPublished, 0, -1},
		{`{"status_code":"IN_PROGRESS","status":"In Progress: Media is still being processed.","id":"c"}`, StatusInProgress, 0, -1},
		{`{"status_code":"ERROR","status":"Error: Media download has failed. The media URI doesn't meet our requirements.","id":"c"}`, StatusError, 0, ClassPermanent},
		{`{"status_code":"ERROR","status":"Error: unsupported format 2207026","id":"c"}`, StatusError, 2207026, ClassPermanent},
		{`{"status_code":"ERROR","status":"Error: 2207003 timeout","id":"c"}`, StatusError, 2207003, ClassRecreate},
		{`{"status_code":"EXPIRED","id":"c"}`, StatusExpired, 0, ClassRecreate},
		{`{"status":"Error: Media download has failed","id":"c"}`, StatusError, 0, ClassPermanent}, // status_code missing (trypost #351)
		{`{"status":"Finished: ok","id":"c"}`, StatusFinished, 0, -1},
	}
	for _, tc := range cases {
		f := newFake(t, replyOK(tc.body))
		c, _ := testClient(t, f, Config{})
		s, err := c.ContainerStatus(t.Context(), "c")
		if err != nil {
			t.Fatal(err)
		}
		if s.Code != tc.code || s.Subcode != tc.subcode {
			t.Errorf("%s: status %+v, want %s/%d", tc.body, s, tc.code, tc.subcode)
		}
		serr := s.Err()
		if tc.class == -1 {
			if serr != nil {
				t.Errorf("%s: Err() = %v", tc.body, serr)
			}
			continue
		}
		if ClassOf(serr) != tc.class {
			t.Errorf("%s: Err() class %v, want %v (%v)", tc.body, ClassOf(serr), tc.class, serr)
		}
	}
}

// statusScript serves container status answers in order, repeating the last.
func statusScript(t *testing.T, answers ...string) (*fake, *atomic.Int32) {
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		if a[0] == '!' { // "!status body": an error response
			reply(w, 400, a[1:])
			return
		}
		if a == "500" {
			reply(w, 500, `{"error":{"message":"oops","code":2}}`)
			return
		}
		reply(w, 200, `{"status_code":"`+a+`","status":"`+a+`: text","id":"c"}`)
	})
	return f, &n
}

func TestWaitContainer(t *testing.T) {
	gone := "!" + graphErr(100, 33, "Unsupported get request")
	cases := []struct {
		name      string
		answers   []string
		timeout   time.Duration
		wantCode  StatusCode
		wantSleep []time.Duration
		wantErr   func(error) bool
	}{
		{"finishes after backoff", []string{"IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "FINISHED"}, 0,
			StatusFinished, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}, nil},
		{"published counts as done", []string{"IN_PROGRESS", "PUBLISHED"}, 0, StatusPublished, []time.Duration{5 * time.Second}, nil},
		{"error is terminal", []string{"IN_PROGRESS", "ERROR"}, 0, StatusError, []time.Duration{5 * time.Second},
			func(err error) bool { return ClassOf(err) == ClassPermanent }},
		{"expired is terminal", []string{"EXPIRED"}, 0, StatusExpired, nil,
			func(err error) bool { return ClassOf(err) == ClassRecreate }},
		{"transient poll errors keep polling", []string{"IN_PROGRESS", "500", "FINISHED"}, 0, StatusFinished,
			[]time.Duration{5 * time.Second, 10 * time.Second}, nil},
		{"login needed stops at once", []string{"!" + graphErr(190, 463, "expired")}, 0, StatusInProgress, nil, IsLoginNeeded},
		{"100/33 glitch tolerated", []string{gone, gone, "FINISHED"}, 0, StatusFinished, []time.Duration{5 * time.Second, 10 * time.Second}, nil},
		{"100/33 for good fails", []string{gone}, 0, StatusInProgress,
			[]time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second},
			func(err error) bool { return ClassOf(err) == ClassPermanent }},
		{"wait budget", []string{"IN_PROGRESS"}, time.Minute, StatusInProgress,
			[]time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 25 * time.Second},
			func(err error) bool { return errors.Is(err, ErrWaitTimeout) && !ClassOf(err).MayHaveActed() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := statusScript(t, tc.answers...)
			c, _ := testClient(t, f, Config{Retry: RetryPolicy{MaxAttempts: 1}})
			var slept []time.Duration
			var seen int
			s, err := c.WaitContainer(t.Context(), "c", WaitOptions{Timeout: tc.timeout,
				OnStatus: func(Status) { seen++ },
				Sleep:    func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if s.Code != tc.wantCode {
				t.Errorf("status %s, want %s", s.Code, tc.wantCode)
			}
			if len(slept) != len(tc.wantSleep) {
				t.Fatalf("slept %v, want %v", slept, tc.wantSleep)
			}
			for i := range slept {
				if slept[i] != tc.wantSleep[i] {
					t.Errorf("slept %v, want %v", slept, tc.wantSleep)
					break
				}
			}
		})
	}
}

func TestWaitContainerCancel(t *testing.T) {
	f, _ := statusScript(t, "IN_PROGRESS")
	c, _ := testClient(t, f, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	_, err := c.WaitContainer(ctx, "c", WaitOptions{Sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}})
	if !errors.Is(err, context.Canceled) || ClassOf(err).MayHaveActed() {
		t.Errorf("err = %v, want canceled", err)
	}
}

func TestPublishOutcomes(t *testing.T) {
	cases := []struct {
		name  string
		h     func(w http.ResponseWriter, r *http.Request, _ recorded)
		class Class
	}{
		{"not ready", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 400, graphErr(9007, 2207027, "The media is not ready for publishing, please wait for a moment"))
		}, ClassNotReady},
		{"quota", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 400, graphErr(9, 2207042, "limit"))
		}, ClassQuota},
		{"500", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 500, `{"error":{"message":"An unexpected error has occurred","code":1,"is_transient":true}}`)
		}, ClassUnconfirmed},
		{"response lost", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, ClassUnconfirmed},
		{"malformed success", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 200, `{"id":`)
		}, ClassUnconfirmed},
		{"empty success", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 200, `{}`)
		}, ClassUnconfirmed},
	}
	for _, tc := range cases {
		f := newFake(t, tc.h)
		c, _ := testClient(t, f, Config{})
		_, err := c.Publish(t.Context(), "1784", "c1")
		if ClassOf(err) != tc.class {
			t.Errorf("%s: %v → class %v, want %v", tc.name, err, ClassOf(err), tc.class)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%s: %d publish requests, want exactly 1", tc.name, n)
		}
	}
	// A cancelled context sends nothing: cancelled, not unconfirmed.
	f := newFake(t, replyOK(`{"id":"1"}`))
	cc, _ := testClient(t, f, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := cc.Publish(ctx, "1784", "c1"); !errors.Is(err, context.Canceled) || ClassOf(err).MayHaveActed() || len(f.requests()) != 0 {
		t.Errorf("cancelled publish: %v (class %v), %d requests", err, ClassOf(err), len(f.requests()))
	}
	// Connection refused: the request provably never left, so it is safe to retry.
	c, _ := testClient(t, nil, Config{Endpoint: closedURL(t)})
	_, err := c.Publish(t.Context(), "1784", "c1")
	if ClassOf(err) != ClassTransient {
		t.Errorf("refused publish: %v (%v), want transient", err, ClassOf(err))
	}
}

// closedURL returns a loopback URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
