// Tournament selection on the device: keys per individual, the permutations
// of competitors (shuffle.cuh: the CPU path's permutations, drawn in
// parallel), then one thread per tournament (op_selection_row.hpp).
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include "evonas/device_operators.hpp"
#include "exec.cuh"
#include "op_selection_row.hpp"
#include "shuffle.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

struct MakeKey {
  TournamentCriteria criteria;
  ops::Key* keys;
  EVONAS_HD void operator()(std::size_t i) const { keys[i] = ops::tournament_key(criteria, i); }
};

struct SelectStream {
  std::uint64_t seed, generation;
  EVONAS_HD PhiloxStream operator()(std::size_t p) const {
    return op_stream(seed, generation, OpStream::select, p);
  }
};

struct Decide {
  const ops::Key* keys;
  const std::uint32_t* drawn;
  std::size_t k;
  std::int64_t* winners;
  EVONAS_HD void operator()(std::size_t t) const {
    winners[t] = static_cast<std::int64_t>(ops::tournament_winner(keys, drawn + t * k, k));
  }
};

}  // namespace

void tournament_select(const TournamentCriteria& criteria, std::size_t n, std::size_t n_select, std::size_t k,
                       std::uint64_t seed, std::uint64_t generation, std::int64_t* winners, Where where) {
  ops::require_tournament(n, n_select, k);
  if (n_select == 0) return;
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  const thrust::counting_iterator<std::size_t> first(0);
  thrust::device_vector<ops::Key> keys(n);
  ops::Key* const key_at = thrust::raw_pointer_cast(keys.data());
  thrust::for_each(policy, first, first + n, MakeKey{criteria, key_at});

  // Permutations laid end to end, k competitors per tournament.
  const std::size_t n_perm = (n_select * k + n - 1) / n;
  thrust::device_vector<std::uint32_t> drawn(n_perm * n);
  std::uint32_t* const drawn_at = thrust::raw_pointer_cast(drawn.data());
  shuffle_many(policy, n, n_perm, SelectStream{seed, generation}, drawn_at);
  thrust::for_each(policy, first, first + n_select, Decide{key_at, drawn_at, k, winners});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
