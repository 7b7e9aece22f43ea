/*
 * dnsbl.h: DNS block lists (control/dnsbl) for the client's address.
 *
 * For each zone in order, the client's reversed address (d.c.b.a for IPv4,
 * 32 reversed nibbles for IPv6; IPv4-mapped IPv6 counts as IPv4) is looked
 * up under the zone: an A record in 127.0.0.0/8 means listed, and the TXT
 * record of the same name gives the text of the reply (printable ASCII,
 * bounded). NXDOMAIN or no A record means not listed. The first listing
 * zone decides; lookup trouble with one zone goes on to the next.
 */
#ifndef STAMP_DNSBL_H
#define STAMP_DNSBL_H

#include <stddef.h>

/* 1 listed (reply "554 5.7.1 ..." with the list's TXT text), 0 not listed, -1 lookup trouble (the caller goes on). */
int dnsbl_check(const char *client_ip, char *reply, size_t replysz);

#endif
