// SPDX-License-Identifier: GPL-2.0-only
/* run.json: jansson's reader under the store's schema and content checks. */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/krepro-fuzz-runjson.XXXXXX", *why = NULL;
	json_t *root;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		root = store_load(path, &why);
		json_decref(root);
		free(why);
	}
	close(fd);
	unlink(path);
	return 0;
}
