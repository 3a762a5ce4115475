#include <stdexcept>
#include "evonas/pareto.hpp"
namespace evonas {
std::vector<std::uint8_t> nondominated(const double*, std::size_t, std::size_t, int) { throw std::logic_error("PLACEHOLDER"); }
}
