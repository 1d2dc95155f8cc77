//go:build !purego

#include "textflag.h"

// func jsonUnescape(dst, src []byte) (read, written int)
TEXT ·jsonUnescape(SB), NOSPLIT, $0-64
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), DX
	MOVQ	src_base+24(FP), SI
	MOVQ	src_len+32(FP), CX
	CMPQ	DX, CX
	CMOVQLT	DX, CX
	MOVL	$0x22222222, AX
	MOVD	AX, X0
	PSHUFL	$0, X0, X0
	MOVL	$0x5c5c5c5c, AX
	MOVD	AX, X5
	PSHUFL	$0, X5, X5
	LEAQ	·jsonEscapes(SB), R8
	XORQ	BX, BX
	XORQ	R9, R9

loop:
	LEAQ	16(BX), DX
	CMPQ	DX, CX
	JGT	done
	MOVOU	(SI)(BX*1), X1
	MOVOU	X1, (DI)(R9*1)
	MOVO	X1, X2
	PCMPEQB	X0, X2
	MOVO	X1, X3
	PCMPEQB	X5, X3
	POR	X3, X2
	POR	X1, X2
	PMOVMSKB	X2, AX
	TESTL	AX, AX
	JNZ	mark
	MOVQ	DX, BX
	ADDQ	$16, R9
	JMP	loop

mark:
	// A block whose every mark is \" whole in it (a JSON log's quotes)
	// is unescaped at once: copies between its backslashes, one each,
	// where a mark at a time costs a block's read per quote. A backslash
	// last in the block is left to the next (R12 is 1). Its copies read
	// up to 31 bytes from BX.
	LEAQ	32(BX), DX
	CMPQ	DX, CX
	JGT	one
	PMOVMSKB	X3, R12
	MOVL	R12, R10
	ANDL	$0x7fff, R10
	MOVOU	(SI)(BX*1), X4
	PCMPEQB	X0, X4
	PMOVMSKB	X4, R11
	LEAL	(R10)(R10*1), DX
	CMPL	DX, R11
	JNE	one
	ORL	R12, R11
	CMPL	R11, AX
	JNE	one
	SHRL	$15, R12
	XORL	R13, R13
	TESTL	R10, R10
	JZ	last
	BSFL	R10, AX
	ADDQ	AX, R9
	LEAQ	1(AX), R13
	LEAL	-1(R10), DX
	ANDL	DX, R10
	JZ	last

quotes:
	BSFL	R10, AX
	LEAQ	(BX)(R13*1), DX
	MOVOU	(SI)(DX*1), X4
	MOVOU	X4, (DI)(R9*1)
	ADDQ	AX, R9
	SUBQ	R13, R9
	LEAQ	1(AX), R13
	LEAL	-1(R10), DX
	ANDL	DX, R10
	JNZ	quotes

last:
	LEAQ	(BX)(R13*1), DX
	MOVOU	(SI)(DX*1), X4
	MOVOU	X4, (DI)(R9*1)
	ADDQ	$16, R9
	SUBQ	R13, R9
	SUBQ	R12, R9
	ADDQ	$16, BX
	SUBQ	R12, BX
	JMP	loop

one:
	BSFL	AX, AX
	ADDQ	AX, BX
	ADDQ	AX, R9
	MOVBLZX	(SI)(BX*1), AX
	CMPL	AX, $0x5c
	JNE	done
	LEAQ	1(BX), DX
	CMPQ	DX, CX
	JGE	done
	MOVBLZX	(SI)(DX*1), AX
	MOVBLZX	(R8)(AX*1), AX
	TESTL	AX, AX
	JZ	done
	MOVB	AL, (DI)(R9*1)
	ADDQ	$2, BX
	INCQ	R9
	JMP	loop

done:
	MOVQ	BX, read+48(FP)
	MOVQ	R9, written+56(FP)
	RET
