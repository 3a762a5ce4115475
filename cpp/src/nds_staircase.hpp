// A 2-D staircase: the minimal points (key, val) of a set, i.e. keys strictly
// increasing and vals strictly decreasing. "Is (k, v) weakly dominated by a
// member" is one floor lookup. Stored as a list of sorted blocks so that an
// insertion anywhere costs O(block) instead of O(size): points inserted at the
// front every time (a degenerate front) would make a flat vector quadratic.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#ifndef EVONAS_STAIRCASE_BLOCK  // overridable so that tests reach the block splits
#define EVONAS_STAIRCASE_BLOCK 64
#endif

namespace evonas::nds_detail {

// Number of elements <= k in the sorted sequence key(0..n-1). Branch-free
// halving: the comparisons of a staircase lookup are unpredictable.
template <class K, class Key>
inline std::size_t count_le(std::size_t n, K k, Key key) {
  if (n == 0) return 0;
  std::size_t base = 0;
  while (n > 1) {
    std::size_t half = n / 2;
    base = key(base + half) <= k ? base + half : base;
    n -= half;
  }
  return base + (key(base) <= k);
}

template <class K, class V>
class Staircase {
 public:
  struct Entry {
    K key;
    V val;
  };

  bool empty() const { return blocks_.empty(); }

  void clear() {
    blocks_.clear();
    first_.clear();
  }

  // The entry with the largest key <= k (it has the smallest val among
  // entries with key <= k), or nullptr.
  const Entry* floor(K k) const {
    std::size_t b = block_of(k);
    if (b == 0) return nullptr;
    const std::vector<Entry>& blk = blocks_[b - 1];
    return &blk[entry_of(blk, k) - 1];  // blk.front().key <= k
  }

  // Where a new entry goes: before entry pos of block b.
  struct Hint {
    std::size_t b = 0, pos = 0;
  };

  // True when some member has key <= k and val <= v.
  bool covers(K k, V v) const {
    const Entry* e = floor(k);
    return e && !(v < e->val);
  }

  // The same; when not covered, `hint` locates (k, v) for insert(k, v, hint).
  bool covers(K k, V v, Hint& hint) const {
    hint = Hint{};
    std::size_t b = block_of(k);
    if (b == 0) return false;
    const std::vector<Entry>& blk = blocks_[--b];
    std::size_t pos = entry_of(blk, k);
    const Entry& e = blk[pos - 1];
    if (!(v < e.val)) return true;
    hint = Hint{b, e.key == k ? pos - 1 : pos};  // an equal key gets replaced
    return false;
  }

  // Adds (k, v), which must not be covered, dropping the members it covers.
  void insert(K k, V v, const Hint& hint) { insert_at(hint.b, hint.pos, k, v); }

  void insert(K k, V v) {
    Hint h;
    covers(k, v, h);
    insert(k, v, h);
  }

  // Adds (k, v) unless it is covered; returns whether it was added.
  bool try_insert(K k, V v) {
    Hint h;
    if (covers(k, v, h)) return false;
    insert(k, v, h);
    return true;
  }

 private:
  static constexpr std::size_t kBlock = EVONAS_STAIRCASE_BLOCK;

  // 1 + the block holding the floor of k (0: below every key).
  std::size_t block_of(K k) const {
    return count_le(first_.size(), k, [this](std::size_t i) { return first_[i]; });
  }
  static std::size_t entry_of(const std::vector<Entry>& blk, K k) {
    return count_le(blk.size(), k, [&blk](std::size_t i) { return blk[i].key; });
  }

  // Inserts (k, v) before entry pos of block b (every entry before it has a
  // smaller key and a larger val) and erases the entries it covers, which
  // follow it contiguously.
  void insert_at(std::size_t b, std::size_t pos, K k, V v) {
    if (blocks_.empty()) {
      blocks_.push_back({Entry{k, v}});
      first_.push_back(k);
      return;
    }
    std::vector<Entry>& blk = blocks_[b];
    std::size_t end = pos;
    while (end < blk.size() && !(blk[end].val < v)) ++end;
    if (end == blk.size()) {
      std::size_t b2 = b + 1;
      while (b2 < blocks_.size() && !(blocks_[b2].back().val < v)) ++b2;
      if (b2 < blocks_.size()) {
        std::vector<Entry>& next = blocks_[b2];
        auto cut = next.begin();
        while (!(cut->val < v)) ++cut;
        if (cut != next.begin()) {
          next.erase(next.begin(), cut);
          first_[b2] = next.front().key;
        }
      }
      if (b2 > b + 1) {
        blocks_.erase(blocks_.begin() + (b + 1), blocks_.begin() + b2);
        first_.erase(first_.begin() + (b + 1), first_.begin() + b2);
      }
    }
    std::vector<Entry>& cur = blocks_[b];  // only later blocks moved
    if (end > pos) {  // overwrite the first covered entry, drop the rest
      cur[pos] = Entry{k, v};
      cur.erase(cur.begin() + pos + 1, cur.begin() + end);
    } else {
      cur.insert(cur.begin() + pos, Entry{k, v});
    }
    first_[b] = cur.front().key;
    if (cur.size() >= 2 * kBlock) split(b);
  }

  void split(std::size_t b) {
    std::vector<Entry> tail(blocks_[b].begin() + kBlock, blocks_[b].end());
    blocks_[b].resize(kBlock);
    K first = tail.front().key;
    blocks_.insert(blocks_.begin() + (b + 1), std::move(tail));
    first_.insert(first_.begin() + (b + 1), first);
  }

  std::vector<std::vector<Entry>> blocks_;
  std::vector<K> first_;  // first key of each block
};

}  // namespace evonas::nds_detail
