/*
 * be.h: big-endian integers in byte buffers, the one copy every module uses
 * (entries, note key ids and cosignature times, tile records, storage keys).
 * Pure; the functions cannot fail. p must hold 2, 4 or 8 bytes.
 */
#ifndef CREDLOG_PROOFS_BE_H
#define CREDLOG_PROOFS_BE_H

#include <stdint.h>

static inline void be_put16(uint8_t p[2], uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void be_put32(uint8_t p[4], uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void be_put64(uint8_t p[8], uint64_t v)
{
    be_put32(p, (uint32_t)(v >> 32));
    be_put32(p + 4, (uint32_t)v);
}

static inline uint16_t be_get16(const uint8_t p[2])
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t be_get32(const uint8_t p[4])
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static inline uint64_t be_get64(const uint8_t p[8])
{
    return (uint64_t)be_get32(p) << 32 | be_get32(p + 4);
}

#endif
