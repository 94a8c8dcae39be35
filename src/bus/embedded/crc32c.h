// bus/embedded/crc32c.h: CRC-32C (Castagnoli), the checksum of every stored record batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kascade {

// Continues a CRC-32C: crc32c_extend(crc32c(a), b) == crc32c(a + b).
// Uses the SSE4.2 crc32 instruction when the CPU has it, else slice-by-8.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

inline uint32_t crc32c(const void* data, size_t size) { return crc32c_extend(0, data, size); }
inline uint32_t crc32c(std::string_view data) { return crc32c(data.data(), data.size()); }

// The portable path, exposed so tests can check it against the hardware one.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size);
bool crc32c_hardware_available();

}  // namespace kascade
