/* console/internal.h - between console/uart.c and console/commands.c. */
#ifndef CONSOLE_INTERNAL_H
#define CONSOLE_INTERNAL_H

#include "console/console.h"

/* console_run_line: run one command line (modified in place) of the
 * kernel's command table; 0, or -1 when refused (message printed). */
int console_run_line(char *line, print_fn pr);

#endif
