// Bindings of the device population operators (evonas/device_operators.hpp),
// registered next to bind_device.cpp's kernels. Device arrays arrive as raw
// addresses with their shapes, the space's description arrays and the
// operator specs as on the CPU path (bind_operators.cpp);
// python/evonas/operators/ validates everything first.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "../operator_specs.hpp"
#include "evonas/device_operators.hpp"

namespace py = pybind11;

namespace evonas::bindings {

namespace {

template <class T>
const T* at(std::uintptr_t address) {
  return reinterpret_cast<const T*>(address);
}

}  // namespace

void bind_device_operators(py::module_& m) {
  namespace dev = evonas::EVONAS_DEVICE_NS;

  for (auto [name, sampler] : {std::pair{"sample_random", &dev::sample_random}, std::pair{"sample_lhs", &dev::sample_lhs}})
    m.def(
        name,
        [sampler = sampler](const SpaceArrays& s, std::size_t n, std::uint64_t seed, std::uint64_t generation,
                            std::uintptr_t out, int device, std::uintptr_t stream) {
          const GeneSpace space = space_view(s);
          py::gil_scoped_release release;
          sampler(space, n, seed, generation, reinterpret_cast<double*>(out), {device, stream});
        },
        py::arg("space"), py::arg("n"), py::arg("seed"), py::arg("generation"), py::arg("out"), py::arg("device"),
        py::arg("stream"));

  // Criteria addresses are 0 where not given.
  m.def(
      "tournament_select",
      [](std::size_t n, std::size_t n_select, std::size_t k, std::uintptr_t rank, std::uintptr_t fitness,
         std::uintptr_t crowding, std::uintptr_t cv, std::uint64_t seed, std::uint64_t generation,
         std::uintptr_t winners, int device, std::uintptr_t stream) {
        const TournamentCriteria c{at<double>(cv), at<std::int32_t>(rank), at<double>(fitness), at<double>(crowding)};
        py::gil_scoped_release release;
        dev::tournament_select(c, n, n_select, k, seed, generation, reinterpret_cast<std::int64_t*>(winners),
                               {device, stream});
      },
      py::arg("n"), py::arg("n_select"), py::arg("k"), py::arg("rank"), py::arg("fitness"), py::arg("crowding"),
      py::arg("cv"), py::arg("seed"), py::arg("generation"), py::arg("winners"), py::arg("device"),
      py::arg("stream"));

  m.def(
      "variation",
      [](const SpaceArrays& s, std::uintptr_t X, std::size_t n, std::uintptr_t parents, std::size_t n_matings,
         double crossover_prob, int n_points, const std::array<CrossoverTuple, 3>& crossover, double mutation_prob,
         const std::array<MutationTuple, 3>& mutation, std::uint64_t seed, std::uint64_t generation,
         std::uintptr_t out, int device, std::uintptr_t stream) {
        const GeneSpace space = space_view(s);
        const CrossoverSpec cx = crossover_spec(crossover_prob, n_points, crossover);
        const MutationSpec mu = mutation_spec(mutation_prob, mutation);
        py::gil_scoped_release release;
        dev::variation(space, at<double>(X), n, at<std::int64_t>(parents), n_matings, cx, mu, seed, generation,
                       reinterpret_cast<double*>(out), {device, stream});
      },
      py::arg("space"), py::arg("X"), py::arg("n"), py::arg("parents"), py::arg("n_matings"),
      py::arg("crossover_prob"), py::arg("n_points"), py::arg("crossover"), py::arg("mutation_prob"),
      py::arg("mutation"), py::arg("seed"), py::arg("generation"), py::arg("out"), py::arg("device"),
      py::arg("stream"));

  m.def(
      "mutate",
      [](const SpaceArrays& s, std::uintptr_t X, std::size_t n, double mutation_prob,
         const std::array<MutationTuple, 3>& mutation, std::uint64_t seed, std::uint64_t generation,
         std::uintptr_t out, int device, std::uintptr_t stream) {
        const GeneSpace space = space_view(s);
        const MutationSpec mu = mutation_spec(mutation_prob, mutation);
        py::gil_scoped_release release;
        dev::mutate(space, at<double>(X), n, mu, seed, generation, reinterpret_cast<double*>(out), {device, stream});
      },
      py::arg("space"), py::arg("X"), py::arg("n"), py::arg("mutation_prob"), py::arg("mutation"), py::arg("seed"),
      py::arg("generation"), py::arg("out"), py::arg("device"), py::arg("stream"));

  m.def(
      "first_invalid_gene",
      [](const SpaceArrays& s, std::uintptr_t X, std::size_t n, int device, std::uintptr_t stream) {
        const GeneSpace space = space_view(s);
        py::gil_scoped_release release;
        return dev::first_invalid_gene(space, at<double>(X), n, {device, stream});
      },
      py::arg("space"), py::arg("X"), py::arg("n"), py::arg("device"), py::arg("stream"));
}

}  // namespace evonas::bindings
