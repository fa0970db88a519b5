// A job is published as one 64-bit "ticket": generation (24 bits) | task count (20) | unused (20). Its tasks are
// dealt out in contiguous shares, one per thread (the caller is thread 0), each share a 64-bit slot on its own
// cache line: generation | next (20) | end (20). A thread first takes its own share from the front, in order, then
// takes what is left of the others' shares from their back ends, so a slower vCPU still simply does fewer tasks.
// Contiguous shares keep a thread on the same outputs from one job to the next (the recurrence's units stay on
// one core with their cell state, and neighbouring tasks, whose row segments share cache lines, mostly run on
// the same core); tasks handed out round-robin made both cores write the same lines at the same time.
// Every claim is a compare-and-swap that names the generation, so a worker that wakes late, after its job
// ended and the next began, can never claim a task of the wrong job. The job's function is read only after a
// successful claim, while the caller is still waiting for that very task, so it is the right one.
//
// Waiting is spin-then-sleep on both sides: workers spin a short while after each job because the LSTM
// recurrence starts a job per time step (tens of microseconds apart), then sleep on a condition variable so
// an idle pool takes no CPU from other trials; the caller spins on the done count, then sleeps too (a worker
// preempted by another process must not cost a core of busy-waiting).
#include "pool.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
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
inline uint64_t pack(uint64_t gen, int hi, int lo) {
  return (gen << (2 * kIdxBits)) | (static_cast<uint64_t>(hi) << kIdxBits) | static_cast<uint64_t>(lo);
}

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

// One thread's share of a job: pack(gen, next, end), alone on its cache line.
struct alignas(64) Share {
  std::atomic<uint64_t> v{0};
};

struct Pool::Impl {
  explicit Impl(int threads) : threads(threads), shares(new Share[threads]) {}

  const int threads;
  std::atomic<uint64_t> ticket{0};
  std::atomic<TaskFn> fn{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::unique_ptr<Share[]> shares;
  alignas(64) std::atomic<int> done{0};
  std::atomic<int> sleepers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};
  std::mutex m;
  std::condition_variable work_cv, done_cv;
  std::vector<std::thread> workers;

  // Claims the next task of share k for job gen: from the front (its owner) or the back (another thread);
  // -1 when the share is empty or belongs to another job.
  int claim(int k, uint64_t gen, bool front) {
    std::atomic<uint64_t>& s = shares[k].v;
    uint64_t v = s.load(std::memory_order_acquire);
    for (;;) {
      if (gen_of(v) != gen) return -1;
      const int next = n_of(v), end = idx_of(v);
      if (next >= end) return -1;
      const uint64_t want = front ? pack(gen, next + 1, end) : pack(gen, next, end - 1);
      if (s.compare_exchange_weak(v, want, std::memory_order_acq_rel, std::memory_order_acquire))
        return front ? next : end - 1;
    }
  }

  // Runs tasks of job `seen` (a ticket) as thread `self`: its own share first, then the rest of the others'.
  void work(int self, uint64_t seen) {
    const uint64_t gen = gen_of(seen);
    const int n = n_of(seen);
    int finished = 0;
    for (int d = 0; d < threads; ++d) {
      const int k = (self + d) % threads;
      for (int i; (i = claim(k, gen, d == 0)) >= 0; ++finished)
        fn.load(std::memory_order_relaxed)(ctx.load(std::memory_order_relaxed), i);
    }
    if (finished == 0) return;
    if (done.fetch_add(finished, std::memory_order_seq_cst) + finished == n &&
        caller_sleeping.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lk(m);
      done_cv.notify_one();
    }
  }

  void worker_main(int self) {
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
      work(self, t);
    }
  }
};

Pool::Pool(int threads) : threads_(threads < 1 ? 1 : threads), impl_(new Impl(threads < 1 ? 1 : threads)) {
  for (int i = 1; i < threads_; ++i) impl_->workers.emplace_back([this, i] { impl_->worker_main(i); });
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
  for (int k = 0; k < threads_; ++k) {
    const int lo = static_cast<int>(static_cast<int64_t>(n) * k / threads_);
    const int hi = static_cast<int>(static_cast<int64_t>(n) * (k + 1) / threads_);
    p.shares[k].v.store(pack(gen, lo, hi), std::memory_order_relaxed);
  }
  const uint64_t start = pack(gen, n, 0);
  // seq_cst: the fn, ctx, done and share stores above become visible to a worker that sees this generation.
  p.ticket.store(start, std::memory_order_seq_cst);
  if (p.sleepers.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lk(p.m);
    p.work_cv.notify_all();
  }
  p.work(0, start);
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

// Ten independent chains of 8-wide fused multiply-adds: enough to keep both FMA pipes of a core full, as the
// kernels' GEMMs do, and no memory traffic. A vCPU whose sibling hyperthread on the host is busy with another
// tenant's vector work keeps its scalar speed but loses up to half of this throughput, so a dependent scalar chain
// (what this probe ran before) read equal paces where the kernels ran at unequal ones.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) double fma_loops(std::chrono::steady_clock::time_point until) {
  __m256 a[10];
  for (int i = 0; i < 10; ++i) a[i] = _mm256_set1_ps(1.0f + 0.001f * i);
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  double loops = 0;
  do {
    for (int k = 0; k < 10000; ++k)
      for (int i = 0; i < 10; ++i) a[i] = _mm256_fmadd_ps(a[i], b, c);
    loops += 1;
  } while (std::chrono::steady_clock::now() < until);
  volatile float sink = 0;
  for (int i = 0; i < 10; ++i) sink = sink + _mm256_cvtss_f32(a[i]);
  (void)sink;
  return loops;
}
#endif

double pace_loop(int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fma_loops(until);
#endif
  // Elsewhere a dependent scalar chain: core speed alone.
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
