package render

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// The spec's keys, one handler table per mapping. The machinery they use
// (fields, list, enum, number readers) is in spec_parse.go; rules that span
// several keys are in spec_check.go.

func (p *specParser) document(root *yaml.Node) error {
	s := p.spec
	hasVersion := false
	err := p.fields(root, "", map[string]fieldFunc{
		"version": func(v *yaml.Node, kp string) error {
			hasVersion = true
			if err := p.integer(&s.Version, 0, math.MaxInt32)(v, kp); err != nil {
				return err
			}
			if s.Version != SpecVersion {
				return p.errAt(v, kp, "unknown value %s (this impress reads version %d)", v.Value, SpecVersion)
			}
			return nil
		},
		"name":   p.str(&s.Name),
		"preset": p.enum(&s.Preset, PresetNames()),
		"fps":    p.numIn(&s.FPS, minFPS, maxFPS),
		"defaults": func(v *yaml.Node, kp string) error {
			s.Defaults = &Defaults{}
			return p.defaults(v, kp, s.Defaults)
		},
		"clips":    listInto(p, &s.Clips, MaxClips, "clips", p.clip),
		"texts":    listInto(p, &s.Texts, MaxTexts, "texts", p.text),
		"overlays": listInto(p, &s.Overlays, MaxOverlays, "overlays", p.overlay),
		"captions": func(v *yaml.Node, kp string) error {
			s.Captions = &Captions{}
			return p.captions(v, kp, s.Captions)
		},
		"audio":    listInto(p, &s.Audio, MaxAudioTracks, "audio tracks", p.track),
		"loudness": p.numPtr(&s.Loudness, -70, -5),
		"cover": func(v *yaml.Node, kp string) error {
			s.Cover = &Cover{}
			return p.fields(v, kp, map[string]fieldFunc{
				"at":    p.secondsPtr(&s.Cover.At, MaxOutputSeconds),
				"image": p.str(&s.Cover.Image),
			})
		},
		"publish": func(v *yaml.Node, kp string) error {
			s.Publish = &Publish{}
			return p.publish(v, kp, s.Publish)
		},
	})
	if err == nil && !hasVersion {
		err = p.errAt(root, "version", "missing: add `version: %d` at the top", SpecVersion)
	}
	return err
}

func (p *specParser) defaults(n *yaml.Node, path string, d *Defaults) error {
	return p.fields(n, path, map[string]fieldFunc{
		"fit":        p.enum(&d.Fit, fitValues),
		"duration":   p.positiveSeconds(&d.Duration),
		"transition": p.transition(&d.Transition),
		"text": func(v *yaml.Node, kp string) error {
			d.Text = &TextStyle{}
			return p.fields(v, kp, p.textStyle(d.Text))
		},
	})
}

func (p *specParser) clip(n *yaml.Node, path string, c *Clip) error {
	return p.fields(n, path, map[string]fieldFunc{
		"video":      p.str(&c.Video),
		"image":      p.str(&c.Image),
		"color":      p.color(&c.Color),
		"gradient":   p.gradient(&c.Gradient),
		"in":         p.seconds(&c.In, MaxSourceSeconds),
		"out":        p.seconds(&c.Out, MaxSourceSeconds),
		"fit":        p.enum(&c.Fit, fitValues),
		"speed":      p.numPtr(&c.Speed, minSpeed, maxSpeed),
		"volume":     p.numPtr(&c.Volume, 0, maxVolume),
		"transition": p.transition(&c.Transition),
		"duration":   p.positiveSeconds(&c.Duration),
		"zoom":       p.enum(&c.Zoom, zoomValues),
	})
}

// transition reads {type, duration}; type is required.
func (p *specParser) transition(dst **Transition) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		tr := &Transition{}
		*dst = tr
		hasType := false
		err := p.fields(v, kp, map[string]fieldFunc{
			"type": func(t *yaml.Node, tp string) error {
				hasType = true
				return p.enum(&tr.Type, transitionValues)(t, tp)
			},
			"duration": func(t *yaml.Node, tp string) error {
				if err := p.seconds(&tr.Duration, MaxOutputSeconds)(t, tp); err != nil {
					return err
				}
				if tr.Duration == 0 {
					return p.errAt(t, tp, "must be above 0 (or use type: none)")
				}
				return nil
			},
		})
		if err == nil && !hasType {
			err = p.errAt(v, join(kp, "type"), "missing: one of %s", orList(transitionValues))
		}
		return err
	}
}

// positiveSeconds reads a time on the output's timeline above 0.
func (p *specParser) positiveSeconds(dst *float64) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		if err := p.seconds(dst, MaxOutputSeconds)(v, kp); err != nil {
			return err
		}
		if *dst == 0 {
			return p.errAt(v, kp, "must be above 0")
		}
		return nil
	}
}

// color reads a colour: #RGB, #RRGGBB, #RRGGBBAA or a name.
func (p *specParser) color(dst *string) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		if err := p.str(dst)(v, kp); err != nil {
			return err
		}
		if _, err := parseColor(*dst); err != nil {
			return p.errAt(v, kp, "unknown value %q%s (want #RGB, #RRGGBB, #RRGGBBAA or one of %s)", *dst, didYouMean(*dst, colorNames()), orList(colorNames()))
		}
		return nil
	}
}

// listInto reads a list of structs into *dst. Each item is appended as a
// zero value before parse fills it in place, so an item with a bad key is
// still counted where it stands ([specParser.list] reports its problem and
// goes on with the next item).
func listInto[T any](p *specParser, dst *[]T, limit int, what string, parse func(*yaml.Node, string, *T) error) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		return p.list(v, kp, limit, what, func(c *yaml.Node, ip string) error {
			*dst = append(*dst, *new(T))
			return parse(c, ip, &(*dst)[len(*dst)-1])
		})
	}
}

