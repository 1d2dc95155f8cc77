package logline

// Stand-ins for the lead's shape.go (issue 11): deleted at merge.

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
