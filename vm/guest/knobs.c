// SPDX-License-Identifier: GPL-2.0-only
/*
 * knobs - guest side: print this run's knobs.
 *
 * A guest that booted for its run has them on the kernel command line
 * (the krepro.* words), which every kernel passes on.  A guest restored
 * from a snapshot booted long before its run had knobs: the host hands
 * them over in the fw_cfg file opt/krepro/knobs (QEMU's -fw_cfg), read
 * here through fw_cfg's I/O ports, so the guest needs no driver and the
 * file may change size between two QEMUs (QEMU does not migrate fw_cfg
 * contents: the restoring QEMU's file is the one the guest reads).  No
 * such file, or no way to the ports (a kernel without ioperm): the
 * command line's words.
 *
 * When the file says "wait", the host is about to snapshot this guest.
 * Unless a restored copy could be made fresh (below: RNDRESEEDCRNG, an
 * RTC), exit 1: the host then boots this kernel's VMs.  Else write
 * KREPRO-READY to QEMU's debug console port, then poll until the
 * file says something else, which happens only in a guest restored from
 * that snapshot.  The port is one instruction a byte, with no driver or
 * interrupt: a serial port's transmitter caught mid-write by the
 * snapshot came back stalled in one restore of 114, and the run's
 * frames on it never left the guest.  A restored guest's serial ports
 * are kicked (kick_uart), and it is made fresh - its random pool
 * reseeded (every restore starts from one pool; RDRAND under TCG brings
 * the host's randomness) and its clock set from the RTC, which QEMU keeps
 * on host time across a migration - and "krepro.restored=1" is printed
 * after the knobs.  Exit 0, or 1 with a reason on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <linux/rtc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_FILE_DIR	 0x19
#define DEBUGCON_PORT	 0xe9	/* QEMU's isa-debugcon, qemu.c */
/* The console and the result channel (ttyS0, ttyS1), 16550 registers. */
#define TTYS0_BASE	 0x3f8
#define TTYS1_BASE	 0x2f8
#define UART_IER	 1
#define UART_IER_THRI	 0x02
#define UART_LCR	 3
#define UART_LCR_DLAB	 0x80
#define KNOBS_FILE	 "opt/krepro/knobs"
#define WAIT_WORD	 "wait"
#define READY_LINE	 "KREPRO-READY\n"
#define POLL_US		 1000
#define MAX_KNOBS	 65536

