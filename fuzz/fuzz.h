/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer targets for the parsers the harness owns (make fuzz).  Each
 * gets bytes; the parsers take C strings, so the input is copied and
 * terminated first.  The harness is a short-lived command that does not
 * free everything it parses, so leak detection is off (make fuzz).
 */
#ifndef KREPRO_FUZZ_H
#define KREPRO_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif
