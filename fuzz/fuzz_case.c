// SPDX-License-Identifier: GPL-2.0-only
/* Case declarations: parse or one reason, never a crash. */
#include "cases.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *err = NULL;
	struct case_decl c;

	if (!text)
		return 0;
	if (case_parse("fuzz.case", text, &c, &err))
		free(err);
	case_free(&c);
	free(text);
	return 0;
}
