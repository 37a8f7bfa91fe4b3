/* SPDX-License-Identifier: MIT */
/* main.c: placeholder until the command table lands. */
#include <stdio.h>
int
main(void)
{
	puts("chakong " CK_VERSION);
	return 0;
}
