package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestRunValidatePrintsLayoutWarnings: the daemon's layout warnings (text
// under Instagram's UI, text cut short) are printed after the verdict and
// do not change the exit; --json carries them.
func TestRunValidatePrintsLayoutWarnings(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/validate", func([]byte) any {
		return api.Validation{Target: "summer", Type: "reel", OK: true, Violations: []api.Violation{},
			Warnings: []api.Warning{{Rule: "safe_zone", Key: "texts[1].position", Line: 12, Message: "text 2 is under the caption area"}}}
	})
	target := filepath.Join(t.TempDir(), "summer.yaml")
	testkit.WriteFile(t, target, "version: 1\n")
	b, _, out, _ := d.base()
	if err := runValidate(t.Context(), &validateOptions{baseOptions: b, Target: target}); err != nil {
		t.Fatal(err)
	}
	if want := "warning: safe_zone: texts[1].position (line 12): text 2 is under the caption area\n"; !strings.HasPrefix(out.String(), "OK ") || !strings.HasSuffix(out.String(), want) {
		t.Errorf("stdout = %q, want the verdict then %q", out, want)
	}
	b, _, out, _ = d.base()
	b.JSON = true
	if err := runValidate(t.Context(), &validateOptions{baseOptions: b, Target: target}); err != nil {
		t.Fatal(err)
	}
	var v api.Validation
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Warnings) != 1 || v.Warnings[0].Line != 12 {
		t.Errorf("--json = %s (%v)", out, err)
	}
}
