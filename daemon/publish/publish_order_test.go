package publish

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

// TestPublishChecksWhatIsGivenBeforeTheLogin: what a request names is
// checked before its connection. A file that is not media is refused as
// such (invalid_input) even with no connection at all; content that breaks
// the rules is refused for it (rejected); only a request with nothing
// wrong in it hears that a login is needed — and once logged in, the same
// bad file is still refused for what it is.
func TestPublishChecksWhatIsGivenBeforeTheLogin(t *testing.T) {
	e := newPubEnv(t, pubOpts{noLogin: true})
	dir := t.TempDir()
	text := filepath.Join(dir, "hostname")
	testkit.WriteFile(t, text, "build-host\n")
	clip := daemontest.ReelClip(t, dir, "reel.mp4", 3*time.Second)
	long := strings.Repeat("x", 2300)

	cases := []struct {
		name string
		req  api.PublishRequest
		want api.Code
	}{
		{"not media, no login", api.PublishRequest{Targets: []string{text}}, api.CodeInvalid},
		{"caption too long, no login", api.PublishRequest{Targets: []string{clip}, Caption: &long}, api.CodeRejected},
		{"nothing wrong, no login", api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("fine")}, api.CodeLoginNeeded},
	}
	for _, tc := range cases {
		_, err := e.c.Publish(t.Context(), tc.req)
		if got := daemontest.CodeOf(err); got != tc.want {
			t.Errorf("%s: %v (%s), want %s", tc.name, err, got, tc.want)
		}
	}
	e.login(sandbox.TokenRequest{Flavour: "instagram"}, "main", "")
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{text}}); daemontest.CodeOf(err) != api.CodeInvalid {
		t.Errorf("not media, logged in: %v", err)
	}
	if n := len(e.sb.State().Containers); n != 0 {
		t.Errorf("containers created: %d", n)
	}
}
