// How the operator bindings (CPU: bind_operators.cpp, device:
// device/bind_device_operators.cpp) read a space and the operator specs that
// python/evonas/operators/ builds: tuples of plain numbers and arrays.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <tuple>

#include "evonas/operators.hpp"

namespace evonas::bindings {

namespace py = pybind11;

template <class T>
using Array = py::array_t<T, py::array::c_style>;

// A space as the tuple (kinds, lower, upper, log) of evonas.Space's arrays.
using SpaceArrays = std::tuple<Array<std::int8_t>, Array<double>, Array<double>, Array<std::uint8_t>>;
using CrossoverTuple = std::tuple<int, double, double, double>;         // method, prob, prob_var, eta
using MutationTuple = std::tuple<int, double, double, double, double>;  // ... eta, step

inline GeneSpace space_view(const SpaceArrays& s) {
  const auto& [kinds, lower, upper, log] = s;
  auto n = kinds.size();
  if (kinds.ndim() != 1 || lower.ndim() != 1 || upper.ndim() != 1 || log.ndim() != 1 || lower.size() != n ||
      upper.size() != n || log.size() != n)
    throw std::invalid_argument("kinds, lower, upper and log must be 1-D arrays of one length");
  return {kinds.data(), lower.data(), upper.data(), log.data(), static_cast<std::size_t>(n)};
}

inline CrossoverSpec crossover_spec(double prob, int n_points, const std::array<CrossoverTuple, 3>& kinds) {
  CrossoverSpec spec;
  spec.prob = prob;
  spec.n_points = n_points;
  for (std::size_t k = 0; k < kGeneKinds; ++k) {
    auto [method, p, pv, eta] = kinds[k];
    spec.by_kind[k] = {static_cast<CrossoverMethod>(method), p, pv, eta};
  }
  return spec;
}

inline MutationSpec mutation_spec(double prob, const std::array<MutationTuple, 3>& kinds) {
  MutationSpec spec;
  spec.prob = prob;
  for (std::size_t k = 0; k < kGeneKinds; ++k) {
    auto [method, p, pv, eta, step] = kinds[k];
    spec.by_kind[k] = {static_cast<MutationMethod>(method), p, pv, eta, step};
  }
  return spec;
}

}  // namespace evonas::bindings
