#include <stdexcept>
#include "evonas/pareto.hpp"
namespace evonas {
std::vector<std::int32_t> non_dominated_sort(const double*, std::size_t, std::size_t, std::size_t, int) { throw std::logic_error("PLACEHOLDER"); }
}
