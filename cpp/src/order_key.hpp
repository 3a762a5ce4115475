// A double as an unsigned integer with the same order, so that doubles can be
// radix-sorted: -0.0 maps like 0.0, +-inf to the ends, NaN above +inf (the
// tournaments' worst value; the other callers never pass NaN). Host and
// device code alike: the CPU path's sorts and the device's use one key, so
// ties keep the same order on both.
#pragma once

#include <cstdint>
#include <cstring>

#include "evonas/hd.hpp"

namespace evonas {

EVONAS_HD inline std::uint64_t order_key(double x) {
  if (x != x) return ~std::uint64_t{0};
  x += 0.0;  // -0.0 -> +0.0
#if defined(__CUDA_ARCH__)
  auto bits = static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
#endif
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

}  // namespace evonas
