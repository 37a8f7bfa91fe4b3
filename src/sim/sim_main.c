/* SPDX-License-Identifier: MIT */
/* sim_main.c: placeholder until the simulator's commands land. */
#include <stdio.h>

int
main(void)
{
	puts("chakong-sim " CK_VERSION);
	return 0;
}
