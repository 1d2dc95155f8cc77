package logline

// Envelopes that hold a batch of records.
//
// OTLP JSON, one ExportLogsServiceRequest a line, as the OpenTelemetry
// collector's file exporter writes it (the proto3 JSON mapping: 64-bit
// integers as strings, enums as numbers):
//
//	{"resourceLogs":[{"resource":{…},"scopeLogs":[{"scope":{…},"logRecords":[
//	 {"timeUnixNano":"…","observedTimeUnixNano":"…","severityNumber":9,"severityText":"INFO",
//	  "body":{"stringValue":"…"},"attributes":[{"key":"user","value":{"stringValue":"ann"}}]}]}]}]}
//
// Each log record is an event. Its level is severityText, else
// severityNumber's name, else the body's (parsed as an inner line); its time
// timeUnixNano, else observedTimeUnixNano, else the body's; its user, action
// and latency the attributes under the Parser's keys, else the body's.
//
// CloudWatch Logs subscription payloads, one a line, decompressed:
//
//	{"messageType":"DATA_MESSAGE","owner":"123","logGroup":"g","logStream":"s",
//	 "subscriptionFilters":["f"],"logEvents":[{"id":"…","timestamp":1732608000123,"message":"…"}]}
//
// Each log event's message is an inner line; timestamp (milliseconds) is its
// time when the message has none. A CONTROL_MESSAGE holds no records.

import "bytes"

// otlpPath is the path from a request to its log records.
var otlpPath = [...]string{"resourceLogs", "scopeLogs", "logRecords"}

// parseOTLP reads a line whose first key is "resourceLogs".
func (p *Parser) parseOTLP(s []byte, rec *Record) (Kind, Shape) {
	i, ok := p.walkOTLP(s, 0, 0)
	if !ok || skipJSONSpace(s, i) != len(s) {
		p.envRecs = p.envRecs[:0]
		return Malformed, ShapeNone
	}
	if len(p.envRecs) == 0 {
		return Blank, ShapeOTLP
	}
	return p.otlpRecord(s, p.queue(s, ShapeOTLP), rec), ShapeOTLP
}

// walkOTLP reads the object at s[i], queues the log records under its
// member otlpPath[depth] and returns the index after it.
func (p *Parser) walkOTLP(s []byte, i, depth int) (int, bool) {
	i, empty, ok := openAt(s, i, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			return 0, false
		}
		switch {
		case string(key) != otlpPath[depth]:
			i, ok = p.skipJSONValue(s, v)
		case depth == len(otlpPath)-1:
			i, ok = p.collectObjects(s, v)
		default:
			i, ok = p.walkOTLPArray(s, v, depth+1)
		}
		if !ok {
			return 0, false
		}
		if i, more, ok = nextItem(s, i, '}'); !ok {
			return 0, false
		}
	}
	return i, ok
}

// walkOTLPArray reads the array of objects at s[i] with walkOTLP.
func (p *Parser) walkOTLPArray(s []byte, i, depth int) (int, bool) {
	if end, ok := nullAt(s, i); ok {
		return end, true
	}
	i, empty, ok := openAt(s, i, '[')
	for more := ok && !empty; more; {
		if i, ok = p.walkOTLP(s, i, depth); !ok {
			return 0, false
		}
		if i, more, ok = nextItem(s, i, ']'); !ok {
			return 0, false
		}
	}
	return i, ok
}

