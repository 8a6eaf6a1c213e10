# The targets of `make TARGET=...`, one block each:
#   T_CROSS   prefix of Debian's cross compiler for it (gcc-<...> package)
#   T_ARCH    code generation: instruction set, float ABI
#   T_CODE    added to T_ARCH for BearSSL and slackbot, not musl (whose
#             assembly is written for T_ARCH's instruction set)
#   T_LIBGCC  debian: the cross compiler's libgcc.a fits this ABI;
#             source: its routines are built from gcc's source for T_ARCH
#   T_QEMU    how the tests run its binaries here (empty: natively)
# Read by the Makefile and by tests/qemu.  README.md, "Targets", says why.

TARGETS = x86_64 aarch64 armv7 armv6 mipsel mips riscv64

# The most bytes a binary may have, on every target (scripts/dist and
# tests/e2e/test_targets.py hold it).
BINARY_MAX = 262144

x86_64_CROSS	= x86_64-linux-gnu-
x86_64_ARCH	=
x86_64_LIBGCC	= debian
x86_64_QEMU	=

# Any ARMv8-A core (Raspberry Pi 3/4/5, most boards since); LSE atomics
# inline-free (slackbot has no atomics; no run-time dispatch needed).
aarch64_CROSS	= aarch64-linux-gnu-
aarch64_ARCH	= -mno-outline-atomics
aarch64_LIBGCC	= debian
aarch64_QEMU	= qemu-aarch64-static -cpu cortex-a53

# ARMv7-A, VFPv3-D16, hard float, Thumb-2: Debian's armhf ABI exactly.
armv7_CROSS	= arm-linux-gnueabihf-
armv7_ARCH	= -march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb
armv7_LIBGCC	= debian
armv7_QEMU	= qemu-arm-static -cpu cortex-a8

# ARM1176JZF-S (Raspberry Pi 1 and Zero): ARMv6, VFPv2, hard float, ARM
# code (no Thumb-2); Debian's armhf libgcc is Thumb-2, so built here.
armv6_CROSS	= arm-linux-gnueabihf-
armv6_ARCH	= -march=armv6kz -mfpu=vfp -mfloat-abi=hard -marm
armv6_LIBGCC	= source
armv6_QEMU	= qemu-arm-static -cpu arm1176

# MIPS32r2 tuned for the 24Kc, soft float: OpenWrt's mips_24kc and
# mipsel_24kc; Debian's mips libgcc is hard-float, so built here.
mipsel_CROSS	= mipsel-linux-gnu-
mipsel_ARCH	= -march=mips32r2 -mtune=24kc -msoft-float -mno-abicalls -minterlink-compressed
mipsel_CODE	= -mips16
mipsel_LIBGCC	= source
mipsel_QEMU	= qemu-mipsel-static -cpu 24Kc

mips_CROSS	= mips-linux-gnu-
mips_ARCH	= -march=mips32r2 -mtune=24kc -msoft-float -mno-abicalls -minterlink-compressed
mips_CODE	= -mips16
mips_LIBGCC	= source
mips_QEMU	= qemu-mips-static -cpu 24Kc

# RV64GC, LP64D: what Debian's riscv64 and the common boards run.
riscv64_CROSS	= riscv64-linux-gnu-
riscv64_ARCH	= -march=rv64gc -mabi=lp64d
riscv64_LIBGCC	= debian
riscv64_QEMU	= qemu-riscv64-static
