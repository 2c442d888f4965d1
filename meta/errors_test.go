package meta

import (
	"fmt"
	"testing"
)

// TestEveryClassHasItsTraits walks every class: each has a name, a hint and
// exactly one outcome, so a class added without deciding what it means
// (may a publish of this class be live?) fails here.
func TestEveryClassHasItsTraits(t *testing.T) {
	if len(Classes()) != int(numClasses) || Classes()[0] != ClassOther || Classes()[len(Classes())-1] != ClassUnconfirmed {
		t.Fatalf("Classes() = %v", Classes())
	}
	names := map[string]bool{}
	for _, c := range Classes() {
		in := c.info()
		if in.name == "" || in.hint == "" || in.outcome < unplaced || in.outcome > mayHaveActed {
			t.Errorf("class %d has no complete row in classInfos: %+v", int(c), in)
		}
		if names[in.name] {
			t.Errorf("two classes are named %q", in.name)
		}
		names[in.name] = true
		n := 0
		for _, b := range []bool{c.LoginNeeded(), c.Refused(), c.RetryLater(), c.MayHaveActed()} {
			if b {
				n++
			}
		}
		if n > 1 || (n == 0) != (c == ClassOther) {
			t.Errorf("%v: %d of LoginNeeded, Refused, RetryLater, MayHaveActed hold; want exactly one (none for other)", c, n)
		}
		if c.DidNotAct() && (c.MayHaveActed() || c == ClassOther || c == ClassTransient) {
			t.Errorf("%v: DidNotAct for a class whose call may have taken effect", c)
		}
	}
	if Class(numClasses).String() != fmt.Sprintf("Class(%d)", int(numClasses)) || Class(-1).LoginNeeded() {
		t.Error("a value outside the table must have no traits")
	}
}

// TestPublishClassKeepsEveryClearAnswer: a failed media_publish keeps the
// class of every answer that proves Meta did nothing, and becomes
// unconfirmed otherwise (a lost response may hide a live post).
func TestPublishClassKeepsEveryClearAnswer(t *testing.T) {
	for _, c := range Classes() {
		e := &Error{Op: "publish", Code: 100, HTTPStatus: 400, class: c}
		publishClass(e)
		want := ClassUnconfirmed
		if c.DidNotAct() {
			want = c
		}
		if e.class != want {
			t.Errorf("publish failure of class %v became %v, want %v", c, e.class, want)
		}
	}
	e := &Error{Op: "publish", Code: -1, Subcode: 2207001, HTTPStatus: 500, class: ClassRecreate}
	if publishClass(e); e.class != ClassUnconfirmed {
		t.Errorf("an Instagram server error (-1) on publish is %v, want unconfirmed", e.class)
	}
}
