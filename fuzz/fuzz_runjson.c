// SPDX-License-Identifier: GPL-2.0-only
/* run.json: the JSON reader and the store's schema check. */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/krepro-fuzz-runjson.XXXXXX", *why = NULL;
	struct jval *root;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		root = store_load(path, &why);
		if (root)
			json_free(root);
		free(why);
	}
	close(fd);
	unlink(path);
	return 0;
}
