/* crc32.h: CRC-32 (IEEE 802.3, as zlib's crc32), to detect torn or damaged records. */
#ifndef STAMP_CRC32_H
#define STAMP_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; feed pieces in order. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
