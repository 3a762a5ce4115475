#include <stdexcept>
#include "hv_detail.hpp"
namespace evonas::detail {
double hv3d(const double*, std::size_t, const double*) { throw std::logic_error("PLACEHOLDER"); }
void hvc3d(const double*, std::size_t, const double*, double*) { throw std::logic_error("PLACEHOLDER"); }
}
