#include "evonas/distance.hpp"

#include "numpy_io.hpp"

namespace evonas::bindings {

void bind_distance(py::module_& m) {
  m.def(
      "nearest_distances",
      [](const Matrix& queries, const Matrix& sites, int kind, int n_threads) {
        require_matrix(queries);
        require_matrix(sites);
        if (queries.shape(1) != sites.shape(1))
          throw std::invalid_argument("queries and sites must have the same number of columns");
        if (sites.shape(0) == 0) throw std::invalid_argument("sites must hold at least one row");
        if (kind < 0 || kind > 2) throw std::invalid_argument("kind must be 0, 1 or 2");
        std::vector<double> out;
        {
          py::gil_scoped_release release;
          out = nearest_distances(queries.data(), queries.shape(0), sites.data(), sites.shape(0), queries.shape(1),
                                  static_cast<DistanceKind>(kind), n_threads);
        }
        return to_numpy(std::move(out));
      },
      py::arg("queries"), py::arg("sites"), py::arg("kind"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
