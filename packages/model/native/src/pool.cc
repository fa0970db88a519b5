// The pool's hand-out is one 64-bit atomic "ticket": generation (24 bits) | task count (20) | next task (20).
// A thread claims task i by a compare-and-swap from (gen, n, i) to (gen, n, i + 1), so a worker that wakes
// late, after its job ended and the next began, can never claim a task of the wrong job: its swap names the
// old generation and fails. The job's function is read only after a successful claim, while the caller is
// still waiting for that very task, so it is the right one.
//
// Waiting is spin-then-sleep on both sides: workers spin a short while after each job because the LSTM
// recurrence starts a job per time step (tens of microseconds apart), then sleep on a condition variable so
// an idle pool takes no CPU from other trials; the caller spins on the done count, then sleeps too (a worker
// preempted by another process must not cost a core of busy-waiting).
#include "pool.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#if !defined(TL_NO_THREADS)
#include <condition_variable>
#include <mutex>
#include <thread>
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TL_PAUSE() _mm_pause()
#else
#define TL_PAUSE() ((void)0)
#endif

namespace tl {

namespace {

thread_local Pool* tls_pool = nullptr;

constexpr uint64_t kIdxBits = 20;
constexpr uint64_t kIdxMask = (uint64_t{1} << kIdxBits) - 1;
constexpr int kMaxTasks = static_cast<int>(kIdxMask);

inline uint64_t gen_of(uint64_t t) { return t >> (2 * kIdxBits); }
inline int n_of(uint64_t t) { return static_cast<int>((t >> kIdxBits) & kIdxMask); }
inline int idx_of(uint64_t t) { return static_cast<int>(t & kIdxMask); }

// How long a worker keeps spinning for the next job before it sleeps, and the caller for the last task.
constexpr auto kWorkerSpin = std::chrono::microseconds(100);
constexpr auto kCallerSpin = std::chrono::microseconds(200);

}  // namespace

Pool* current_pool() { return tls_pool; }
PoolScope::PoolScope(Pool* pool) : saved_(tls_pool) { tls_pool = pool; }
PoolScope::~PoolScope() { tls_pool = saved_; }
int current_threads() { return tls_pool == nullptr ? 1 : tls_pool->threads(); }

#if defined(TL_NO_THREADS)

struct Pool::Impl {};
Pool::Pool(int) : threads_(1), impl_(nullptr) {}
Pool::~Pool() = default;
void Pool::run(int n, TaskFn fn, void* ctx) {
  for (int i = 0; i < n; ++i) fn(ctx, i);
}
bool threads_supported() { return false; }
void pace_probe(int threads, int, bool, double* counts) {
  for (int i = 0; i < threads; ++i) counts[i] = 0;
}

#else

struct Pool::Impl {
  std::atomic<uint64_t> ticket{0};
  std::atomic<TaskFn> fn{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::atomic<int> done{0};
  std::atomic<int> sleepers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};
  std::mutex m;
  std::condition_variable work_cv, done_cv;
  std::vector<std::thread> workers;

