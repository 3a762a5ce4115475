#include "evonas/survival.hpp"

#include "numpy_io.hpp"

namespace evonas::bindings {

void bind_survival(py::module_& m) {
  m.def(
      "nsga2_survival",
      [](const Matrix& F, const py::array_t<double, py::array::c_style>& cv, std::size_t n_survive,
         int n_threads) {
        require_matrix(F);
        if (cv.ndim() != 1 || cv.shape(0) != F.shape(0))
          throw std::invalid_argument("cv must have one entry per row of F");
        Survivors s;
        {
          py::gil_scoped_release release;
          s = nsga2_survival(F.data(), cv.data(), F.shape(0), F.shape(1), n_survive, n_threads);
        }
        return py::make_tuple(to_numpy(std::move(s.index)), to_numpy(std::move(s.rank)),
                              to_numpy(std::move(s.crowding)));
      },
      py::arg("F"), py::arg("cv"), py::arg("n_survive"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
