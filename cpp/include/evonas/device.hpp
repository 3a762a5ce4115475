// What the machine offers the CUDA path (declared only in CUDA builds).
#pragma once

namespace evonas {

// Number of usable CUDA devices; 0 without a driver or a device.
int cuda_device_count();

}  // namespace evonas
