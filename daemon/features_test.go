package daemon

import (
	"slices"
	"testing"

	"github.com/impress-dev/impress/daemon/internal/feature"
)

// TestFeatureTable: every feature has a name and routes, names are unique,
// and the doctor's order lists exactly the features that have checks, so a
// new feature's checks cannot be left out of `impress doctor`.
func TestFeatureTable(t *testing.T) {
	s := newServer(Config{}, nil, feature.Deps{}, serverOptions{})
	seen := map[string]bool{}
	var withHealth []string
	for _, f := range s.feats {
		if f.Name == "" || f.Routes == nil {
			t.Errorf("feature %q has no name or no routes", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("feature %q is in the table twice", f.Name)
		}
		seen[f.Name] = true
		if f.Health != nil {
			withHealth = append(withHealth, f.Name)
		}
	}
	got, want := slices.Sorted(slices.Values(checkOrder)), slices.Sorted(slices.Values(withHealth))
	if !slices.Equal(got, want) {
		t.Errorf("checkOrder = %v, features with checks = %v", checkOrder, withHealth)
	}
	if s.feats[0].Name != "privacy" {
		t.Errorf("the first feature started is %q; privacy must start first (interrupted purges finish before anything is served)", s.feats[0].Name)
	}
}
