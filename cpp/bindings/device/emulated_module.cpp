// evonas._device_emu: the CUDA path's kernels built for the host (see
// evonas/device_kernels.hpp). Only for tests; never part of a user's install.
#include <pybind11/pybind11.h>

namespace evonas::bindings {
void bind_device(pybind11::module_& m);
void bind_device_operators(pybind11::module_& m);
}

PYBIND11_MODULE(_device_emu, m) {
  m.doc() = "evonas CUDA-path kernels on an emulated device (host memory; tests only)";
  evonas::bindings::bind_device(m);
  evonas::bindings::bind_device_operators(m);
}
