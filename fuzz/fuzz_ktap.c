// SPDX-License-Identifier: GPL-2.0-only
/* KTAP from a reproducer, with its statistics and set-up-failed lines. */
#include "fuzz.h"
#include "ktap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct ktap k;

	if (!text)
		return 0;
	ktap_parse(text, &k);
	for (int i = 0; i < k.n; i++) {
		struct ktap_stats st;
		char *why = NULL, *failed = ktap_setup_failed(k.tests[i].diag);

		if (ktap_stats_parse(k.tests[i].diag, &st, &why) == 0)
			ktap_stats_free(&st);
		free(why);
		free(failed);
		ktap_find(&k, k.tests[i].name);
	}
	ktap_free(&k);
	free(text);
	return 0;
}
