#include "evonas/survival.hpp"

#include <cmath>
#include <string>

#include "numpy_io.hpp"

namespace evonas::bindings {
namespace {

Truncation truncation_named(const std::string& name) {
  if (name == "crowding") return Truncation::kCrowding;
  if (name == "pruning") return Truncation::kPruning;
  if (name == "neighbours") return Truncation::kNeighbours;
  throw std::invalid_argument("truncation must be 'crowding', 'pruning' or 'neighbours', not '" + name + "'");
}

}  // namespace

void bind_survival(py::module_& m) {
  m.def(
      "nsga2_survival",
      [](const Matrix& F, const py::array_t<double, py::array::c_style>& cv, std::size_t n_survive,
         const std::string& truncation, int n_threads) {
        require_matrix(F);
        if (cv.ndim() != 1 || cv.shape(0) != F.shape(0))
          throw std::invalid_argument("cv must have one entry per row of F");
        const Truncation how = truncation_named(truncation);
        Survivors s;
        {
          py::gil_scoped_release release;
          s = nsga2_survival(F.data(), cv.data(), F.shape(0), F.shape(1), n_survive, how, n_threads);
        }
        return py::make_tuple(to_numpy(std::move(s.index)), to_numpy(std::move(s.rank)),
                              to_numpy(std::move(s.crowding)));
      },
      py::arg("F"), py::arg("cv"), py::arg("n_survive"), py::arg("truncation"), py::arg("n_threads"));
  m.def(
      "prune_front",
      [](const Matrix& F, std::size_t n_keep, const std::string& truncation, int n_threads) {
        require_matrix(F);
        const Truncation how = truncation_named(truncation);
        if (how == Truncation::kCrowding) throw std::invalid_argument("truncation must be 'pruning' or 'neighbours'");
        for (py::ssize_t i = 0; i < F.size(); ++i)
          if (std::isnan(F.data()[i])) throw std::invalid_argument("F must not hold NaN");
        PrunedFront p;
        {
          py::gil_scoped_release release;
          p = prune_front(F.data(), F.shape(0), F.shape(1), n_keep, how, n_threads);
        }
        std::vector<std::int64_t> kept(p.kept.begin(), p.kept.end());
        return py::make_tuple(to_numpy(std::move(kept)), to_numpy(std::move(p.crowding)));
      },
      py::arg("F"), py::arg("n_keep"), py::arg("truncation"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
