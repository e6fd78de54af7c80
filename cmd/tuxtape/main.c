// SPDX-License-Identifier: GPL-2.0-or-later
/* tuxtape: the administrator's command line. Parsing and output only. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("tuxtape %s\n", TT_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: tuxtape COMMAND ...\n");
	return 2;
}