static void fw_read(void *to, size_t n)
{
	uint8_t *p = to;

	while (n--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

/* The knobs file's contents (malloc'd, NUL-terminated), or NULL. */
static char *read_knobs(void)
{
	uint8_t count[4], entry[64];
	uint32_t n;

	outw(FW_CFG_FILE_DIR, FW_CFG_PORT_SEL);
	fw_read(count, sizeof(count));
	n = be32(count);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t size;
		uint16_t key;
		char *text;

		fw_read(entry, sizeof(entry));
		entry[63] = 0;
		if (strcmp((char *)entry + 8, KNOBS_FILE))
			continue;
		size = be32(entry);
		key = (uint16_t)(entry[4] << 8 | entry[5]);
		if (size > MAX_KNOBS)
			return NULL;
		text = calloc(1, size + 1);
		if (!text)
			return NULL;
		outw(key, FW_CFG_PORT_SEL);
		fw_read(text, size);
		return text;
	}
	return NULL;
}

static int say_ready(void)
{
	if (ioperm(DEBUGCON_PORT, 1, 1))
		return -1;
	for (const char *c = READY_LINE; *c; c++)
		outb(*c, DEBUGCON_PORT);
	return 0;
}

/* Every restored guest would draw what the first one drew. */
static int reseed_random(void)
{
	int fd = open("/dev/urandom", O_RDONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, RNDRESEEDCRNG);
	close(fd);
	return ret;
}

/*
 * A UART whose transmitter was busy when the guest was saved waits for
 * a transmitter-empty interrupt that the restored QEMU does not raise
 * again, and every later byte stays in the guest (Firecracker's restores
 * met the same).  Turning the interrupt off and on raises it anew when
 * the driver is waiting for it; a driver that is not has it off, and
 * nothing changes.  Skipped while the divisor latch hides the register.
 */
static void kick_uart(unsigned short base)
{
	uint8_t ier;

	if (ioperm(base, 8, 1) || inb(base + UART_LCR) & UART_LCR_DLAB)
		return;
	ier = inb(base + UART_IER);
	if (!(ier & UART_IER_THRI))
		return;
	outb(ier & ~UART_IER_THRI, base + UART_IER);
	outb(ier, base + UART_IER);
}

/* The snapshot's clock is the snapshot's time; the RTC's is now. */
static int clock_from_rtc(void)
{
	struct rtc_time rt;
	struct tm tm = { 0 };
	struct timespec ts = { 0 };
	int fd = open("/dev/rtc0", O_RDONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, RTC_RD_TIME, &rt);
	close(fd);
	if (ret)
		return -1;
	tm.tm_sec = rt.tm_sec;
	tm.tm_min = rt.tm_min;
	tm.tm_hour = rt.tm_hour;
	tm.tm_mday = rt.tm_mday;
	tm.tm_mon = rt.tm_mon;
	tm.tm_year = rt.tm_year;
	ts.tv_sec = timegm(&tm);
	return clock_settime(CLOCK_REALTIME, &ts);
}

/*
 * The krepro.* words of the kernel command line; exit 1 without a
 * marker among them (a snapshot's source on a kernel whose fw_cfg ports
 * are out of reach: the host then boots its VMs).
 */
static int from_cmdline(const char *why_not_fw_cfg)
{
	char line[4096] = "", *save = NULL;
	struct { char text[4096]; size_t len; } out = { "", 0 };
	FILE *f = fopen("/proc/cmdline", "r");
	bool marker = false;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "knobs: cannot read /proc/cmdline\n");
		return 1;
	}
	fclose(f);
	for (char *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (strncmp(w, "krepro.", 7))
			continue;
		marker |= !strncmp(w, "krepro.marker=", 14);
		out.len += snprintf(out.text + out.len, sizeof(out.text) - out.len, "%s%s",
				    out.len ? " " : "", w);
	}
	if (!marker) {
		fprintf(stderr, "knobs: %s, and no marker on the kernel command line\n",
			why_not_fw_cfg);
		return 1;
	}
	printf("%s\n", out.text);
	return 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "knobs: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	char *knobs;
	int restored = 0;

	if (ioperm(FW_CFG_PORT_SEL, 2, 1))
		return from_cmdline("fw_cfg's ports are out of reach (no ioperm in this kernel?)");
	if (!(knobs = read_knobs()))
		return from_cmdline("no fw_cfg file " KNOBS_FILE);
	if (!strcmp(knobs, WAIT_WORD)) {
		/* What a restored copy will need, tried now, while the host can still boot. */
		if (reseed_random() || clock_from_rtc())
			return fail("this kernel cannot make a restored guest fresh");
		if (say_ready())
			return fail("cannot say READY");
		while (knobs && !strcmp(knobs, WAIT_WORD)) {
			free(knobs);
			usleep(POLL_US);
			knobs = read_knobs();
		}
		if (!knobs) {
			fprintf(stderr, "knobs: no fw_cfg file %s after the restore\n", KNOBS_FILE);
			return 1;
		}
		kick_uart(TTYS0_BASE);
		kick_uart(TTYS1_BASE);
		if (reseed_random())
			return fail("cannot reseed the random pool");
		if (clock_from_rtc())
			return fail("cannot set the clock from the RTC");
		restored = 1;
	}
	printf("%s%s\n", knobs, restored ? " krepro.restored=1" : "");
	return 0;
}
