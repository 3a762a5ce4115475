// Fork-join helpers over std::thread. No pool and no global state: each call
// starts its threads and joins them, which costs ~20 us and is only worth it
// for inputs large enough that the callers gate it with a grain size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace evonas {

// n_threads <= 0 means "all hardware threads".
inline int resolve_threads(int n_threads) {
  if (n_threads > 0) return n_threads;
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// Calls body(begin, end) on disjoint chunks covering [0, n). Chunks are at
// least `grain` long, so small inputs run inline on the calling thread.
// The first exception thrown by any chunk is rethrown on the caller.
template <class Body>
void parallel_for(std::size_t n, int n_threads, std::size_t grain, Body&& body) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  std::size_t chunks = (n + grain - 1) / grain;
  // Asking the OS for the core count costs ~20 us: skip it for small inputs.
  std::size_t workers = chunks <= 1 ? 1 : std::min<std::size_t>(resolve_threads(n_threads), chunks);
  if (workers <= 1) {
    body(std::size_t{0}, n);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&](std::size_t lo, std::size_t hi) {
    try {
      body(lo, hi);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  std::size_t chunk = (n + workers - 1) / workers;
  for (std::size_t w = 1; w < workers; ++w) {
    std::size_t lo = w * chunk, hi = std::min(n, lo + chunk);
    if (lo < hi) threads.emplace_back(run, lo, hi);
  }
  run(0, std::min(n, chunk));
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

// Runs independent tasks task(i), i in [0, n_tasks), handing them out
// dynamically: for irregular work such as hypervolume sub-problems.
template <class Task>
void parallel_tasks(std::size_t n_tasks, int n_threads, Task&& task) {
  std::size_t workers = std::min<std::size_t>(resolve_threads(n_threads), n_tasks);
  if (workers <= 1) {
    for (std::size_t i = 0; i < n_tasks; ++i) task(i);
    return;
  }
  std::mutex mutex;
  std::size_t next = 0;
  std::exception_ptr error;
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (next >= n_tasks || error) return;
        i = next++;
      }
      try {
        task(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace evonas
