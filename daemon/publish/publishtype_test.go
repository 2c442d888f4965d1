package publish

import (
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
)

// TestEveryPublishTypeHasAGraphType walks api's publish types through the
// container request: each becomes the Graph media_type of its row in
// graphMediaType, so a type added to api without one fails here instead of
// publishing as something else.
func TestEveryPublishTypeHasAGraphType(t *testing.T) {
	for _, pt := range api.PublishTypes() {
		want, ok := graphMediaType[pt.Name]
		if !ok {
			t.Errorf("publish type %s has no Graph media type in graphMediaType", pt.Name)
			continue
		}
		d := &api.PublishDetail{Type: pt.Name, Items: []api.PublishItem{{Kind: mediastore.KindVideo}, {Kind: mediastore.KindImage}}}
		i := 0
		if pt.Name == api.PublishCarousel {
			i = -1 // the parent; its children are VIDEO or IMAGE items
		}
		if pt.Name == api.PublishImage {
			i = 1
		}
		if got := (*publisher)(nil).containerRequest(d, i, "https://x/m", "").MediaType; got != want {
			t.Errorf("publish type %s: container media_type %q, want %q", pt.Name, got, want)
		}
	}
	for name := range graphMediaType {
		if _, ok := api.LookupPublishType(name); !ok {
			t.Errorf("graphMediaType maps %q, which is not an api publish type", name)
		}
	}
}
