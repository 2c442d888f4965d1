package httpx

import (
	"net/http"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestStatusForEveryCode walks every wire code: each has its own row in
// statusOf with an error status (a code added to api without one fails
// here), the table has no other rows, and a code this daemon does not know
// answers 500.
func TestStatusForEveryCode(t *testing.T) {
	codes := api.Codes()
	if len(statusOf) != len(codes) {
		t.Errorf("statusOf has %d rows for %d wire codes", len(statusOf), len(codes))
	}
	for _, c := range codes {
		if s, ok := statusOf[c]; !ok || s < 400 || s > 599 || StatusFor(c) != s {
			t.Errorf("wire code %q: status %d (row %v), want an error status from its row in statusOf", c, StatusFor(c), ok)
		}
	}
	if StatusFor("from_a_newer_daemon") != http.StatusInternalServerError {
		t.Error("an unknown code must answer 500")
	}
}