// otlpRecord parses the log record object at s[at], whose structure
// walkOTLP has checked. The body and the attributes are read where they
// are, not skipped first, unless the attributes come before the body, whose
// fields they override.
func (p *Parser) otlpRecord(s []byte, at int, rec *Record) Kind {
	text, attrs := -1, -1
	var number, unixNano, observed int64
	bodyRead := false
	i, empty, ok := openAt(s, at, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			break
		}
		end := -1 // the index after the value, when reading it gave it
		switch string(key) {
		case "timeUnixNano":
			unixNano, _ = p.numberAt(s, v)
		case "observedTimeUnixNano":
			observed, _ = p.numberAt(s, v)
		case "severityNumber":
			number = p.severityNumber(s, v)
		case "severityText":
			text = v
		case "body":
			var str int
			str, end = p.stringValueOf(s, v)
			text, _ := p.innerString(s, str)
			p.innerLine(text, rec)
			bodyRead = true
		case "attributes":
			if bodyRead {
				end = p.otlpAttributes(s, v, rec)
			} else {
				attrs = v
			}
		}
		if end < 0 {
			if end, ok = p.skipJSONValue(s, v); !ok {
				break
			}
		}
		i, more, ok = nextItem(s, end, '}')
	}
	if !bodyRead {
		p.innerLine(nil, rec)
	}
	if level := p.stringAt(s, text); len(level) > 0 {
		rec.Level = level
	} else if 1 <= number && number <= 24 {
		rec.Level = otelLevels[(number-1)/4]
	}
	if attrs >= 0 {
		p.otlpAttributes(s, attrs, rec)
	}
	switch {
	case unixNano > 0:
		p.setTime(rec, unixNano)
	case observed > 0:
		p.setTime(rec, observed)
	}
	return kindOf(rec)
}

// severityNumber reads a severityNumber at s[v]: a number, or the enum's
// name ("SEVERITY_NUMBER_WARN2") as the proto3 JSON mapping also allows.
func (p *Parser) severityNumber(s []byte, v int) int64 {
	if v >= len(s) || s[v] != '"' {
		n, _ := p.numberAt(s, v)
		return n
	}
	end, _ := jsonStringEnd(s, v+1)
	if end < 0 {
		return 0
	}
	name, ok := bytes.CutPrefix(s[v+1:end], []byte("SEVERITY_NUMBER_"))
	if !ok {
		return 0
	}
	step := int64(0)
	if n := len(name); n > 1 && '2' <= name[n-1] && name[n-1] <= '4' {
		step, name = int64(name[n-1]-'1'), name[:n-1]
	}
	for i, level := range otelLevels {
		if bytes.Equal(name, level) {
			return int64(i)*4 + 1 + step
		}
	}
	return 0
}

// stringValueOf returns the index of the string of the AnyValue object at
// s[v] when it is {"stringValue":"…"}, else -1, and the index after the
// object (-1 when it is not one).
func (p *Parser) stringValueOf(s []byte, v int) (str, end int) {
	str = -1
	i, empty, ok := openAt(s, v, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			return -1, -1
		}
		if string(key) == "stringValue" && v < len(s) && s[v] == '"' {
			str = v
		}
		if i, ok = p.skipJSONValue(s, v); !ok {
			return -1, -1
		}
		if i, more, ok = nextItem(s, i, '}'); !ok {
			return -1, -1
		}
	}
	if !ok {
		return -1, -1
	}
	return str, i
}

// otlpAttributes takes the user, the action and the latency from the
// attributes array at s[i], [{"key":"user","value":{"stringValue":"ann"}}],
// over what the body gave. The first attribute of a field counts. It
// returns the index after the array, or -1.
func (p *Parser) otlpAttributes(s []byte, i int, rec *Record) int {
	found := uint8(1<<fieldLevel | 1<<fieldTime) // the record's own fields give these
	i, empty, ok := openAt(s, i, '[')
	for more := ok && !empty; more; {
		var kn *keyName
		value := -1
		j, empty, ok := openAt(s, i, '{')
		for more := ok && !empty; more; {
			var key []byte
			var v int
			if key, v, ok = memberAt(s, j); !ok {
				return -1
			}
			switch string(key) {
			case "key":
				if v < len(s) && s[v] == '"' {
					if end, plain := jsonStringEnd(s, v+1); end >= 0 {
						kn, _ = p.matchJSONKey(s[v+1:end], plain, found)
					}
				}
			case "value":
				value = v
			}
			if j, ok = p.skipJSONValue(s, v); !ok {
				return -1
			}
			if j, more, ok = nextItem(s, j, '}'); !ok {
				return -1
			}
		}
		if kn != nil && value >= 0 && p.takeAnyValue(s, value, kn, rec) {
			found |= 1 << kn.field
		}
		if i, more, ok = nextItem(s, j, ']'); !ok {
			return -1
		}
	}
	if !ok {
		return -1
	}
	return i
}

