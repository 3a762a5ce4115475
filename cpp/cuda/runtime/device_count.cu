#include <cuda_runtime.h>

#include "evonas/device.hpp"

namespace evonas {

int cuda_device_count() {
  int count = 0;
  // No driver or no device is not an error for us: it means "use the CPU".
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

}  // namespace evonas
