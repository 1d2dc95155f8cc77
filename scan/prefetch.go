package scan

// The file is read once, so its bytes should not take the place of the
// user table in the CPU's caches. Reading the mapping, copied through a
// window or in place, pulled every line through the L2 cache, which the
// user table shares: the table's lines were evicted between lookups
// (docs/performance.md has the cost). So the hot loop asks for the bytes
// prefetchAhead ahead of the line it parses with prefetchNTA, x86's
// PREFETCHNTA, which brings them close to the core without making them
// stay in L2.

// prefetchAhead is how far ahead of the line being parsed the loop
// prefetches; nearby distances measured alike.
const prefetchAhead = 1024
