// The private extension evonas._core: registers each area's bindings.
#include <pybind11/pybind11.h>

#include "evonas/device.hpp"

namespace py = pybind11;

namespace evonas::bindings {
void bind_pareto(py::module_& m);
void bind_hypervolume(py::module_& m);
void bind_operators(py::module_& m);
void bind_survival(py::module_& m);
void bind_surrogate(py::module_& m);
}  // namespace evonas::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "evonas native core (private: use the evonas package)";
  evonas::bindings::bind_pareto(m);
  evonas::bindings::bind_hypervolume(m);
  evonas::bindings::bind_operators(m);
  evonas::bindings::bind_survival(m);
  evonas::bindings::bind_surrogate(m);
  m.def("cuda_compiled", &evonas::cuda_compiled);
  m.def("cuda_device_count", &evonas::cuda_device_count);
}
