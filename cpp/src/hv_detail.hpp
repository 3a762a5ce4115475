// Per-dimension hypervolume algorithms behind the dispatcher in
// hypervolume.cpp. Every function receives only points that strictly dominate
// ref in every objective (all finite), n >= 1, row-major n x m; the points may
// dominate each other and may repeat.
#pragma once

#include <cstddef>
#include <cstdint>

#include "evonas/hypervolume.hpp"

namespace evonas::detail {

double hv2d(const double* p, std::size_t n, const double* ref);
double hv3d(const double* p, std::size_t n, const double* ref);
double hv4d(const double* p, std::size_t n, const double* ref);
// General m >= 2; uses hv3d/hv4d as base cases.
double hv_wfg(const double* p, std::size_t n, std::size_t m, const double* ref, int n_threads);

// Exclusive contributions written to out[0..n).
void hvc2d(const double* p, std::size_t n, const double* ref, double* out);
void hvc3d(const double* p, std::size_t n, const double* ref, double* out);
void hvc_general(const double* p, std::size_t n, std::size_t m, const double* ref, int n_threads,
                 double* out);

}  // namespace evonas::detail
