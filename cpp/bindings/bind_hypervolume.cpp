#include "evonas/hypervolume.hpp"

#include <pybind11/stl.h>

#include "numpy_io.hpp"

namespace evonas::bindings {

void bind_hypervolume(py::module_& m) {
  using Vector = py::array_t<double, py::array::c_style>;

  m.def(
      "hypervolume",
      [](const Matrix& F, const Vector& ref, int n_threads) {
        require_ref(F, ref);
        py::gil_scoped_release release;
        return hypervolume(F.data(), F.shape(0), F.shape(1), ref.data(), n_threads);
      },
      py::arg("F"), py::arg("ref"), py::arg("n_threads"));

  m.def(
      "hv_contributions",
      [](const Matrix& F, const Vector& ref, int n_threads) {
        require_ref(F, ref);
        std::vector<double> c;
        {
          py::gil_scoped_release release;
          c = hv_contributions(F.data(), F.shape(0), F.shape(1), ref.data(), n_threads);
        }
        return to_numpy(std::move(c));
      },
      py::arg("F"), py::arg("ref"), py::arg("n_threads"));

  m.def(
      "hypervolume_mc",
      [](const Matrix& F, const Vector& ref, std::uint64_t samples, std::uint64_t seed,
         int n_threads) {
        require_ref(F, ref);
        MonteCarloEstimate est;
        {
          py::gil_scoped_release release;
          est = hypervolume_mc(F.data(), F.shape(0), F.shape(1), ref.data(), samples, seed,
                               n_threads);
        }
        return py::make_tuple(est.value, est.std_error);
      },
      py::arg("F"), py::arg("ref"), py::arg("samples"), py::arg("seed"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
