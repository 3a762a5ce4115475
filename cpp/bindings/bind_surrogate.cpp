#include "evonas/surrogate.hpp"

#include "numpy_io.hpp"

namespace evonas::bindings {

namespace {

template <class T>
using Array = py::array_t<T, py::array::c_style>;

// The node table as (feature, threshold, right, value, tree_offset).
using ForestArrays = std::tuple<Array<std::int32_t>, Matrix, Array<std::int32_t>, Matrix, Array<std::int64_t>>;

ForestView view(const ForestArrays& a, std::size_t n_features) {
  const auto& [feature, threshold, right, value, offset] = a;
  const auto n = right.size();
  if (feature.ndim() != 1 || threshold.ndim() != 1 || right.ndim() != 1 || value.ndim() != 1 ||
      offset.ndim() != 1 || feature.size() != n || threshold.size() != n || value.size() != n || offset.size() < 2)
    throw std::invalid_argument("feature, threshold, right and value must be 1-D arrays of one length; "
                                "tree_offset 1-D with at least two entries");
  return {n_features,         static_cast<std::size_t>(n), static_cast<std::size_t>(offset.size() - 1),
          feature.data(),     threshold.data(),            right.data(),
          value.data(),       offset.data()};
}

PackedForest pack(const ForestArrays& forest, std::size_t n_features) {
  const ForestView f = view(forest, n_features);
  py::gil_scoped_release release;
  return PackedForest(f);
}

py::tuple predict(const PackedForest& forest, const Matrix& X, int n_threads) {
  if (X.ndim() != 2 || static_cast<std::size_t>(X.shape(1)) != forest.n_features())
    throw std::invalid_argument("X must be a 2-D array with n_features columns");
  const auto n = static_cast<std::size_t>(X.shape(0));
  std::vector<double> mean(n), std(n);
  {
    py::gil_scoped_release release;
    forest.predict(X.data(), n, mean.data(), std.data(), n_threads);
  }
  return py::make_tuple(to_numpy(std::move(mean)), to_numpy(std::move(std)));
}

}  // namespace

void bind_surrogate(py::module_& m) {
  m.def(
      "forest_fit",
      [](const Matrix& X, const Matrix& y, std::size_t n_trees, std::size_t max_features,
         std::size_t min_samples_leaf, std::size_t max_depth, bool bootstrap, std::uint64_t seed, int n_threads) {
        if (X.ndim() != 2 || y.ndim() != 1 || y.shape(0) != X.shape(0))
          throw std::invalid_argument("X must be 2-D and y 1-D with one entry per row of X");
        ForestParams p{n_trees, max_features, min_samples_leaf, max_depth, bootstrap, seed};
        Forest f;
        {
          py::gil_scoped_release release;
          f = fit_forest(X.data(), y.data(), X.shape(0), X.shape(1), p, n_threads);
        }
        return py::make_tuple(to_numpy(std::move(f.feature)), to_numpy(std::move(f.threshold)),
                              to_numpy(std::move(f.right)), to_numpy(std::move(f.value)),
                              to_numpy(std::move(f.tree_offset)));
      },
      py::arg("X"), py::arg("y"), py::arg("n_trees"), py::arg("max_features"), py::arg("min_samples_leaf"),
      py::arg("max_depth"), py::arg("bootstrap"), py::arg("seed"), py::arg("n_threads"));
  m.def(
      "forest_check",
      [](const ForestArrays& forest, std::size_t n_features) { check_forest(view(forest, n_features)); },
      py::arg("forest"), py::arg("n_features"));
  // No constructor: only forest_pack makes one, from a checked table.
  py::class_<PackedForest>(m, "_PackedForest").def_property_readonly("n_features", &PackedForest::n_features);
  m.def("forest_pack", &pack, py::arg("forest"), py::arg("n_features"));
  m.def("forest_predict_packed", &predict, py::arg("forest"), py::arg("X"), py::arg("n_threads"));
  m.def(
      "forest_predict",
      [](const ForestArrays& forest, std::size_t n_features, const Matrix& X, int n_threads) {
        return predict(pack(forest, n_features), X, n_threads);
      },
      py::arg("forest"), py::arg("n_features"), py::arg("X"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
