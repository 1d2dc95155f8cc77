//go:build !race

package scan_test

// raceEnabled says the tests run under -race, 5 to 10 times slower.
const raceEnabled = false