  // Claims and runs tasks of the job `seen` names until none is left or the ticket moved on to another job.
  void work(uint64_t seen) {
    uint64_t t = seen;
    for (;;) {
      if (gen_of(t) != gen_of(seen) || idx_of(t) >= n_of(t)) return;
      if (!ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const int n = n_of(t);
      fn.load(std::memory_order_relaxed)(ctx.load(std::memory_order_relaxed), idx_of(t));
      if (done.fetch_add(1, std::memory_order_seq_cst) + 1 == n && caller_sleeping.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lk(m);
        done_cv.notify_one();
      }
      t = ticket.load(std::memory_order_acquire);
    }
  }

  void worker_main() {
    uint64_t seen_gen = gen_of(ticket.load(std::memory_order_acquire));
    for (;;) {
      uint64_t t = ticket.load(std::memory_order_acquire);
      if (gen_of(t) == seen_gen) {
        const auto until = std::chrono::steady_clock::now() + kWorkerSpin;
        int spins = 0;
        while (gen_of(t = ticket.load(std::memory_order_acquire)) == seen_gen &&
               !stop.load(std::memory_order_relaxed)) {
          TL_PAUSE();
          if ((++spins & 63) == 0 && std::chrono::steady_clock::now() > until) break;
        }
        if (gen_of(t) == seen_gen) {
          std::unique_lock<std::mutex> lk(m);
          sleepers.fetch_add(1, std::memory_order_seq_cst);
          work_cv.wait(lk, [&] {
            return stop.load(std::memory_order_seq_cst) || gen_of(ticket.load(std::memory_order_seq_cst)) != seen_gen;
          });
          sleepers.fetch_sub(1, std::memory_order_seq_cst);
          t = ticket.load(std::memory_order_acquire);
        }
      }
      if (stop.load(std::memory_order_acquire)) return;
      seen_gen = gen_of(t);
      work(t);
    }
  }
};

Pool::Pool(int threads) : threads_(threads < 1 ? 1 : threads), impl_(new Impl) {
  for (int i = 1; i < threads_; ++i) impl_->workers.emplace_back([this] { impl_->worker_main(); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    impl_->stop.store(true, std::memory_order_seq_cst);
    impl_->work_cv.notify_all();
  }
  for (auto& w : impl_->workers) w.join();
  delete impl_;
}

void Pool::run(int n, TaskFn fn, void* ctx) {
  Impl& p = *impl_;
  if (threads_ == 1 || n <= 1 || n > kMaxTasks) {
    for (int i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
  p.fn.store(fn, std::memory_order_relaxed);
  p.ctx.store(ctx, std::memory_order_relaxed);
  p.done.store(0, std::memory_order_relaxed);
  const uint64_t gen = (gen_of(p.ticket.load(std::memory_order_relaxed)) + 1) & ((uint64_t{1} << 24) - 1);
  const uint64_t start = (gen << (2 * kIdxBits)) | (static_cast<uint64_t>(n) << kIdxBits);
  p.ticket.store(start, std::memory_order_seq_cst);
  if (p.sleepers.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lk(p.m);
    p.work_cv.notify_all();
  }
  p.work(start);
  if (p.done.load(std::memory_order_acquire) >= n) return;
  const auto until = std::chrono::steady_clock::now() + kCallerSpin;
  int spins = 0;
  while (p.done.load(std::memory_order_acquire) < n) {
    TL_PAUSE();
    if ((++spins & 63) == 0 && std::chrono::steady_clock::now() > until) {
      std::unique_lock<std::mutex> lk(p.m);
      p.caller_sleeping.store(true, std::memory_order_seq_cst);
      p.done_cv.wait(lk, [&] { return p.done.load(std::memory_order_seq_cst) >= n; });
      p.caller_sleeping.store(false, std::memory_order_relaxed);
      return;
    }
  }
}

bool threads_supported() { return true; }

namespace {

// A fixed chain of dependent multiply-adds: pure core speed, no memory traffic.
double pace_loop(int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  double loops = 0;
  volatile float sink = 0;
  float a = 1.0f, b = 0.999999f, c = 1e-7f;
  do {
    for (int i = 0; i < 100000; ++i) a = a * b + c;
    loops += 1;
  } while (std::chrono::steady_clock::now() < until);
  sink = a;
  (void)sink;
  return loops;
}

}  // namespace

void pace_probe(int threads, int ms, bool pin, double* counts) {
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i) {
    ts.emplace_back([i, ms, pin, counts] {
#if defined(__linux__)
      if (pin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(i % CPU_SETSIZE, &set);
        pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
      }
#else
      (void)pin;
#endif
      counts[i] = pace_loop(ms);
    });
  }
  for (auto& t : ts) t.join();
}

#endif

}  // namespace tl
