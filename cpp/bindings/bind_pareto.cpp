#include "evonas/pareto.hpp"

#include "numpy_io.hpp"

namespace evonas::bindings {

void bind_pareto(py::module_& m) {
  m.def(
      "non_dominated_sort",
      [](const Matrix& F, std::size_t n_stop, int n_threads) {
        require_matrix(F);
        std::vector<std::int32_t> ranks;
        {
          py::gil_scoped_release release;
          ranks = non_dominated_sort(F.data(), F.shape(0), F.shape(1), n_stop, n_threads);
        }
        return to_numpy(std::move(ranks));
      },
      py::arg("F"), py::arg("n_stop"), py::arg("n_threads"));

  m.def(
      "nondominated",
      [](const Matrix& F, int n_threads) {
        require_matrix(F);
        std::vector<std::uint8_t> mask;
        {
          py::gil_scoped_release release;
          mask = nondominated(F.data(), F.shape(0), F.shape(1), n_threads);
        }
        return to_numpy(std::move(mask));
      },
      py::arg("F"), py::arg("n_threads"));

  m.def(
      "crowding_distance",
      [](const Matrix& F, const py::array_t<std::int32_t, py::array::c_style>& ranks, int n_threads) {
        require_matrix(F);
        if (ranks.ndim() != 1 || ranks.shape(0) != F.shape(0))
          throw std::invalid_argument("ranks must have one entry per row of F");
        std::vector<double> distance;
        {
          py::gil_scoped_release release;
          distance = crowding_distance(F.data(), F.shape(0), F.shape(1), ranks.data(), n_threads);
        }
        return to_numpy(std::move(distance));
      },
      py::arg("F"), py::arg("ranks"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
