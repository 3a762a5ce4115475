#include <stdexcept>
#include "hv_detail.hpp"
namespace evonas::detail {
double hv2d(const double*, std::size_t, const double*) { throw std::logic_error("PLACEHOLDER"); }
void hvc2d(const double*, std::size_t, const double*, double*) { throw std::logic_error("PLACEHOLDER"); }
}
