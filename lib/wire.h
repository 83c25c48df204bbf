/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire contract between the reproducers (repro/), the guest init
 * (vm/init, a shell script that spells the same words) and the harness.
 * Change a word here and in vm/init together.
 */
#ifndef KREPRO_WIRE_H
#define KREPRO_WIRE_H

/* Knobs, as environment variables for the reproducer ... */
#define WIRE_ENV_ROUNDS		"KREPRO_ROUNDS"
#define WIRE_ENV_SECONDS	"KREPRO_SECONDS"
#define WIRE_ENV_NEGATIVE	"KREPRO_NEGATIVE"
#define WIRE_ENV_STOP		"KREPRO_STOP"	/* racy stopping rules, docs/ktap-stats.md */
/* A directory for one run of a case, where a subtest leaves what a later
 * one reuses (repro/lib/fileio.h krepro_share_put); unset: no sharing. */
#define WIRE_ENV_SHARE		"KREPRO_SHARE_DIR"
/* ... and as kernel command-line words that vm/init exports as those. */
#define WIRE_CMDLINE_MARKER	"krepro.marker="
#define WIRE_CMDLINE_ROUNDS	"krepro.rounds="
#define WIRE_CMDLINE_SECONDS	"krepro.seconds="
#define WIRE_CMDLINE_NEGATIVE	"krepro.negative=1"
#define WIRE_CMDLINE_STOP	"krepro.stop="

/* KTAP diagnostic tags a reproducer prints inside a subtest. */
#define WIRE_STATS_TAG		"krepro-stats:"		/* docs/ktap-stats.md */
#define WIRE_SETUP_FAILED_TAG	"krepro-setup-failed:"	/* docs/setup-failed.md */
/*
 * A mitigation declared "guards: within" runs its unprotected twin itself
 * and prints this once the twin showed the danger; without it the
 * mitigation's pass is "not-comparable (danger not shown)".
 */
#define WIRE_DANGER_SHOWN_TAG	"krepro-danger-shown:"
/* Breakdown counters one statistics line may carry. */
#define WIRE_MAX_COUNTERS	16

/* Frames on the result channel: "KREPRO-<marker> WORD ..." */
#define WIRE_FRAME_PREFIX	"KREPRO-"
#define WIRE_FRAME_BOOT		"BOOT"
#define WIRE_FRAME_VERSION	"VERSION"
#define WIRE_FRAME_MODULE	"MODULE"
#define WIRE_FRAME_BEGIN	"BEGIN"
#define WIRE_FRAME_END		"END"

/* Exit status of the host sandbox when it could not isolate the case. */
#define WIRE_ISOLATION_FAILED	125

#endif
