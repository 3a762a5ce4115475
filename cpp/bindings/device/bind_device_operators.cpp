// Bindings of the device population operators (evonas/device_operators.hpp),
// registered next to bind_device.cpp's kernels.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace evonas::bindings {

void bind_device_operators(py::module_& m) { (void)m; }

}  // namespace evonas::bindings
