/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cheapest possible DNS server, to measure the kernel's floor.
 *
 *   null_dns PORT
 *
 * Binds 127.0.0.1:PORT (UDP), reads queries in batches of 32 with recvmmsg,
 * turns each into an NXDOMAIN answer in place (QR set, RCODE 3, the question
 * echoed, no records, nothing looked up) and sends the batch back with
 * sendmmsg: the system calls of rbld's UDP path, in one thread, without
 * rbld's work and with smaller answers (rbld's carry an SOA or the listing's
 * A and TXT). Its CPU time per query under dnsperf is what the kernel
 * charges a UDP server for receiving one packet and sending one; no server
 * that uses the socket API can spend less. tests/bench/run.sh runs it in the
 * same rounds as rbld and rbldnsd so their figures can be read against it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH	32
#define MSGMAX	512

int
main(int argc, char **argv)
{
	static unsigned char buf[BATCH][MSGMAX];
	struct sockaddr_in sin, peers[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	char *end;
	long port;
	int fd;

	if (argc != 2 || (port = strtol(argv[1], &end, 10)) < 1 ||
	    port > 65535 || *end != '\0') {
		fprintf(stderr, "usage: null_dns PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("null_dns: 127.0.0.1");
		return 1;
	}
	for (;;) {
		int got, sent;

		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = MSGMAX;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_name = &peers[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if ((got = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE,
		    NULL)) <= 0)
			continue;
		for (int i = 0; i < got; i++) {
			if (msgs[i].msg_len >= 12) {
				buf[i][2] |= 0x80;
				buf[i][3] = (unsigned char)((buf[i][3] & 0xf0) | 3);
			}
			iov[i].iov_len = msgs[i].msg_len;
		}
		for (sent = 0; sent < got;) {
			int r = sendmmsg(fd, msgs + sent,
			    (unsigned)(got - sent), 0);

			sent += r > 0 ? r : 1;
		}
	}
}