// gradient reads a list of 2 to 8 colours.
func (p *specParser) gradient(dst *[]string) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		if v.Kind == yaml.SequenceNode && (len(v.Content) < 2 || len(v.Content) > maxGradientColors) {
			return p.errAt(v, kp, "give 2 to %d colours (top to bottom), got %d", maxGradientColors, len(v.Content))
		}
		return p.list(v, kp, maxGradientColors, "colours", func(c *yaml.Node, ip string) error {
			var col string
			if err := p.color(&col)(c, ip); err != nil {
				return err
			}
			*dst = append(*dst, col)
			return nil
		})
	}
}

func (p *specParser) text(n *yaml.Node, path string, t *Text) error {
	h := p.textStyle(&t.TextStyle)
	h["text"] = func(v *yaml.Node, kp string) error {
		if err := p.strMax(&t.Text, MaxTextChars)(v, kp); err != nil {
			return err
		}
		if n := strings.Count(t.Text, "\n") + 1; n > MaxTextLines {
			return p.errAt(v, kp, "%d lines is more than a text may have (%d)", n, MaxTextLines)
		}
		return nil
	}
	h["clip"] = p.integer(&t.Clip, 1, MaxClips)
	h["start"] = p.seconds(&t.Start, MaxOutputSeconds)
	h["end"] = p.seconds(&t.End, MaxOutputSeconds)
	return p.fields(n, path, h)
}

// textStyle is the handler table of the style keys a text and
// defaults.text share.
func (p *specParser) textStyle(st *TextStyle) map[string]fieldFunc {
	return map[string]fieldFunc{
		"position":     p.position(&st.Position, positionValues),
		"size":         p.integer(&st.Size, 8, 400),
		"color":        p.color(&st.Color),
		"box":          p.boolPtr(&st.Box),
		"font":         p.font(&st.Font),
		"align":        p.enum(&st.Align, alignValues),
		"line_spacing": p.numIn(&st.LineSpacing, 0.8, 3),
		"max_lines":    p.integer(&st.MaxLines, 1, 20),
		"fit":          p.enum(&st.Fit, textFitValues),
	}
}

// font reads a font: a fontconfig name or a path to a font file (resolved
// and checked by Resolve; names are looked up when rendering).
func (p *specParser) font(dst *string) fieldFunc {
	return func(v *yaml.Node, kp string) error {
		if err := p.str(dst)(v, kp); err != nil {
			return err
		}
		if *dst == "" {
			return p.errAt(v, kp, "must not be empty: a font name like \"DejaVu Sans Bold\" or a .ttf/.otf file")
		}
		return nil
	}
}

func (p *specParser) overlay(n *yaml.Node, path string, o *Overlay) error {
	return p.fields(n, path, map[string]fieldFunc{
		"image":    p.str(&o.Image),
		"video":    p.str(&o.Video),
		"position": p.position(&o.Position, overlayPositionValues),
		"size":     p.numIn(&o.Size, 0.02, 1),
		"opacity":  p.numPtr(&o.Opacity, 0, 1),
		"start":    p.seconds(&o.Start, MaxOutputSeconds),
		"end":      p.seconds(&o.End, MaxOutputSeconds),
	})
}

func (p *specParser) captions(n *yaml.Node, path string, c *Captions) error {
	return p.fields(n, path, map[string]fieldFunc{
		"file": p.str(&c.File),
		"style": func(v *yaml.Node, kp string) error {
			c.Style = &CaptionStyle{}
			return p.fields(v, kp, map[string]fieldFunc{
				"size":     p.integer(&c.Style.Size, 8, 400),
				"position": p.position(&c.Style.Position, positionValues),
			})
		},
		"words": p.boolean(&c.Words),
	})
}

func (p *specParser) track(n *yaml.Node, path string, t *Track) error {
	return p.fields(n, path, map[string]fieldFunc{
		"file":     p.str(&t.File),
		"in":       p.seconds(&t.In, MaxSourceSeconds),
		"out":      p.seconds(&t.Out, MaxSourceSeconds),
		"volume":   p.numPtr(&t.Volume, 0, maxVolume),
		"start":    p.seconds(&t.Start, MaxOutputSeconds),
		"fade_in":  p.seconds(&t.FadeIn, MaxOutputSeconds),
		"fade_out": p.seconds(&t.FadeOut, MaxOutputSeconds),
		"duck":     p.boolean(&t.Duck),
	})
}

func (p *specParser) publish(n *yaml.Node, path string, pub *Publish) error {
	return p.fields(n, path, map[string]fieldFunc{
		"type":          p.enum(&pub.Type, publishTypes),
		"caption":       p.str(&pub.Caption),
		"share_to_feed": p.boolPtr(&pub.ShareToFeed),
		"first_comment": p.str(&pub.FirstComment),
		"collaborators": func(v *yaml.Node, kp string) error {
			return p.list(v, kp, MaxListItems, "collaborators", func(c *yaml.Node, ip string) error {
				var u string
				if err := p.str(&u)(c, ip); err != nil {
					return err
				}
				pub.Collaborators = append(pub.Collaborators, u)
				return nil
			})
		},
		"location_id": p.str(&pub.LocationID),
		"audio_name":  p.str(&pub.AudioName),
		"thumb_offset": func(v *yaml.Node, kp string) error {
			var ms int
			if err := p.integer(&ms, 0, MaxOutputSeconds*1000)(v, kp); err != nil {
				return err
			}
			pub.ThumbOffset = &ms
			return nil
		},
	})
}
