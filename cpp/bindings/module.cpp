// The private extension evonas._core: registers each area's bindings.
#include <pybind11/pybind11.h>

#ifdef EVONAS_WITH_CUDA
#include "evonas/device.hpp"
#endif

namespace py = pybind11;

namespace evonas::bindings {
void bind_pareto(py::module_& m);
void bind_hypervolume(py::module_& m);
void bind_distance(py::module_& m);
void bind_operators(py::module_& m);
void bind_survival(py::module_& m);
void bind_surrogate(py::module_& m);
#ifdef EVONAS_WITH_CUDA
void bind_device(py::module_& m);
void bind_device_operators(py::module_& m);
#endif
}  // namespace evonas::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "evonas native core (private: use the evonas package)";
  evonas::bindings::bind_pareto(m);
  evonas::bindings::bind_hypervolume(m);
  evonas::bindings::bind_distance(m);
  evonas::bindings::bind_operators(m);
  evonas::bindings::bind_survival(m);
  evonas::bindings::bind_surrogate(m);
#ifdef EVONAS_WITH_CUDA
  m.def("cuda_compiled", [] { return true; });
  m.def("cuda_device_count", &evonas::cuda_device_count);
  py::module_ cuda = m.def_submodule("cuda", "the CUDA path's kernels (device pointers)");
  evonas::bindings::bind_device(cuda);
  evonas::bindings::bind_device_operators(cuda);
#else
  m.def("cuda_compiled", [] { return false; });
  m.def("cuda_device_count", [] { return 0; });
#endif
}
