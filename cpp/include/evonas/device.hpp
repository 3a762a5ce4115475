// What the build and the machine offer for the CUDA path.
#pragma once

namespace evonas {

// True when the CUDA sources were compiled into this build.
bool cuda_compiled();

// Number of usable CUDA devices; 0 on a CPU-only build or without a driver.
int cuda_device_count();

}  // namespace evonas
