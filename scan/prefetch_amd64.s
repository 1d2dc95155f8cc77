//go:build !purego

#include "textflag.h"

// func prefetchNTA(p *byte)
TEXT ·prefetchNTA(SB), NOSPLIT, $0-8
	MOVQ p+0(FP), AX
	PREFETCHNTA (AX)
	PREFETCHNTA 64(AX)
	RET
