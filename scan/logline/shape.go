package logline

import (
	"fmt"
	"strings"
)

// Shape names the format family a line is written in: the line's own
// (logfmt, JSON, klog …) or, for CRI, Docker and a time prefix, the framing
// a platform wraps around it.
type Shape uint8

const (
	ShapeNone Shape = iota
	ShapeLogfmt
	ShapeJSON
	ShapeKlog
	ShapeHclog
	ShapeStdlog // log/slog's default logger and the log package: 2026/11/26 08:00:00 INFO msg
	ShapeCharm
	ShapeZerologConsole
	ShapeZapConsole
	ShapeLogrusText
	ShapeJournald
	ShapeOTLP
	ShapeCloudWatch
	ShapeCRI
	ShapeDocker
	ShapeStamped // an RFC 3339 time and a space before the line: kubectl logs --timestamps, docker logs -t
	numShapes
)

var shapeNames = [numShapes]string{
	ShapeNone: "", ShapeLogfmt: "logfmt", ShapeJSON: "json", ShapeKlog: "klog", ShapeHclog: "hclog",
	ShapeStdlog: "stdlog", ShapeCharm: "charm", ShapeZerologConsole: "zerolog-console",
	ShapeZapConsole: "zap-console", ShapeLogrusText: "logrus-text", ShapeJournald: "journald",
	ShapeOTLP: "otlp", ShapeCloudWatch: "cloudwatch", ShapeCRI: "cri", ShapeDocker: "docker",
	ShapeStamped: "stamped",
}

func (s Shape) String() string {
	if s < numShapes {
		return shapeNames[s]
	}
	return fmt.Sprintf("shape(%d)", uint8(s))
}

// isFrame says that s wraps another line.
func (s Shape) isFrame() bool { return s >= ShapeCRI && s < numShapes }

// Form is what a line was read as: a framing, or none, and the shape of the
// line inside it. Its zero value is no form at all (a malformed or blank
// line).
type Form uint8

// NumForms bounds the values of a Form, for tables indexed by it.
const NumForms = 4 << 4

// frameIndex numbers the framings in a Form's top bits.
func frameIndex(s Shape) uint8 {
	if !s.isFrame() {
		return 0
	}
	return uint8(s-ShapeCRI) + 1
}

// MakeForm is inner inside frame; frame is ShapeNone for a line of its own.
func MakeForm(frame, inner Shape) Form {
	return Form(frameIndex(frame)<<4 | uint8(inner)&0xf)
}

// Frame is the framing, or ShapeNone.
func (f Form) Frame() Shape {
	if i := uint8(f) >> 4; i != 0 {
		return ShapeCRI + Shape(i-1)
	}
	return ShapeNone
}

// Inner is the shape of the line inside the framing.
func (f Form) Inner() Shape { return Shape(f & 0xf) }

// String is "cri+json", "klog", or "" for no form.
func (f Form) String() string {
	inner := f.Inner().String()
	if fr := f.Frame(); fr != ShapeNone {
		if inner == "" {
			return fr.String()
		}
		return fr.String() + "+" + inner
	}
	return inner
}

// Native says that f is a line Next reads on its own: logfmt or JSON with
// no framing.
func (f Form) Native() bool { return f == Form(ShapeLogfmt) || f == Form(ShapeJSON) }

// ParseForm reads a form by name: "auto" (the zero Form), a shape
// ("klog"), or a framing and a shape ("cri+json"); a framing alone reads
// whatever it wraps ("cri").
func ParseForm(s string) (Form, error) {
	if s == "auto" || s == "" {
		return 0, nil
	}
	frame, inner := "", s
	if i := strings.IndexByte(s, '+'); i >= 0 {
		frame, inner = s[:i], s[i+1:]
		if frame == "" {
			frame = "+" // refused below, with the name as given
		}
	}
	find := func(name string) (Shape, bool) {
		for sh := ShapeLogfmt; sh < numShapes; sh++ {
			if shapeNames[sh] == name {
				return sh, true
			}
		}
		return 0, false
	}
	in, ok := find(inner)
	if !ok {
		return 0, fmt.Errorf("unknown input format %q (want auto, %s, or a framing and a format such as cri+json)", s, strings.Join(FormatNames(), ", "))
	}
	if frame == "" {
		if in.isFrame() {
			return MakeForm(in, ShapeNone), nil
		}
		return MakeForm(ShapeNone, in), nil
	}
	fr, ok := find(frame)
	if !ok || !fr.isFrame() || in.isFrame() {
		return 0, fmt.Errorf("unknown input format %q: a framing (cri, docker, stamped) comes before the +, a format after it", s)
	}
	return MakeForm(fr, in), nil
}

// FormatNames lists the names ParseForm takes besides auto.
func FormatNames() []string {
	names := make([]string, 0, numShapes)
	for sh := ShapeLogfmt; sh < numShapes; sh++ {
		names = append(names, shapeNames[sh])
	}
	return names
}
