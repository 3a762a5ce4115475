#include <stdexcept>
#include "hv_detail.hpp"
namespace evonas::detail {
void hvc_general(const double*, std::size_t, std::size_t, const double*, int, double*) { throw std::logic_error("PLACEHOLDER"); }
}
