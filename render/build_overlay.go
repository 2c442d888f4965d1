package render

// overlays lays the spec's pictures and videos over the timeline.
func (p *plan) overlays(g *graph, v pad) (pad, error) {
	return v, nil
}
