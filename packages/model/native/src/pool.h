// A small thread pool owned by the addon (one per Node environment, made once, reused by every kernel call):
// the caller thread plus threads - 1 workers run a job's numbered tasks. Each thread starts on its own contiguous
// share of them, then takes what is left of the others' shares one task at a time, so a slower vCPU simply does
// fewer. Every kernel cuts its work into tasks the same way whatever the thread count, and tasks write disjoint
// outputs (never a shared reduction), so results are bit-identical for any number of threads.
#pragma once

#include <type_traits>

namespace tl {

using TaskFn = void (*)(void* ctx, int task);

class Pool {
 public:
  // threads >= 1 counts the caller: threads - 1 workers are started here and live until the pool is deleted.
  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int threads() const { return threads_; }

  // Runs fn(ctx, i) once for every i in [0, n) on the workers and the calling thread; returns when all are done.
  void run(int n, TaskFn fn, void* ctx);

  struct Impl;

 private:
  int threads_;
  Impl* impl_;
};

// The pool kernels on this thread use; nullptr runs them on the calling thread alone. The addon sets it for
// the duration of each call (PoolScope); pool workers have none, so work inside a task never nests.
Pool* current_pool();

class PoolScope {
 public:
  explicit PoolScope(Pool* pool);
  ~PoolScope();

 private:
  Pool* saved_;
};

// Threads the current pool has (1 without one).
int current_threads();

// Runs f(i) for i in [0, n): on the current pool when there is one and n > 1, else in order on this thread.
template <class F>
void parallel_tasks(int n, F&& f) {
  Pool* pool = current_pool();
  if (pool == nullptr || n <= 1) {
    for (int i = 0; i < n; ++i) f(i);
    return;
  }
  using Fn = typename std::remove_reference<F>::type;
  pool->run(n, [](void* c, int i) { (*static_cast<Fn*>(c))(i); }, static_cast<void*>(&f));
}

// Whether worker threads can be started in this build (false where the addon was built with TL_NO_THREADS).
bool threads_supported();

// For the benchmark: `threads` threads (pinned to CPUs 0, 1, … when pin and the OS allows) each run the same
// loop of vector multiply-adds (FMA throughput) for `ms` milliseconds at the same time; counts[i] = loops
// thread i finished.
void pace_probe(int threads, int ms, bool pin, double* counts);

}  // namespace tl
