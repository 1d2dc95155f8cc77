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
