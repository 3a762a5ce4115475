#include "evonas/device.hpp"

namespace evonas {

#ifdef EVONAS_WITH_CUDA
bool cuda_compiled() { return true; }
#else
bool cuda_compiled() { return false; }
int cuda_device_count() { return 0; }
#endif

}  // namespace evonas
