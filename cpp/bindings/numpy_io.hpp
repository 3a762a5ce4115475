// Moving results into numpy arrays without a copy, and reading the
// C-contiguous float64 matrices that the Python layer prepares.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace evonas::bindings {

namespace py = pybind11;

using Matrix = py::array_t<double, py::array::c_style>;

template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
  auto owner = std::make_unique<std::vector<T>>(std::move(values));
  T* data = owner->data();
  auto size = static_cast<py::ssize_t>(owner->size());
  py::capsule free_when_done(owner.get(), [](void* p) {
    std::unique_ptr<std::vector<T>>(static_cast<std::vector<T>*>(p));
  });
  owner.release();  // now owned by the capsule
  return py::array_t<T>({size}, {static_cast<py::ssize_t>(sizeof(T))}, data, free_when_done);
}

// The Python layer validates; this guards the private API against misuse.
inline void require_matrix(const Matrix& F) {
  if (F.ndim() != 2) throw std::invalid_argument("F must be a 2-D array");
}

inline void require_ref(const Matrix& F, const py::array_t<double, py::array::c_style>& ref) {
  require_matrix(F);
  if (ref.ndim() != 1 || ref.shape(0) != F.shape(1))
    throw std::invalid_argument("ref must be a 1-D array with one entry per objective");
}

}  // namespace evonas::bindings
