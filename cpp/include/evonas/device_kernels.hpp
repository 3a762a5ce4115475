// The kernels of the CUDA path. Array arguments are device pointers (row-major,
// float64, contiguous) unless named *_host; work is queued on `where.stream`
// of device `where.device`, and a function returns once its results are
// written.
//
// The same sources build twice: for CUDA as namespace evonas::cuda, and for
// the host as evonas::emulated (Thrust's serial backend, pointers into host
// memory), which lets CPU-only machines test the kernels' logic against the
// CPU path (tests/test_device.py).
#pragma once

#include <cstddef>
#include <cstdint>

#include "evonas/hypervolume.hpp"

namespace evonas {
class PackedForest;
}

#ifndef EVONAS_DEVICE_NS
#define EVONAS_DEVICE_NS cuda
#endif

namespace evonas::EVONAS_DEVICE_NS {

struct Where {
  int device = 0;
  std::uintptr_t stream = 0;  // a cudaStream_t; 0 is the legacy default stream
};

// As evonas::hypervolume_mc, with F (n x m) on the device; `m` <= kMaxDeviceObjectives.
// The same seed gives the same estimate as the CPU path, bit for bit.
inline constexpr std::size_t kMaxDeviceObjectives = 64;
MonteCarloEstimate hypervolume_mc(const double* F, std::size_t n, std::size_t m, const double* ref_host,
                                  std::uint64_t samples, std::uint64_t seed, Where where);

// As evonas::hypervolume and evonas::hv_contributions for two objectives,
// with F (n x 2) on the device and contributions into out (n doubles on the
// device); F is finite or +inf. Equal to the CPU path, bit for bit.
double hypervolume_2d(const double* F, std::size_t n, const double* ref_host, Where where);
void hv_contributions_2d(const double* F, std::size_t n, const double* ref_host, double* out, Where where);

// As evonas::non_dominated_sort, into ranks (n int32 on the device): fronts
// are ranked until they hold at least n_stop points, the rest get -1. Equal
// to the CPU path. O(n m) memory; up to O(n^2 m) work (see nds.cu).
// How three-objective rounds find the dominated points (nds.cu); the result
// is the same, only the work differs.
enum class NdsStrategy : int { automatic = 0, scan = 1, divide = 2 };
void non_dominated_sort(const double* F, std::size_t n, std::size_t m, std::size_t n_stop, std::int32_t* ranks,
                        Where where, NdsStrategy strategy = NdsStrategy::automatic);

// As evonas::crowding_distance, into out (n doubles on the device): ranks[i]
// is point i's front (< 0: in none, distance 0). Equal to the CPU path.
void crowding_distance(const double* F, std::size_t n, std::size_t m, const std::int32_t* ranks, double* out,
                       Where where);

// As evonas::nsga2_survival, into index / rank / crowding (min(n_survive, n)
// entries each, on the device); cv may be null (no constraints). Equal to
// the CPU path.
void nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m, std::size_t n_survive,
                    std::int64_t* index, std::int32_t* rank, double* crowding, Where where);

// As evonas::unique_rows, into mask (n bytes on the device, 1 = keep):
// against (n_against x m) may be null. Equal to the CPU path. Rows are
// grouped by a hash of their values; `hash_bits` < 64 keeps fewer bits of
// it, which only tests use (collisions force the rows' comparisons).
void unique_rows(const double* X, std::size_t n, std::size_t m, const double* against, std::size_t n_against,
                 std::uint8_t* mask, Where where, unsigned hash_bits = 64);

// As PackedForest::predict, X (n x forest.n_features()) on the device into
// mean and std (n each, on the device); std::invalid_argument if X is not
// finite. Equal to the CPU path.
void forest_predict(const PackedForest& forest, const double* X, std::size_t n, double* mean, double* std,
                    Where where);

}  // namespace evonas::EVONAS_DEVICE_NS
