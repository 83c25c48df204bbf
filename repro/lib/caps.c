// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "caps.h"

int krepro_cap_effective(cap_value_t cap, bool *on)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;
	int ret = 0;

	if (!CAP_IS_SUPPORTED(cap))
		return -EINVAL;
	caps = cap_get_proc();
	if (!caps)
		return -errno;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v))
		ret = -errno;
	cap_free(caps);
	*on = v == CAP_SET;
	return ret;
}

int krepro_caps_drop(const cap_value_t *caps, int n)
{
	cap_t now;
	int i, ret = 0;
	bool on;

	for (i = 0; i < n; i++)
		if (!CAP_IS_SUPPORTED(caps[i]))
			return -EINVAL;
	now = cap_get_proc();
	if (!now)
		return -errno;
	if (cap_set_flag(now, CAP_EFFECTIVE, n, caps, CAP_CLEAR) ||
	    cap_set_flag(now, CAP_PERMITTED, n, caps, CAP_CLEAR) ||
	    cap_set_flag(now, CAP_INHERITABLE, n, caps, CAP_CLEAR) ||
	    cap_set_proc(now))
		ret = -errno;
	cap_free(now);
	/* Read back: a drop that did not happen must not pass as one. */
	for (i = 0; !ret && i < n; i++) {
		ret = krepro_cap_effective(caps[i], &on);
		if (!ret && on)
			ret = -EPERM;
	}
	return ret;
}

int krepro_caps_empty(bool *empty)
{
	cap_t now, none;
	int ret = 0;

	now = cap_get_proc();
	if (!now)
		return -errno;
	none = cap_init();
	if (!none) {
		ret = -errno;
		cap_free(now);
		return ret;
	}
	*empty = cap_compare(now, none) == 0;
	cap_free(none);
	cap_free(now);
	return ret;
}
