// SPDX-License-Identifier: GPL-2.0
/*
 * labctl: small commands for lab guest scripts.
 *
 *   labctl host REQUEST...   send a request to the host, print the reply
 *   labctl graphics on|off   KDSETMODE on /dev/tty0
 *   labctl reboot            end the guest (QEMU runs with -no-reboot)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/reboot.h>

#include "lab.h"

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "host")) {
		char req[1024] = "", reply[1024];
		int ret;

		for (int i = 2; i < argc; i++) {
			if (i > 2)
				strncat(req, " ", sizeof(req) - strlen(req) - 1);
			strncat(req, argv[i], sizeof(req) - strlen(req) - 1);
		}
		ret = lab_host(req, reply, sizeof(reply));
		if (ret < 0) {
			perror("labctl: host channel");
			return 2;
		}
		puts(reply);
		return ret;
	}
	if (argc == 3 && !strcmp(argv[1], "graphics")) {
		if (lab_vt_graphics(!strcmp(argv[2], "on"))) {
			perror("labctl: KDSETMODE");
			return 1;
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "reboot")) {
		sync();
		reboot(RB_AUTOBOOT);
		perror("labctl: reboot");
		return 1;
	}
	fprintf(stderr, "usage: labctl host REQUEST... | graphics on|off | reboot\n");
	return 2;
}
