package logline

// Temporary stand-ins for the lead's shape.go (issue 11): deleted at merge.

// Shape names a line's format family.
type Shape uint8

const (
	ShapeNone Shape = iota
	ShapeLogfmt
	ShapeJSON
	ShapeKlog
	ShapeHclog
	ShapeStdlog
	ShapeCharm
	ShapeZerologConsole
	ShapeZapConsole
	ShapeLogrusText
	ShapeJournald
	ShapeOTLP
	ShapeCloudWatch
	ShapeCRI
	ShapeDocker
	ShapeStamped
)

const (
	NoLevel Kind = Malformed + 1 + iota
	Continuation
)

// parseInner parses the line an envelope holds. The lead's version
// dispatches to logfmt, JSON and level-first text, and returns NoLevel for
// a record without a level; it must not call parseEnvelope again (an
// envelope holding an envelope is read as plain JSON).
func (p *Parser) parseInner(line []byte, rec *Record) (Kind, Shape) {
	kind := p.Parse(line, rec)
	if kind != Event {
		return kind, ShapeNone
	}
	if line[0] == '{' {
		return kind, ShapeJSON
	}
	return kind, ShapeLogfmt
}
