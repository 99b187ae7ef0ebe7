/* console/internal.h - between console/uart.c and console/commands.c. */
#ifndef CONSOLE_INTERNAL_H
#define CONSOLE_INTERNAL_H

#include "console/console.h"

/* console_run_line: in console/console.h (other transports use it). */

#endif
