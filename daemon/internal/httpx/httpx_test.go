package httpx

import (
	"net/http"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestStatusForEveryCode walks every wire code: each has its own row in
// statusOf (a code added to api without one fails here), and the table
// names no code api does not list.
func TestStatusForEveryCode(t *testing.T) {
	listed := map[api.Code]bool{}
	for _, c := range api.Codes() {
		listed[c] = true
		s, ok := statusOf[c]
		if !ok {
			t.Errorf("wire code %q has no HTTP status in statusOf", c)
			continue
		}
		if s < 400 || s > 599 || StatusFor(c) != s {
			t.Errorf("%q → %d, want an error status from its row", c, StatusFor(c))
		}
	}
	for c := range statusOf {
		if !listed[c] {
			t.Errorf("statusOf maps %q, which api.Codes() does not list", c)
		}
	}
	if StatusFor("from_a_newer_daemon") != http.StatusInternalServerError {
		t.Error("an unknown code must answer 500")
	}
}
