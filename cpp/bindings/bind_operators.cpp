#include "evonas/operators.hpp"

#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <tuple>

#include "numpy_io.hpp"
#include "operator_specs.hpp"

namespace evonas::bindings {

namespace {

void require_genomes(const Matrix& X, const GeneSpace& space) {
  if (X.ndim() != 2 || static_cast<std::size_t>(X.shape(1)) != space.n_var)
    throw std::invalid_argument("X must be a 2-D array with one column per gene");
}

// An uninitialised rows x cols float64 array: the kernels write every cell.
Matrix new_matrix(std::size_t rows, std::size_t cols) {
  return Matrix({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
}

template <class Sampler>
Matrix sample(Sampler sampler, const SpaceArrays& sa, std::size_t n, std::uint64_t seed,
              std::uint64_t generation, int n_threads) {
  GeneSpace space = space_view(sa);
  Matrix out = new_matrix(n, space.n_var);
  double* data = out.mutable_data();
  {
    py::gil_scoped_release release;
    sampler(space, n, seed, generation, n_threads, data);
  }
  return out;
}

}  // namespace

void bind_operators(py::module_& m) {
  m.def(
      "sample_random",
      [](const SpaceArrays& s, std::size_t n, std::uint64_t seed, std::uint64_t generation,
         int n_threads) { return sample(&sample_random, s, n, seed, generation, n_threads); },
      py::arg("space"), py::arg("n"), py::arg("seed"), py::arg("generation"), py::arg("n_threads"));

  m.def(
      "sample_lhs",
      [](const SpaceArrays& s, std::size_t n, std::uint64_t seed, std::uint64_t generation,
         int n_threads) { return sample(&sample_lhs, s, n, seed, generation, n_threads); },
      py::arg("space"), py::arg("n"), py::arg("seed"), py::arg("generation"), py::arg("n_threads"));

  m.def(
      "tournament_select",
      [](std::size_t n, std::size_t n_select, std::size_t k,
         std::optional<Array<std::int32_t>> rank, std::optional<Matrix> fitness,
         std::optional<Matrix> crowding, std::optional<Matrix> cv,
         std::uint64_t seed, std::uint64_t generation, int n_threads) {
        TournamentCriteria c;
        auto check = [n](const py::array& a, const char* name) {
          if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n)
            throw std::invalid_argument(std::string(name) + " must have one entry per individual");
        };
        if (rank) {
          check(*rank, "rank");
          c.rank = rank->data();
        }
        if (fitness) {
          check(*fitness, "fitness");
          c.fitness = fitness->data();
        }
        if (crowding) {
          check(*crowding, "crowding");
          c.crowding = crowding->data();
        }
        if (cv) {
          check(*cv, "cv");
          c.cv = cv->data();
        }
        std::vector<std::int64_t> winners;
        {
          py::gil_scoped_release release;
          winners = tournament_select(c, n, n_select, k, seed, generation, n_threads);
        }
        return to_numpy(std::move(winners));
      },
      py::arg("n"), py::arg("n_select"), py::arg("k"), py::arg("rank"), py::arg("fitness"),
      py::arg("crowding"), py::arg("cv"), py::arg("seed"), py::arg("generation"),
      py::arg("n_threads"));

  m.def(
      "variation",
      [](const SpaceArrays& s, const Matrix& X, const Array<std::int64_t>& parents,
         double crossover_prob, int n_points, const std::array<CrossoverTuple, 3>& crossover,
         double mutation_prob, const std::array<MutationTuple, 3>& mutation, std::uint64_t seed,
         std::uint64_t generation, int n_threads) {
        GeneSpace space = space_view(s);
        require_genomes(X, space);
        if (parents.ndim() != 2 || parents.shape(1) != 2)
          throw std::invalid_argument("parents must have shape (n_matings, 2)");
        CrossoverSpec cx = crossover_spec(crossover_prob, n_points, crossover);
        MutationSpec mu = mutation_spec(mutation_prob, mutation);
        auto n_matings = static_cast<std::size_t>(parents.shape(0));
        Matrix out = new_matrix(2 * n_matings, space.n_var);
        double* data = out.mutable_data();
        {
          py::gil_scoped_release release;
          variation(space, X.data(), X.shape(0), parents.data(), n_matings, cx, mu, seed,
                    generation, n_threads, data);
        }
        return out;
      },
      py::arg("space"), py::arg("X"), py::arg("parents"), py::arg("crossover_prob"),
      py::arg("n_points"), py::arg("crossover"), py::arg("mutation_prob"), py::arg("mutation"),
      py::arg("seed"), py::arg("generation"), py::arg("n_threads"));

  m.def(
      "mutate",
      [](const SpaceArrays& s, const Matrix& X, double mutation_prob,
         const std::array<MutationTuple, 3>& mutation, std::uint64_t seed, std::uint64_t generation,
         int n_threads) {
        GeneSpace space = space_view(s);
        require_genomes(X, space);
        MutationSpec mu = mutation_spec(mutation_prob, mutation);
        Matrix out = new_matrix(X.shape(0), space.n_var);
        double* data = out.mutable_data();
        {
          py::gil_scoped_release release;
          mutate(space, X.data(), X.shape(0), mu, seed, generation, n_threads, data);
        }
        return out;
      },
      py::arg("space"), py::arg("X"), py::arg("mutation_prob"), py::arg("mutation"),
      py::arg("seed"), py::arg("generation"), py::arg("n_threads"));

  m.def(
      "take_rows",
      [](const Matrix& A, const Matrix& B, const Array<std::int64_t>& index, int n_threads) {
        if (A.ndim() != 2 || B.ndim() != 2 || A.shape(1) != B.shape(1))
          throw std::invalid_argument("A and B must be 2-D arrays with the same number of columns");
        if (index.ndim() != 1) throw std::invalid_argument("index must be a 1-D array");
        auto m = static_cast<std::size_t>(A.shape(1));
        auto len = static_cast<std::size_t>(index.shape(0));
        Matrix out = new_matrix(len, m);
        double* data = out.mutable_data();
        {
          py::gil_scoped_release release;
          take_rows(A.data(), A.shape(0), B.data(), B.shape(0), m, index.data(), len, n_threads, data);
        }
        return out;
      },
      py::arg("A"), py::arg("B"), py::arg("index"), py::arg("n_threads"));

  m.def(
      "unique_rows",
      [](const Matrix& X, std::optional<Matrix> against, int n_threads) {
        require_matrix(X);
        const double* other = nullptr;
        std::size_t n_other = 0;
        if (against) {
          if (against->ndim() != 2 || against->shape(1) != X.shape(1))
            throw std::invalid_argument("against must be a 2-D array with as many columns as X");
          other = against->data();
          n_other = against->shape(0);
        }
        std::vector<std::uint8_t> keep;
        {
          py::gil_scoped_release release;
          keep = unique_rows(X.data(), X.shape(0), X.shape(1), other, n_other, n_threads);
        }
        return to_numpy(std::move(keep));
      },
      py::arg("X"), py::arg("against"), py::arg("n_threads"));

  m.def(
      "first_invalid_gene",
      [](const SpaceArrays& s, const Matrix& X, int n_threads) {
        GeneSpace space = space_view(s);
        require_genomes(X, space);
        py::gil_scoped_release release;
        return first_invalid_gene(space, X.data(), X.shape(0), n_threads);
      },
      py::arg("space"), py::arg("X"), py::arg("n_threads"));
}

}  // namespace evonas::bindings
