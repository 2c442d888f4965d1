package meta

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestClassifyTable covers every (code, subcode) named in
// docs/META.md §10 (and §12 for the messaging window).
func TestClassifyTable(t *testing.T) {
	cases := []struct {
		code, sub int
		want      Class
	}{
		// publishing codes
		{-2, 2207003, ClassRecreate},
		{-2, 2207020, ClassRecreate},
		{-1, 2207001, ClassRecreate},
		{-1, 2207032, ClassRecreate},
		{-1, 2207053, ClassRecreate},
		{1, 2207057, ClassPermanent},
		{4, 2207051, ClassPermanent}, // code 4 but a spam block, not a rate limit
		{9, 2207042, ClassQuota},
		{24, 2207006, ClassPermanent},
		{24, 2207008, ClassTransient},
		{25, 2207050, ClassPermanent},
		{100, 2207023, ClassPermanent},
		{100, 2207028, ClassPermanent},
		{100, 2207035, ClassPermanent},
		{100, 2207036, ClassPermanent},
		{100, 2207037, ClassPermanent},
		{100, 2207040, ClassPermanent},
		{100, 2207089, ClassPermanent},
		{352, 2207026, ClassPermanent},
		{9004, 2207052, ClassPermanent},
		{9007, 2207027, ClassNotReady},
		{36000, 2207004, ClassPermanent},
		{36001, 2207005, ClassPermanent},
		{36003, 2207009, ClassPermanent},
		{36004, 2207010, ClassPermanent},
		{100, 2207077, ClassRecreate},
		{-1, 2207082, ClassRecreate},
		{0, 2207085, ClassRecreate},
		{100, 2207018, ClassPermanent},
		{100, 2207081, ClassPermanent},
		{100, 33, ClassPermanent},
		// a known 7-digit subcode with another code still classifies by subcode
		{4, 2207042, ClassQuota},
		{1, 2207026, ClassPermanent},
		// token / permission codes
		{190, 0, ClassLoginNeeded},
		{190, 458, ClassLoginNeeded},
		{190, 459, ClassLoginNeeded},
		{190, 460, ClassLoginNeeded},
		{190, 463, ClassLoginNeeded},
		{190, 464, ClassLoginNeeded},
		{190, 467, ClassLoginNeeded},
		{190, 492, ClassLoginNeeded},
		{190, 12345, ClassLoginNeeded},
		{102, 0, ClassLoginNeeded},
		{10, 0, ClassPermanent},
		{200, 0, ClassPermanent},
		{230, 0, ClassPermanent},
		{299, 0, ClassPermanent},
		{368, 0, ClassPermanent},
		{341, 0, ClassRateLimited},
		{1, 0, ClassTransient},
		{2, 0, ClassTransient},
		{-1, 0, ClassTransient},
		{-2, 0, ClassTransient},
		// rate limits (docs/META.md §9)
		{4, 0, ClassRateLimited},
		{17, 0, ClassRateLimited},
		{32, 0, ClassRateLimited},
		{613, 0, ClassRateLimited},
		{80001, 0, ClassRateLimited},
		{80002, 0, ClassRateLimited},
		{80006, 0, ClassRateLimited},
		{80014, 0, ClassRateLimited},
		// messaging window (docs/META.md §12)
		{10, 2534022, ClassPermanent},
		// codes alone
		{9, 0, ClassQuota},
		{9007, 0, ClassNotReady},
		{352, 0, ClassPermanent},
		{100, 0, ClassPermanent},
		{400, 0, ClassPermanent},
		{3, 0, ClassPermanent},
		{24, 0, ClassPermanent},
		{25, 0, ClassPermanent},
		{9004, 0, ClassPermanent},
		{36000, 0, ClassPermanent},
		{36001, 0, ClassPermanent},
		{36003, 0, ClassPermanent},
		{36004, 0, ClassPermanent},
		{77777, 0, ClassOther},
	}
	for _, tc := range cases {
		if got := Classify(tc.code, tc.sub); got != tc.want {
			t.Errorf("Classify(%d, %d) = %v, want %v", tc.code, tc.sub, got, tc.want)
		}
	}
	// Every row of the table is covered above.
	seen := map[[2]int]bool{}
	for _, tc := range cases {
		seen[[2]int{tc.code, tc.sub}] = true
	}
	for _, r := range rules {
		k := [2]int{r.code, r.subcode}
		if r.code == anyCode {
			found := false
			for s := range seen {
				found = found || s[1] == r.subcode
			}
			if !found && r.subcode >= 1000000 {
				t.Errorf("rule (any, %d) untested", r.subcode)
			}
			continue
		}
		if !seen[k] {
			t.Errorf("rule (%d, %d) untested", r.code, r.subcode)
		}
	}
}

