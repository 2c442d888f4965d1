package render

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// MarshalSpec writes a spec as YAML that [ParseSpec] reads back to an equal
// Spec (the `impress project export` → `apply` round trip). Defaults are not
// filled in: what was omitted stays omitted. The output is also the
// canonical form to hash for [CacheKey].
func MarshalSpec(s *Spec) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("marshal spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal spec: %w", err)
	}
	return buf.Bytes(), nil
}

type positionXY struct {
	X float64 `yaml:"x" json:"x"`
	Y float64 `yaml:"y" json:"y"`
}

// MarshalYAML writes a named position as a word and fractions as {x, y}.
func (p Position) MarshalYAML() (any, error) {
	if p.Named != "" {
		return p.Named, nil
	}
	return positionXY{p.X, p.Y}, nil
}

// UnmarshalYAML lets code decode a Position with yaml.v3 directly (the
// spec parser has its own, stricter reader).
func (p *Position) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if !oneOf(n.Value, positionValues) && !oneOf(n.Value, overlayPositionValues) {
			return fmt.Errorf("position: unknown value %q (want %s)", n.Value, orList(overlayPositionValues))
		}
		*p = Position{Named: n.Value}
		return nil
	}
	var xy positionXY
	if err := n.Decode(&xy); err != nil {
		return err
	}
	*p = Position{X: xy.X, Y: xy.Y}
	return nil
}

// MarshalJSON mirrors MarshalYAML so the daemon can send specs over the wire.
func (p Position) MarshalJSON() ([]byte, error) {
	if p.Named != "" {
		return json.Marshal(p.Named)
	}
	return json.Marshal(positionXY{p.X, p.Y})
}

// UnmarshalJSON mirrors UnmarshalYAML.
func (p *Position) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		if !oneOf(name, positionValues) && !oneOf(name, overlayPositionValues) {
			return fmt.Errorf("position: unknown value %q (want %s)", name, orList(overlayPositionValues))
		}
		*p = Position{Named: name}
		return nil
	}
	var xy positionXY
	if err := json.Unmarshal(b, &xy); err != nil {
		return err
	}
	*p = Position{X: xy.X, Y: xy.Y}
	return nil
}
