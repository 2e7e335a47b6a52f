/* The flame graph's stylesheet and script, compiled into the binary so that every page
 * jvmsnap writes is self-contained. Sources: cli/assets/flame.css, cli/assets/flame.js. */
#include "cli.h"

#define CLI_INCBIN(sym, file)                                                                                \
	__asm__(".section .rodata\n"                                                                         \
	        ".global " #sym "\n"                                                                         \
	        ".type " #sym ", @object\n"                                                                  \
	        ".balign 16\n" #sym ":\n"                                                                    \
	        ".incbin \"" file "\"\n"                                                                     \
	        ".byte 0\n"                                                                                  \
	        ".size " #sym ", . - " #sym "\n"                                                             \
	        ".previous\n")

CLI_INCBIN(cli_asset_flame_css, "cli/assets/flame.css");
CLI_INCBIN(cli_asset_flame_js, "cli/assets/flame.js");
