package agg

// LevelWordSlot exports levelWordSlot to agg_test.
var LevelWordSlot = levelWordSlot