func TestClassifyOther(t *testing.T) {
	cases := []struct {
		name      string
		code, sub int
		transient bool
		status    int
		network   bool
		want      Class
	}{
		{"is_transient wins over code 100", 100, 0, true, 400, false, ClassTransient},
		{"is_transient never beats 190", 190, 463, true, 400, false, ClassLoginNeeded},
		{"is_transient rate limit stays rate-limited", 80002, 0, true, 400, false, ClassRateLimited},
		{"is_transient code 4", 4, 0, true, 400, false, ClassRateLimited},
		{"is_transient not-ready", 9007, 2207027, true, 400, false, ClassNotReady},
		{"http 500 without envelope", 0, 0, false, 500, false, ClassTransient},
		{"http 503", 0, 0, false, 503, false, ClassTransient},
		{"http 401", 0, 0, false, 401, false, ClassLoginNeeded},
		{"http 429", 0, 0, false, 429, false, ClassRateLimited},
		{"http 404 unknown", 0, 0, false, 404, false, ClassOther},
		{"network failure", 0, 0, false, 0, true, ClassTransient},
	}
	for _, tc := range cases {
		if got, _ := classify(tc.code, tc.sub, tc.transient, tc.status, tc.network); got != tc.want {
			t.Errorf("%s: class = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestClassOfThroughWrapping: a class survives wrapping, and what a class
// cannot say (the call was cut short, the request was never sent) is
// found with errors.Is. A caller maps both to its own outcome: a cut-short
// call is cancelled unless its class says it may have acted (an
// unconfirmed publish cut short may still be live).
func TestClassOfThroughWrapping(t *testing.T) {
	mk := func(c Class) error { return fmt.Errorf("wrapped: %w", &Error{class: c}) }
	cutShort := func(err error) bool {
		return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrWaitTimeout)
	}
	cases := []struct {
		err      error
		class    Class
		cutShort bool
		invalid  bool
	}{
		{nil, ClassOther, false, false},
		{mk(ClassOther), ClassOther, false, false},
		{mk(ClassLoginNeeded), ClassLoginNeeded, false, false},
		{mk(ClassPermanent), ClassPermanent, false, false},
		{mk(ClassQuota), ClassQuota, false, false},
		{mk(ClassTransient), ClassTransient, false, false},
		{mk(ClassRateLimited), ClassRateLimited, false, false},
		{mk(ClassNotReady), ClassNotReady, false, false},
		{mk(ClassRecreate), ClassRecreate, false, false},
		{mk(ClassUnconfirmed), ClassUnconfirmed, false, false},
		{&Error{class: ClassUnconfirmed, cause: &safeError{cause: context.Canceled}}, ClassUnconfirmed, true, false},
		{&Error{class: ClassTransient, cause: &safeError{cause: context.DeadlineExceeded}}, ClassTransient, true, false},
		{fmt.Errorf("x: %w", context.Canceled), ClassOther, true, false},
		{fmt.Errorf("x: %w", ErrWaitTimeout), ClassOther, true, false},
		{invalidf("op", "bad"), ClassOther, false, true},
		{fmt.Errorf("meta: revoke: %w", ErrUnsupported), ClassOther, false, false},
		{errors.New("plain"), ClassOther, false, false},
	}
	for _, tc := range cases {
		if got := ClassOf(tc.err); got != tc.class || cutShort(tc.err) != tc.cutShort || errors.Is(tc.err, ErrInvalid) != tc.invalid {
			t.Errorf("%v: class %v, cut short %v, invalid %v; want %v, %v, %v", tc.err, got, cutShort(tc.err),
				errors.Is(tc.err, ErrInvalid), tc.class, tc.cutShort, tc.invalid)
		}
	}
	if !IsTransient(mk(ClassRateLimited)) || IsTransient(mk(ClassPermanent)) || !IsLoginNeeded(mk(ClassLoginNeeded)) ||
		!IsRateLimited(mk(ClassRateLimited)) || !IsQuotaExceeded(mk(ClassQuota)) || !IsNotReady(mk(ClassNotReady)) ||
		!IsUnconfirmed(mk(ClassUnconfirmed)) || IsLoginNeeded(errors.New("x")) {
		t.Error("Is* helpers disagree with the classes")
	}
}

func TestDecodeError(t *testing.T) {
	sc := scrubber(nil).with(testToken)
	cases := []struct {
		name   string
		status int
		body   string
		want   Error
		class  Class
	}{
		{"graph envelope", 400, `{"error":{"message":"The media is not ready for publishing, please wait for a moment","type":"OAuthException",
			"code":9007,"error_subcode":2207027,"is_transient":false,"error_user_title":"Cannot Publish",
			"error_user_msg":"The media is not ready for publishing, please wait for a moment","fbtrace_id":"AbCdEf123"}}`,
			Error{HTTPStatus: 400, Code: 9007, Subcode: 2207027, Type: "OAuthException", TraceID: "AbCdEf123", UserTitle: "Cannot Publish",
				Message: "The media is not ready for publishing, please wait for a moment", UserMsg: "The media is not ready for publishing, please wait for a moment"}, ClassNotReady},
		{"instagram oauth flat", 400, `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`,
			Error{HTTPStatus: 400, Code: 400, Type: "OAuthException", Message: "Matching code was not found or was already used"}, ClassPermanent},
		{"rupload debug_info", 400, `{"debug_info":{"retriable":false,"type":"ProcessingFailedError","message":"Request processing failed"}}`,
			Error{HTTPStatus: 400, Type: "ProcessingFailedError", Message: "Request processing failed"}, ClassRecreate},
		{"rupload retriable", 500, `{"debug_info":{"retriable":true,"type":"X","message":"try again"}}`,
			Error{HTTPStatus: 500, Type: "X", Message: "try again", Transient: true}, ClassTransient},
		{"oauth string error", 400, `{"error":"invalid_request","error_description":"bad redirect"}`,
			Error{HTTPStatus: 400, Type: "OAuthException", Message: "invalid_request: bad redirect"}, ClassOther},
		{"html 502", 502, `<html>bad gateway</html>`, Error{HTTPStatus: 502, Message: "unexpected response (http 502)"}, ClassTransient},
		{"200 with error", 200, `{"error":{"message":"x","code":190,"error_subcode":463}}`,
			Error{HTTPStatus: 200, Code: 190, Subcode: 463, Message: "x"}, ClassLoginNeeded},
		{"rate limit transient flag", 400, `{"error":{"message":"(#4) Application request limit reached","code":4,"is_transient":true}}`,
			Error{HTTPStatus: 400, Code: 4, Message: "(#4) Application request limit reached", Transient: true}, ClassRateLimited},
	}
	for _, tc := range cases {
		e := decodeError("op", tc.status, []byte(tc.body), sc)
		if e == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		got := *e
		got.Op, got.class, got.hint, got.cause = "", 0, "", nil
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		if e.Class() != tc.class {
			t.Errorf("%s: class %v, want %v", tc.name, e.Class(), tc.class)
		}
	}
	for _, ok := range []string{`{"id":"1"}`, `{"success":true,"debug_info":{"retriable":true}}`, `true`, `{"error":null}`} {
		if e := decodeError("op", 200, []byte(ok), sc); e != nil {
			t.Errorf("decodeError(200, %s) = %v, want nil", ok, e)
		}
	}
}

func TestErrorTextAndUserMessage(t *testing.T) {
	e := decodeError("publish", 400, []byte(`{"error":{"message":"Unsupported format","type":"IGApiException","code":352,"error_subcode":2207026,"fbtrace_id":"T1"}}`), nil)
	if got, want := e.Error(), "meta: publish: (#352/2207026) Unsupported format [IGApiException, http 400, fbtrace_id T1]"; got != want {
		t.Errorf("Error() = %q\nwant %q", got, want)
	}
	if um := e.UserMessage(); !strings.Contains(um, "transcode") || !strings.Contains(um, "Unsupported format") {
		t.Errorf("UserMessage() = %q, want the format hint and Meta's message", um)
	}
	e = decodeError("publish", 400, []byte(`{"error":{"message":"m","code":9007,"error_subcode":2207027,"error_user_title":"Cannot Publish","error_user_msg":"Wait a moment"}}`), nil)
	if um := e.UserMessage(); um != "Cannot Publish: Wait a moment" {
		t.Errorf("UserMessage() = %q, want Meta's error_user_*", um)
	}
	n := &Error{Op: "me", cause: &safeError{msg: "dial tcp 127.0.0.1:1: connect: connection refused"}}
	n.classify()
	if n.Error() != "meta: me: dial tcp 127.0.0.1:1: connect: connection refused" || n.Class() != ClassTransient {
		t.Errorf("network error = %q (%v)", n.Error(), n.Class())
	}
}

func TestPublishClass(t *testing.T) {
	dial := &safeError{msg: "dial", notSent: true}
	cases := []struct {
		name string
		e    *Error
		want Class
	}{
		{"5xx", &Error{HTTPStatus: 500}, ClassUnconfirmed},
		{"code 1", &Error{Code: 1, HTTPStatus: 500}, ClassUnconfirmed},
		{"code 2", &Error{Code: 2, HTTPStatus: 503}, ClassUnconfirmed},
		{"-1 server error", &Error{Code: -1, Subcode: 2207001}, ClassUnconfirmed},
		{"is_transient", &Error{Code: 100, Transient: true}, ClassUnconfirmed},
		{"connection reset", &Error{cause: &safeError{msg: "reset"}}, ClassUnconfirmed},
		{"malformed 200", &Error{HTTPStatus: 200, Message: "malformed response"}, ClassUnconfirmed},
		{"connection refused", &Error{cause: dial}, ClassTransient},
		{"not ready", &Error{Code: 9007, Subcode: 2207027}, ClassNotReady},
		{"quota", &Error{Code: 9, Subcode: 2207042}, ClassQuota},
		{"rate limit", &Error{Code: 4}, ClassRateLimited},
		{"login", &Error{Code: 190, Subcode: 463}, ClassLoginNeeded},
		{"expired container", &Error{Code: -2, Subcode: 2207020}, ClassRecreate},
		{"bad format", &Error{Code: 352, Subcode: 2207026}, ClassPermanent},
	}
	for _, tc := range cases {
		tc.e.classify()
		publishClass(tc.e)
		if tc.e.class != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.e.class, tc.want)
		}
	}
}

// TestEveryClassHasARule: each class is what some (code, subcode) of the
// rules table means, except other (nothing matched) and unconfirmed (a
// failed media_publish: publishClass). A class declared without the rule
// that produces it would never reach a caller.
func TestEveryClassHasARule(t *testing.T) {
	ruled := map[Class]bool{ClassOther: true, ClassUnconfirmed: true}
	for _, r := range rules {
		ruled[r.class] = true
		if got := Classify(r.code, r.subcode); r.code != anyCode && r.subcode != 0 && got != r.class {
			t.Errorf("Classify(%d, %d) = %v, want the rule's %v", r.code, r.subcode, got, r.class)
		}
	}
	for _, c := range Classes() {
		if !ruled[c] {
			t.Errorf("class %v has no rule in classify.go's table", c)
		}
	}
}
