package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
)

// TestMetaFailMapsByClass: real Graph failures from the sandbox, each
// classed by package meta, become the wire code their class calls for
// (api.CodeForClass), and what no class says (a cut-short call, a request
// meta never sent) is decided before the class is read.
func TestMetaFailMapsByClass(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	e.withToken(sandbox.TokenRequest{}, "", "")
	ctx := t.Context()
	client, _, err := e.s.MetaClient(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name  string
		call  func() error
		class meta.Class
		want  api.Code
	}{
		{"rate limited", func() error {
			// More than the client's own retries of a read.
			if err := e.sb.RateLimitNext(50, 4, 100, 0); err != nil {
				t.Fatal(err)
			}
			_, err := client.Me(ctx)
			e.sb.RateLimitNext(0, 4, 0, 0)
			return err
		}, meta.ClassRateLimited, api.CodeTransient},
		{"refused", func() error {
			_, err := client.ContainerStatus(ctx, "17999999999999999")
			return err
		}, meta.ClassPermanent, api.CodeRejected},
		{"never sent", func() error {
			_, err := client.CreateContainer(ctx, "me", meta.ContainerRequest{})
			return err
		}, meta.ClassOther, api.CodeInvalid},
		{"cut short", func() error {
			_, err := client.Me(cancelled)
			return err
		}, meta.ClassOther, api.CodeCancelled},
		{"not a Graph failure", func() error { return errors.New("disk full") }, meta.ClassOther, api.CodeInternal},
		{"login needed", func() error {
			e.sb.ExpireTokens()
			_, err := client.Me(ctx)
			return err
		}, meta.ClassLoginNeeded, api.CodeLoginNeeded},
	} {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: the call succeeded", tc.name)
			continue
		}
		if c := meta.ClassOf(err); c != tc.class {
			t.Errorf("%s: %v is class %v, want %v", tc.name, err, c, tc.class)
		}
		ae := e.s.MetaFail("default", err)
		if ae.Code != tc.want {
			t.Errorf("%s: MetaFail(%v) = %q, want %q", tc.name, err, ae.Code, tc.want)
		}
		if tc.want == api.CodeLoginNeeded && !strings.Contains(ae.Hint, "impress auth login") {
			t.Errorf("%s: no fix in the hint: %+v", tc.name, ae)
		}
	}
	// A wire error passes through untouched.
	we := api.Errorf(api.CodeConflict, "busy")
	if got := e.s.MetaFail("default", we); got != we {
		t.Errorf("MetaFail(wire error) = %+v, want it unchanged", got)
	}
}
