// A space's prepared description (ops::Plan) copied to the device, for the
// device operators (op_*.cu).
#pragma once

#include <thrust/device_vector.h>

#include <vector>

#include "evonas/operators.hpp"
#include "op_detail.hpp"

namespace evonas::EVONAS_DEVICE_NS {

class DevicePlan {
 public:
  explicit DevicePlan(const GeneSpace& space) : host_(space), genes_(host_.genes.begin(), host_.genes.end()) {
    std::vector<std::uint32_t> cols;
    for (const auto& of_kind : host_.of_kind) cols.insert(cols.end(), of_kind.begin(), of_kind.end());
    cols_ = cols;
  }

  const ops::Plan& host() const { return host_; }

  // The plan with its arrays in device memory, valid while this object lives.
  ops::PlanView view() const {
    ops::PlanView v{thrust::raw_pointer_cast(genes_.data()), {}, {}, host_.n_var};
    const std::uint32_t* at = thrust::raw_pointer_cast(cols_.data());
    for (std::size_t k = 0; k < kGeneKinds; ++k) {
      v.cols[k] = at;
      v.count[k] = host_.of_kind[k].size();
      at += v.count[k];
    }
    return v;
  }

 private:
  ops::Plan host_;
  thrust::device_vector<ops::Gene> genes_;
  thrust::device_vector<std::uint32_t> cols_;
};

}  // namespace evonas::EVONAS_DEVICE_NS
