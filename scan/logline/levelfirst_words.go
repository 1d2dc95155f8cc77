package logline

// The level words of each level-first shape, as its library writes them.
// A switch on string(w) compares without allocating.

// isSlogLevel: slog's default logger, DEBUG INFO WARN ERROR and their
// offsets (INFO+2, DEBUG-4), kept as written.
func isSlogLevel(w []byte) bool {
	for i, c := range w {
		if c == '+' || c == '-' {
			return i+1 < len(w) && isDigits(w[i+1:]) && isSlogLevel(w[:i])
		}
	}
	switch string(w) {
	case "DEBUG", "INFO", "WARN", "ERROR":
		return true
	}
	return false
}

// isCharmLevel: charmbracelet/log's four letters.
func isCharmLevel(w []byte) bool {
	switch string(w) {
	case "DEBU", "INFO", "WARN", "ERRO", "FATA":
		return true
	}
	return false
}

// isZerologLevel: zerolog ConsoleWriter's three letters ("???", no level,
// is not one).
func isZerologLevel(w []byte) bool {
	switch string(w) {
	case "TRC", "DBG", "INF", "WRN", "ERR", "FTL", "PNC":
		return true
	}
	return false
}

// isZapLevel: zap's CapitalLevelEncoder.
func isZapLevel(w []byte) bool {
	switch string(w) {
	case "DEBUG", "INFO", "WARN", "ERROR", "DPANIC", "PANIC", "FATAL":
		return true
	}
	return false
}

// isZapLowerLevel: zap's LowercaseLevelEncoder, production's.
func isZapLowerLevel(w []byte) bool {
	switch string(w) {
	case "debug", "info", "warn", "error", "dpanic", "panic", "fatal":
		return true
	}
	return false
}

// isLogrusLevel: logrus TextFormatter's level, upper-cased and cut to four
// letters when it writes colours.
func isLogrusLevel(w []byte) bool {
	switch string(w) {
	case "TRAC", "DEBU", "INFO", "WARN", "ERRO", "FATA", "PANI":
		return true
	}
	return false
}

// isHclogLevel: hclog's level between brackets.
func isHclogLevel(w []byte) bool {
	switch string(w) {
	case "TRACE", "DEBUG", "INFO", "WARN", "ERROR":
		return true
	}
	return false
}

// tokenEnd returns the index of the first SP or TAB at or after s[i], or
// len(s).
func tokenEnd(s []byte, i int) int {
	for i < len(s) && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return i
}

func skipSpaces(s []byte, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}