// takeAnyValue takes the AnyValue object at s[v] as the field kn names when
// it holds a string, an int or a double, and reports whether it did.
func (p *Parser) takeAnyValue(s []byte, v int, kn *keyName, rec *Record) bool {
	i, empty, ok := openAt(s, v, '{')
	for more := ok && !empty; more; {
		key, v, ok := memberAt(s, i)
		if !ok {
			return false
		}
		switch string(key) {
		case "stringValue", "intValue", "doubleValue":
			var value []byte
			if v < len(s) && s[v] == '"' {
				if value = p.stringAt(s, v); value == nil {
					return false
				}
			} else {
				end, ok := p.skipJSONValue(s, v)
				if !ok {
					return false
				}
				value = s[v:end]
			}
			if kn.field == fieldLatency {
				rec.Has &^= HasLatency | BadLatency
			}
			p.takeValue(rec, kn, value)
			return true
		}
		if i, ok = p.skipJSONValue(s, v); !ok {
			return false
		}
		if i, more, ok = nextItem(s, i, '}'); !ok {
			return false
		}
	}
	return false
}

// parseCloudWatch reads a line whose first key is one of a subscription
// payload's.
func (p *Parser) parseCloudWatch(s []byte, rec *Record) (Kind, Shape) {
	msgType := -1
	var events bool
	i, empty, ok := openAt(s, 0, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			break
		}
		switch {
		case string(key) == "logEvents" && !events:
			events = true
			i, ok = p.collectObjects(s, v)
		case string(key) == "messageType":
			msgType = v
			fallthrough
		default:
			i, ok = p.skipJSONValue(s, v)
		}
		if !ok {
			break
		}
		i, more, ok = nextItem(s, i, '}')
	}
	if !ok || skipJSONSpace(s, i) != len(s) || msgType < 0 || !events {
		p.envRecs = p.envRecs[:0]
		return Malformed, ShapeNone
	}
	if hasPrefixAt(s, msgType, `"CONTROL_MESSAGE"`) || len(p.envRecs) == 0 {
		p.envRecs = p.envRecs[:0]
		return Blank, ShapeCloudWatch
	}
	return p.cloudWatchEvent(s, p.queue(s, ShapeCloudWatch), rec), ShapeCloudWatch
}

// cloudWatchEvent parses the log event object at s[at], whose structure
// parseCloudWatch has checked.
func (p *Parser) cloudWatchEvent(s []byte, at int, rec *Record) Kind {
	var text []byte
	var ms int64
	i, empty, ok := openAt(s, at, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			break
		}
		end := -1 // the index after the value, when reading it gave it
		switch string(key) {
		case "message":
			text, end = p.innerString(s, v)
		case "timestamp":
			ms, _ = p.numberAt(s, v)
		}
		if end < 0 {
			if end, ok = p.skipJSONValue(s, v); !ok {
				break
			}
		}
		i, more, ok = nextItem(s, end, '}')
	}
	p.innerLine(text, rec)
	if rec.Has&HasTime == 0 && ms > 0 && ms <= maxMillis {
		p.setTime(rec, ms*1e6)
	}
	return kindOf(rec)
}

// isCloudWatchKey reports whether key is one of a subscription payload's.
func isCloudWatchKey(key []byte) bool {
	switch string(key) {
	case "messageType", "logEvents", "logGroup", "logStream", "owner", "subscriptionFilters":
		return true
	}
	return false
}
