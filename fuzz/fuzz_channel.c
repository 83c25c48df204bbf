// SPDX-License-Identifier: GPL-2.0-only
/* The guest's result channel: frames under one boot's marker, and noise. */
#include "channel.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct guest_report r;

	if (!text)
		return 0;
	channel_parse(text, "0123456789abcdef", &r);
	guest_report_free(&r);
	free(text);
	return 0;
}
