// Bindings of the device kernels (evonas/device_kernels.hpp): evonas._core.cuda
// in a CUDA build, evonas._device_emu for the emulated device. Arrays arrive
// as raw device addresses with their shapes; python/evonas/_device.py makes
// them (C-contiguous float64, on `device`) and validates everything first.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>

#include "evonas/device_kernels.hpp"
#include "evonas/surrogate.hpp"

namespace py = pybind11;

namespace evonas::bindings {

namespace {

// The kernels index points with 32 bits.
void require_indexable(std::size_t n) {
  if (n >= (std::size_t{1} << 32)) throw std::invalid_argument("the CUDA path takes fewer than 2**32 points");
}

// The reference point of the two-objective kernels.
void require_ref2(const py::array_t<double, py::array::c_style>& ref) {
  if (ref.ndim() != 1 || ref.shape(0) != 2) throw std::invalid_argument("ref must be a 1-D array of 2 entries");
}

}  // namespace

void bind_device(py::module_& m) {
  namespace dev = evonas::EVONAS_DEVICE_NS;
  using Vector = py::array_t<double, py::array::c_style>;

  m.def(
      "hypervolume_mc",
      [](std::uintptr_t F, std::size_t n, std::size_t n_obj, const Vector& ref, std::uint64_t samples,
         std::uint64_t seed, int device, std::uintptr_t stream) {
        if (ref.ndim() != 1 || static_cast<std::size_t>(ref.shape(0)) != n_obj)
          throw std::invalid_argument("ref must be a 1-D array with one entry per objective");
        MonteCarloEstimate est;
        {
          py::gil_scoped_release release;
          est = dev::hypervolume_mc(reinterpret_cast<const double*>(F), n, n_obj, ref.data(), samples, seed,
                                    {device, stream});
        }
        return py::make_tuple(est.value, est.std_error);
      },
      py::arg("F"), py::arg("n"), py::arg("m"), py::arg("ref"), py::arg("samples"), py::arg("seed"),
      py::arg("device"), py::arg("stream"));

  m.def(
      "hypervolume_2d",
      [](std::uintptr_t F, std::size_t n, const Vector& ref, int device, std::uintptr_t stream) {
        require_indexable(n);
        require_ref2(ref);
        py::gil_scoped_release release;
        return dev::hypervolume_2d(reinterpret_cast<const double*>(F), n, ref.data(), {device, stream});
      },
      py::arg("F"), py::arg("n"), py::arg("ref"), py::arg("device"), py::arg("stream"));

  m.def(
      "hv_contributions_2d",
      [](std::uintptr_t F, std::size_t n, const Vector& ref, std::uintptr_t out, int device, std::uintptr_t stream) {
        require_indexable(n);
        require_ref2(ref);
        py::gil_scoped_release release;
        dev::hv_contributions_2d(reinterpret_cast<const double*>(F), n, ref.data(), reinterpret_cast<double*>(out),
                                 {device, stream});
      },
      py::arg("F"), py::arg("n"), py::arg("ref"), py::arg("out"), py::arg("device"), py::arg("stream"));

  m.def(
      "non_dominated_sort",
      [](std::uintptr_t F, std::size_t n, std::size_t n_obj, std::size_t n_stop, std::uintptr_t out, int device,
         std::uintptr_t stream, int strategy) {
        require_indexable(n);
        if (strategy < 0 || strategy > 2) throw std::invalid_argument("strategy must be 0 (auto), 1 (scan) or 2 (divide)");
        py::gil_scoped_release release;
        dev::non_dominated_sort(reinterpret_cast<const double*>(F), n, n_obj, n_stop,
                                reinterpret_cast<std::int32_t*>(out), {device, stream},
                                static_cast<dev::NdsStrategy>(strategy));
      },
      py::arg("F"), py::arg("n"), py::arg("m"), py::arg("n_stop"), py::arg("out"), py::arg("device"),
      py::arg("stream"), py::arg("strategy") = 0);

  m.def(
      "nsga2_survival",
      [](std::uintptr_t F, std::size_t n, std::size_t n_obj, std::uintptr_t cv, std::size_t n_survive,
         std::uintptr_t index, std::uintptr_t rank, std::uintptr_t crowding, int device, std::uintptr_t stream) {
        require_indexable(n);
        py::gil_scoped_release release;
        dev::nsga2_survival(reinterpret_cast<const double*>(F), reinterpret_cast<const double*>(cv), n, n_obj,
                            n_survive, reinterpret_cast<std::int64_t*>(index), reinterpret_cast<std::int32_t*>(rank),
                            reinterpret_cast<double*>(crowding), {device, stream});
      },
      py::arg("F"), py::arg("n"), py::arg("m"), py::arg("cv"), py::arg("n_survive"), py::arg("index"),
      py::arg("rank"), py::arg("crowding"), py::arg("device"), py::arg("stream"));

  m.def(
      "unique_rows",
      [](std::uintptr_t X, std::size_t n, std::size_t n_col, std::uintptr_t against, std::size_t n_against,
         std::uintptr_t mask, int device, std::uintptr_t stream, unsigned hash_bits) {
        require_indexable(n + n_against);
        py::gil_scoped_release release;
        dev::unique_rows(reinterpret_cast<const double*>(X), n, n_col, reinterpret_cast<const double*>(against),
                         against ? n_against : 0, reinterpret_cast<std::uint8_t*>(mask), {device, stream},
                         hash_bits);
      },
      py::arg("X"), py::arg("n"), py::arg("m"), py::arg("against"), py::arg("n_against"), py::arg("mask"),
      py::arg("device"), py::arg("stream"), py::arg("hash_bits") = 64);

  m.def(
      "forest_predict",
      [](const PackedForest& forest, std::uintptr_t X, std::size_t n, std::uintptr_t mean, std::uintptr_t std,
         int device, std::uintptr_t stream) {
        py::gil_scoped_release release;
        dev::forest_predict(forest, reinterpret_cast<const double*>(X), n, reinterpret_cast<double*>(mean),
                            reinterpret_cast<double*>(std), {device, stream});
      },
      py::arg("forest"), py::arg("X"), py::arg("n"), py::arg("mean"), py::arg("std"), py::arg("device"),
      py::arg("stream"));

  m.def(
      "crowding_distance",
      [](std::uintptr_t F, std::size_t n, std::size_t n_obj, std::uintptr_t ranks, std::uintptr_t out, int device,
         std::uintptr_t stream) {
        require_indexable(n);
        py::gil_scoped_release release;
        dev::crowding_distance(reinterpret_cast<const double*>(F), n, n_obj, reinterpret_cast<const std::int32_t*>(ranks),
                               reinterpret_cast<double*>(out), {device, stream});
      },
      py::arg("F"), py::arg("n"), py::arg("m"), py::arg("ranks"), py::arg("out"), py::arg("device"),
      py::arg("stream"));
}

}  // namespace evonas::bindings
