// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tuxtape/util.h"

double tt_now_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_digits(const char **s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -EINVAL;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* Parse the optional "THH:MM:SS[.fff]" part; returns seconds into the day. */
static int parse_time_of_day(const char **s, int64_t *secs)
{
	int hh, mm, ss = 0;
	*secs = 0;
	if (**s != 'T' && **s != ' ')
		return 0;
	(*s)++;
	if (read_digits(s, 2, &hh) || *(*s)++ != ':' || read_digits(s, 2, &mm))
		return -EINVAL;
	if (**s == ':') {
		(*s)++;
		if (read_digits(s, 2, &ss))
			return -EINVAL;
		if (**s == '.')
			for ((*s)++; isdigit((unsigned char)**s); (*s)++)
				;
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	*secs = hh * 3600 + mm * 60 + ss;
	return 0;
}

static int parse_zone(const char **s, int64_t *offset)
{
	*offset = 0;
	if (**s == 'Z' || **s == 'z') {
		(*s)++;
		return 0;
	}
	if (**s != '+' && **s != '-')
		return 0;
	int sign = **s == '-' ? -1 : 1;
	int hh, mm = 0;
	(*s)++;
	if (read_digits(s, 2, &hh))
		return -EINVAL;
	if (**s == ':')
		(*s)++;
	if (isdigit((unsigned char)**s) && read_digits(s, 2, &mm))
		return -EINVAL;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

int tt_parse_iso8601(const char *s, int64_t *out)
{
	int y, mo, d;
	int64_t tod, off;
	if (read_digits(&s, 4, &y) || *s++ != '-' || read_digits(&s, 2, &mo) || *s++ != '-' ||
	    read_digits(&s, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -EINVAL;
	if (parse_time_of_day(&s, &tod) || parse_zone(&s, &off) || *s)
		return -EINVAL;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
	*out = (int64_t)timegm(&tm) + tod - off;
	return 0;
}

void tt_format_iso8601(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void tt_format_date(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}
