// Where the portable kernels (cpp/cuda/*.cu, written against Thrust) run: on a
// CUDA device, or on the host when built as the emulated device
// (EVONAS_EMULATED_DEVICE, with Thrust's CPP backend as the "device").
#pragma once

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cstddef>
#include <vector>

#include "evonas/device_kernels.hpp"
#include "evonas/hd.hpp"

#if !defined(EVONAS_EMULATED_DEVICE)
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system_error.h>
#endif

namespace evonas::EVONAS_DEVICE_NS {

#if defined(EVONAS_EMULATED_DEVICE)

class DeviceScope {
 public:
  explicit DeviceScope(Where) {}
  auto policy() const { return thrust::device; }
  void synchronize() const {}
};

#else

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw thrust::system_error(status, thrust::cuda_category(), what);
}

// Makes `where.device` current for the scope (restoring the caller's) and
// names the stream the work goes to.
class DeviceScope {
 public:
  explicit DeviceScope(Where where) : stream_(reinterpret_cast<cudaStream_t>(where.stream)) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (where.device != previous_) check(cudaSetDevice(where.device), "cudaSetDevice");
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

  auto policy() const { return thrust::cuda::par.on(stream_); }
  void synchronize() const { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

 private:
  cudaStream_t stream_;
  int previous_ = 0;
};

#endif

// The raw device address of a thrust::device_vector's data.
template <class V>
auto ptr(V& v) {
  return thrust::raw_pointer_cast(v.data());
}

// out (count x m) = the rows `rows[0 .. count)` of F (row-major, m columns).
struct GatherRows {
  const double* F;
  const std::uint32_t* rows;
  std::uint32_t m;
  double* out;
  EVONAS_HD void operator()(std::size_t e) const { out[e] = F[std::size_t{rows[e / m]} * m + e % m]; }
};

template <class Policy>
void gather_rows(const Policy& policy, const double* F, const std::uint32_t* rows, std::size_t count, std::size_t m,
                 double* out) {
  thrust::for_each(policy, thrust::counting_iterator<std::size_t>(0), thrust::counting_iterator<std::size_t>(count * m),
                   GatherRows{F, rows, static_cast<std::uint32_t>(m), out});
}

// A copy of count device values on the host, after the stream's earlier work.
template <class T>
std::vector<T> to_host(const DeviceScope& scope, const T* device, std::size_t count) {
  scope.synchronize();
  std::vector<T> host(count);
  thrust::copy(thrust::device_pointer_cast(device), thrust::device_pointer_cast(device) + count, host.begin());
  return host;
}

}  // namespace evonas::EVONAS_DEVICE_NS
