// Agora's native PPO engine: the policy/value forward pass for rollouts and the whole PPO
// update (forward, clipped surrogate, value loss, entropy, backward, global grad-norm
// clipping, Adam) as fused loops over flat float32 memory, for the small MLPs that social
// games use. Built by runtime/engine/native.ts with the machine's g++ (no node-gyp, no
// headers: the few Node-API functions used are declared below; their ABI is stable).
//
// Layout, shared with runtime/engine/*.ts and with TensorFlow.js's ActorCritic variables:
// params = actor (W0 [in x out] row-major, b0, W1, b1, ...) then critic (W0, b0, ...).
//
// Determinism: a minibatch is cut into chunks of CHUNK rows and the chunks into at most
// SLICES contiguous slices; each slice accumulates its own gradient, and the slices are
// summed in order. Results depend on neither the thread count nor the scheduling.

#include <algorithm>
#include <atomic>
#include <ctime>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
typedef struct napi_env__* napi_env;
typedef struct napi_value__* napi_value;
typedef struct napi_callback_info__* napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
typedef enum {
  napi_int8_array,
  napi_uint8_array,
  napi_uint8_clamped_array,
  napi_int16_array,
  napi_uint16_array,
  napi_int32_array,
  napi_uint32_array,
  napi_float32_array,
  napi_float64_array,
} napi_typedarray_type;
napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t*, napi_value*, napi_value*, void**);
napi_status napi_get_typedarray_info(napi_env, napi_value, napi_typedarray_type*, size_t*, void**, napi_value*, size_t*);
napi_status napi_get_value_double(napi_env, napi_value, double*);
napi_status napi_create_function(napi_env, const char*, size_t, napi_callback, void*, napi_value*);
napi_status napi_set_named_property(napi_env, napi_value, const char*, napi_value);
napi_status napi_throw_error(napi_env, const char*, const char*);
napi_status napi_create_double(napi_env, double, napi_value*);
}

typedef float v16 __attribute__((vector_size(64)));
static inline v16 load(const float* p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void store(float* p, v16 v) { memcpy(p, &v, sizeof v); }
static inline float hsum(v16 v) {
  float s = 0;
  for (int i = 0; i < 16; i++) s += v[i];
  return s;
}

// C[m, n] += sum_k A(m, k) * B[k, n], A(m, k) = A[m * sam + k * sak]. Register blocks of
// 4 rows x 64 columns (16 vector accumulators) where they fit, narrower blocks at the edges.
static void gemm_acc(int M, int N, int K, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc) {
  int n0 = 0;
  for (; n0 + 64 <= N; n0 += 64) {
    int m = 0;
    for (; m + 4 <= M; m += 4) {
      v16 c[4][4];
      for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) c[r][j] = load(C + (m + r) * ldc + n0 + 16 * j);
      const float* a0 = A + (long)m * sam;
      for (int k = 0; k < K; k++) {
        const float* b = B + k * ldb + n0;
        v16 b0 = load(b), b1 = load(b + 16), b2 = load(b + 32), b3 = load(b + 48);
        const float* ak = a0 + k * sak;
        for (int r = 0; r < 4; r++) {
          float a = ak[r * sam];
          c[r][0] += a * b0;
          c[r][1] += a * b1;
          c[r][2] += a * b2;
          c[r][3] += a * b3;
        }
      }
      for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) store(C + (m + r) * ldc + n0 + 16 * j, c[r][j]);
    }
    for (; m < M; m++) {
      v16 c0 = load(C + m * ldc + n0), c1 = load(C + m * ldc + n0 + 16), c2 = load(C + m * ldc + n0 + 32), c3 = load(C + m * ldc + n0 + 48);
      for (int k = 0; k < K; k++) {
        const float* b = B + k * ldb + n0;
        float a = A[m * sam + k * sak];
        c0 += a * load(b);
        c1 += a * load(b + 16);
        c2 += a * load(b + 32);
        c3 += a * load(b + 48);
      }
      store(C + m * ldc + n0, c0);
      store(C + m * ldc + n0 + 16, c1);
      store(C + m * ldc + n0 + 32, c2);
      store(C + m * ldc + n0 + 48, c3);
    }
  }
  for (; n0 + 16 <= N; n0 += 16) {
    int m = 0;
    for (; m + 4 <= M; m += 4) {
      v16 c[4];
      for (int r = 0; r < 4; r++) c[r] = load(C + (m + r) * ldc + n0);
      for (int k = 0; k < K; k++) {
        v16 b = load(B + k * ldb + n0);
        for (int r = 0; r < 4; r++) c[r] += A[(m + r) * sam + k * sak] * b;
      }
      for (int r = 0; r < 4; r++) store(C + (m + r) * ldc + n0, c[r]);
    }
    for (; m < M; m++) {
      v16 c = load(C + m * ldc + n0);
      for (int k = 0; k < K; k++) c += A[m * sam + k * sak] * load(B + k * ldb + n0);
      store(C + m * ldc + n0, c);
    }
  }
  if (n0 < N) {
    for (int m = 0; m < M; m++)
      for (int k = 0; k < K; k++) {
        float a = A[m * sam + k * sak];
        for (int n = n0; n < N; n++) C[m * ldc + n] += a * B[k * ldb + n];
      }
  }
}

// Y[r, n] += dot(X[r, :], WT[n, :]) for narrow outputs (a policy or value head).
static void dot_rows(int rows, int in, int out, const float* X, const float* WT, float* Y) {
  for (int r = 0; r < rows; r++) {
    const float* x = X + (long)r * in;
    for (int n = 0; n < out; n++) {
      const float* w = WT + (long)n * in;
      v16 acc = {};
      int k = 0;
      for (; k + 16 <= in; k += 16) acc += load(x + k) * load(w + k);
      float s = hsum(acc);
      for (; k < in; k++) s += x[k] * w[k];
      Y[r * out + n] += s;
    }
  }
}

enum Activation { RELU = 0, TANH = 1 };

struct Net {
  int D, A, L, act;
  int sizes[2][18];  // layer widths, actor then critic: D, hidden..., A (or 1)
  long W[2][17], B[2][17], WT[2][17];  // offsets into params (W, B) and into the transposed copies (WT)
  long P, PT;  // parameter count; floats in the transposed copies
  int widest;
};

static bool parse_net(const int32_t* spec, size_t len, Net& net) {
  if (len < 4) return false;
  net.D = spec[0];
  net.A = spec[1];
  net.L = spec[2];
  net.act = spec[3];
  if (net.D < 1 || net.A < 1 || net.L < 0 || net.L > 16 || len < (size_t)(4 + net.L)) return false;
  long p = 0, pt = 0;
  net.widest = std::max(net.D, net.A);
  for (int h = 0; h < 2; h++) {
    net.sizes[h][0] = net.D;
    for (int l = 0; l < net.L; l++) {
      net.sizes[h][l + 1] = spec[4 + l];
      if (spec[4 + l] < 1) return false;
      net.widest = std::max(net.widest, (int)spec[4 + l]);
    }
    net.sizes[h][net.L + 1] = h == 0 ? net.A : 1;
    for (int l = 0; l <= net.L; l++) {
      long in = net.sizes[h][l], out = net.sizes[h][l + 1];
      net.W[h][l] = p;
      p += in * out;
      net.B[h][l] = p;
      p += out;
      net.WT[h][l] = pt;
      pt += in * out;
    }
  }
  net.P = p;
  net.PT = pt;
  return true;
}

static void transpose_weights(const Net& net, const float* params, float* wt) {
  for (int h = 0; h < 2; h++)
    for (int l = 0; l <= net.L; l++) {
      int in = net.sizes[h][l], out = net.sizes[h][l + 1];
      const float* w = params + net.W[h][l];
      float* t = wt + net.WT[h][l];
      for (int i = 0; i < in; i++)
        for (int o = 0; o < out; o++) t[(long)o * in + i] = w[(long)i * out + o];
    }
}

// ---- a small thread pool: parallel_for(n, fn) runs fn(item, thread) for every item ----

// The pool's threads live as long as the process, and its locks are never destroyed: at exit
// glibc's condition-variable destructor would wait for the sleeping workers forever.
static std::mutex& run_mutex = *new std::mutex;  // one parallel region at a time (several Node contexts may call in)
static std::mutex& pool_mutex = *new std::mutex;
static std::condition_variable& pool_wake = *new std::condition_variable;
static std::condition_variable& pool_done = *new std::condition_variable;
static std::vector<std::thread> pool;
static const std::function<void(int, int)>* pool_fn;
static std::atomic<int> pool_next;
static int pool_total = 0, pool_pending = 0, threads_wanted = 1;
static long pool_generation = 0;

static void pool_worker(int tid) {
  long seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(pool_mutex);
      pool_wake.wait(lock, [&] { return pool_generation != seen; });
      seen = pool_generation;
    }
    if (tid < threads_wanted)
      for (int i; (i = pool_next.fetch_add(1)) < pool_total;) (*pool_fn)(i, tid);
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (--pool_pending == 0) pool_done.notify_one();
  }
}

static void parallel_for(int total, const std::function<void(int, int)>& fn) {
  std::lock_guard<std::mutex> region(run_mutex);
  if (threads_wanted <= 1 || total <= 1) {
    for (int i = 0; i < total; i++) fn(i, 0);
    return;
  }
  while ((int)pool.size() < threads_wanted - 1) {
    pool.emplace_back(pool_worker, (int)pool.size() + 1);
    pool.back().detach();
  }
  {
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool_fn = &fn;
    pool_total = total;
    pool_next = 0;
    pool_pending = (int)pool.size();
    pool_generation++;
  }
  pool_wake.notify_all();
  for (int i; (i = pool_next.fetch_add(1)) < total;) fn(i, 0);
  std::unique_lock<std::mutex> lock(pool_mutex);
  pool_done.wait(lock, [] { return pool_pending == 0; });
}

// ---- forward ----

static const int CHUNK = 128;
static const int SLICES = 16;
static const float MASKED = -1e9f;

struct Scratch {
  std::vector<float> buf;
  float* get(size_t n) {
    if (buf.size() < n) buf.resize(n);
    return buf.data();
  }
};
static thread_local Scratch scratch;

static inline void activate(int act, float* h, long n) {
  if (act == RELU)
    for (long i = 0; i < n; i++) h[i] = h[i] > 0 ? h[i] : 0;
  else
    for (long i = 0; i < n; i++) h[i] = std::tanh(h[i]);
}

// One MLP (h = 0 actor, 1 critic) over `rows` inputs; acts[l] receives layer l's output
// (acts[0] is the input), activations applied to the hidden layers.
static void mlp_forward(const Net& net, int h, const float* params, const float* wt, int rows, float* const* acts) {
  for (int l = 0; l <= net.L; l++) {
    int in = net.sizes[h][l], out = net.sizes[h][l + 1];
    const float* b = params + net.B[h][l];
    float* y = acts[l + 1];
    for (int r = 0; r < rows; r++) memcpy(y + (long)r * out, b, out * sizeof(float));
    if (out >= 16)
      gemm_acc(rows, out, in, acts[l], in, 1, params + net.W[h][l], out, y, out);
    else
      dot_rows(rows, in, out, acts[l], wt + net.WT[h][l], y);
    if (l < net.L) activate(net.act, y, (long)rows * out);
  }
}

// Masked log-softmax of one row, as TensorFlow.js computes it: illegal logits get -1e9.
static inline void log_softmax(int A, const float* z, const uint8_t* mask, float* lp) {
  float mx = -INFINITY;
  for (int a = 0; a < A; a++) {
    lp[a] = mask[a] ? z[a] : z[a] + MASKED;
    mx = std::max(mx, lp[a]);
  }
  float s = 0;
  for (int a = 0; a < A; a++) s += std::exp(lp[a] - mx);
  float lse = std::log(s);
  for (int a = 0; a < A; a++) lp[a] = (lp[a] - mx) - lse;
}

// Per-thread activations for `rows` rows of both networks.
struct Acts {
  float* a[2][18];
};
static size_t acts_size(const Net& net, int rows) {
  size_t n = (size_t)rows * net.D;
  for (int h = 0; h < 2; h++)
    for (int l = 1; l <= net.L + 1; l++) n += (size_t)rows * net.sizes[h][l];
  return n;
}
static float* layout_acts(const Net& net, int rows, float* p, Acts& acts) {
  acts.a[0][0] = acts.a[1][0] = p;
  p += (size_t)rows * net.D;
  for (int h = 0; h < 2; h++)
    for (int l = 1; l <= net.L + 1; l++) {
      acts.a[h][l] = p;
      p += (size_t)rows * net.sizes[h][l];
    }
  return p;
}

static void forward(const Net& net, const float* params, const float* obs, const uint8_t* mask, int n, float* logp, float* values) {
  std::vector<float> wt(net.PT);
  transpose_weights(net, params, wt.data());
  int chunks = (n + CHUNK - 1) / CHUNK;
  std::function<void(int, int)> fn = [&](int c, int) {
    int r0 = c * CHUNK, rows = std::min(CHUNK, n - r0);
    Acts acts;
    float* base = scratch.get(acts_size(net, CHUNK));
    layout_acts(net, rows, base, acts);
    memcpy(acts.a[0][0], obs + (long)r0 * net.D, (size_t)rows * net.D * sizeof(float));
    mlp_forward(net, 0, params, wt.data(), rows, acts.a[0]);
    mlp_forward(net, 1, params, wt.data(), rows, acts.a[1]);
    const float* z = acts.a[0][net.L + 1];
    for (int r = 0; r < rows; r++) log_softmax(net.A, z + r * net.A, mask + (long)(r0 + r) * net.A, logp + (long)(r0 + r) * net.A);
    memcpy(values + r0, acts.a[1][net.L + 1], rows * sizeof(float));
  };
  parallel_for(chunks, fn);
}

// ---- the PPO update ----

struct Hyper {
  double lr, clip, entCoef, vfCoef, maxGradNorm, beta1, beta2, eps;
};

struct Batch {
  const float* obs;
  const uint8_t* masks;
  const int32_t* actions;
  const float* oldLogp;
  const float* returns;
  const int32_t* idx;  // the minibatch's sample indices
  const float* adv;  // normalised advantages, by position in the minibatch
  int n;
};

enum Stat { POLICY, VALUE, ENTROPY, KL, CLIPPED, NSTATS };

// Gradient of the PPO loss over rows [r0, r0 + rows) of the minibatch, added to `grad`;
// loss terms added to `stats` (sums, not yet divided by n).
static void chunk_gradient(const Net& net, const float* params, const float* wt, const Hyper& hp, const Batch& b, int r0, int rows, float* grad, double* stats) {
  const int A = net.A, D = net.D;
  size_t need = acts_size(net, rows) + 2 * (size_t)rows * net.widest + (size_t)net.widest * A + 2 * (size_t)A + rows + 3 * (size_t)rows + (size_t)rows * A;
  float* base = scratch.get(need);
  Acts acts;
  float* p = layout_acts(net, rows, base, acts);
  float* d0 = p;
  p += (size_t)rows * net.widest;
  float* d1 = p;
  p += (size_t)rows * net.widest;
  float* dwt = p;
  p += (size_t)net.widest * A;
  float* lp = p;
  float* g = p + A;
  float* dv = p + 2 * A;
  p += 2 * A + rows;
  // Gather the chunk's samples first, in one pass of independent loads: they are scattered
  // over the whole rollout, and a pass the processor can overlap hides most of the misses.
  float* oldLogp = p;
  float* ret = p + rows;
  int32_t* act = (int32_t*)(p + 2 * rows);
  uint8_t* mask = (uint8_t*)(p + 3 * rows);
  float* x = acts.a[0][0];
  for (int r = 0; r < rows; r++) {
    long k = b.idx[r0 + r];
    for (int d = 0; d < D; d++) x[(long)r * D + d] = b.obs[k * D + d];
    for (int a = 0; a < A; a++) mask[r * A + a] = b.masks[k * A + a];
    act[r] = b.actions[k];
    oldLogp[r] = b.oldLogp[k];
    ret[r] = b.returns[k];
  }
  mlp_forward(net, 0, params, wt, rows, acts.a[0]);
  mlp_forward(net, 1, params, wt, rows, acts.a[1]);

  // Loss and its gradient with respect to the logits (into d0) and the value (into d1).
  const float inv = 1.0f / b.n;
  const float lo = (float)(1 - hp.clip), hi = (float)(1 + hp.clip);
  const float* z = acts.a[0][net.L + 1];
  const float* v = acts.a[1][net.L + 1];
  for (int r = 0; r < rows; r++) {
    log_softmax(A, z + r * A, mask + r * A, lp);
    int action = act[r];
    float logRatio = lp[action] - oldLogp[r];
    float ratio = std::exp(logRatio);
    float adv = b.adv[r0 + r];
    float unclipped = ratio * adv;
    float clippedRatio = std::min(std::max(ratio, lo), hi);
    float clipped = clippedRatio * adv;
    // d(-min(unclipped, clipped))/d ratio; ties go to the unclipped term, the clip range is inclusive.
    float through = unclipped <= clipped ? 1.0f : (ratio >= lo && ratio <= hi ? 1.0f : 0.0f);
    float policyCoef = -adv * through * inv * ratio;
    float entropy = 0, gsum = 0;
    for (int a = 0; a < A; a++) {
      float pa = std::exp(lp[a]);
      float kept = std::max(lp[a], -1e4f);
      entropy -= pa * kept;
      g[a] = -(pa * kept + (lp[a] >= -1e4f ? pa : 0.0f));
      gsum += g[a];
    }
    // The loss has -entCoef * mean(entropy); g is d entropy / d log-probabilities.
    const float entScale = (float)hp.entCoef * inv;
    for (int a = 0; a < A; a++) {
      float pa = std::exp(lp[a]);
      d0[r * A + a] = policyCoef * ((a == action ? 1.0f : 0.0f) - pa) - entScale * (g[a] - pa * gsum);
    }
    float err = v[r] - ret[r];
    dv[r] = (float)hp.vfCoef * err * inv;
    stats[POLICY] += -std::min(unclipped, clipped);
    stats[VALUE] += 0.5 * err * err;
    stats[ENTROPY] += entropy;
    stats[KL] += (ratio - 1) - logRatio;
    stats[CLIPPED] += std::fabs(ratio - 1) > (float)hp.clip ? 1 : 0;
  }

  // Backward through each network.
  for (int h = 0; h < 2; h++) {
    float* dy = d0;
    float* dx = d1;
    if (h == 1) memcpy(d0, dv, rows * sizeof(float));
    for (int l = net.L; l >= 0; l--) {
      int in = net.sizes[h][l], out = net.sizes[h][l + 1];
      const float* x = acts.a[h][l];
      float* gb = grad + net.B[h][l];
      for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) gb[o] += dy[(long)r * out + o];
      float* gw = grad + net.W[h][l];
      if (l == net.L) {
        // Narrow head: accumulate its transpose (vectorised over the input width), then add.
        memset(dwt, 0, sizeof(float) * out * in);
        gemm_acc(out, in, rows, dy, 1, out, x, in, dwt, in);
        for (int i = 0; i < in; i++)
          for (int o = 0; o < out; o++) gw[(long)i * out + o] += dwt[(long)o * in + i];
      } else {
        gemm_acc(in, out, rows, x, 1, in, dy, out, gw, out);
      }
      if (l == 0) break;
      memset(dx, 0, sizeof(float) * rows * in);
      gemm_acc(rows, in, out, dy, out, 1, wt + net.WT[h][l], in, dx, in);
      long m = (long)rows * in;
      if (net.act == RELU)
        for (long i = 0; i < m; i++) dx[i] = x[i] > 0 ? dx[i] : 0;
      else
        for (long i = 0; i < m; i++) dx[i] *= 1 - x[i] * x[i];
      std::swap(dx, dy);
    }
  }
}

// Gradient of one minibatch (summed over slices in a fixed order) into `grad`; stats are means.
static void minibatch_gradient(const Net& net, const float* params, const float* wt, const Hyper& hp, const Batch& b, float* grad, double* stats, std::vector<float>& partials) {
  int chunks = (b.n + CHUNK - 1) / CHUNK;
  int slices = std::min(SLICES, chunks);
  partials.assign((size_t)slices * net.P, 0.0f);
  std::vector<double> sliceStats((size_t)slices * NSTATS, 0.0);
  std::function<void(int, int)> fn = [&](int s, int) {
    int c0 = (int)((long)chunks * s / slices), c1 = (int)((long)chunks * (s + 1) / slices);
    for (int c = c0; c < c1; c++) {
      int r0 = c * CHUNK;
      chunk_gradient(net, params, wt, hp, b, r0, std::min(CHUNK, b.n - r0), partials.data() + (size_t)s * net.P, sliceStats.data() + (size_t)s * NSTATS);
    }
  };
  parallel_for(slices, fn);
  memcpy(grad, partials.data(), net.P * sizeof(float));
  for (int s = 1; s < slices; s++) {
    const float* q = partials.data() + (size_t)s * net.P;
    for (long i = 0; i < net.P; i++) grad[i] += q[i];
  }
  for (int k = 0; k < NSTATS; k++) {
    double sum = 0;
    for (int s = 0; s < slices; s++) sum += sliceStats[(size_t)s * NSTATS + k];
    stats[k] = sum / b.n;
  }
}

// Adam as TensorFlow.js computes it (so checkpoints move between engines): `step` is 1-based.
static void adam(long P, float* params, const float* grad, float* m, float* v, const Hyper& hp, double step) {
  const float b1 = (float)hp.beta1, b2 = (float)hp.beta2, lr = (float)hp.lr, eps = (float)hp.eps;
  const float c1 = 1 - (float)std::pow(hp.beta1, step), c2 = 1 - (float)std::pow(hp.beta2, step);
  for (long i = 0; i < P; i++) {
    float gi = grad[i];
    float mi = m[i] * b1 + gi * (1 - b1);
    float vi = v[i] * b2 + gi * gi * (1 - b2);
    m[i] = mi;
    v[i] = vi;
    params[i] += (mi / c1) / (std::sqrt(vi / c2) + eps) * -lr;
  }
}

// ---- Node-API glue ----

template <typename T>
static T* typed(napi_env env, napi_value value, napi_typedarray_type type, size_t need, const char* what, bool& ok) {
  if (!ok) return nullptr;
  napi_typedarray_type actual;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &actual, &length, &data, nullptr, nullptr) != 0 || actual != type || length < need) {
    napi_throw_error(env, nullptr, what);
    ok = false;
    return nullptr;
  }
  return (T*)data;
}

static double number(napi_env env, napi_value value) {
  double d = 0;
  napi_get_value_double(env, value, &d);
  return d;
}

static bool net_arg(napi_env env, napi_value value, Net& net) {
  bool ok = true;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != 0 || type != napi_int32_array || !parse_net((const int32_t*)data, length, net)) {
    napi_throw_error(env, nullptr, "bad network description");
    ok = false;
  }
  return ok;
}

// forward(net, params, obs, mask, n, logp, values)
static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Net net;
  if (argc < 7 || !net_arg(env, argv[0], net)) return nullptr;
  int n = (int)number(env, argv[4]);
  bool ok = n >= 0;
  float* params = typed<float>(env, argv[1], napi_float32_array, net.P, "params", ok);
  float* obs = typed<float>(env, argv[2], napi_float32_array, (size_t)n * net.D, "obs", ok);
  uint8_t* mask = typed<uint8_t>(env, argv[3], napi_uint8_array, (size_t)n * net.A, "mask", ok);
  float* logp = typed<float>(env, argv[5], napi_float32_array, (size_t)n * net.A, "logp", ok);
  float* values = typed<float>(env, argv[6], napi_float32_array, (size_t)n, "values", ok);
  if (!ok) return nullptr;
  forward(net, params, obs, mask, n, logp, values);
  return nullptr;
}

// update(net, params, m, v, hyper[lr, clip, entCoef, vfCoef, maxGradNorm, beta1, beta2, eps, step],
//        obs, masks, actions, oldLogp, advantages, returns, order, batchSize, stats, gradOut?)
// `order` holds the samples of every epoch in the order they are used; minibatches are
// consecutive runs of `batchSize`. Returns the number of Adam steps taken. `stats` receives
// the mean of each loss term over the minibatches. With `gradOut`, no step is taken: the
// first minibatch's gradient (before clipping) is written there instead.
static napi_value js_update(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Net net;
  if (argc < 14) {
    napi_throw_error(env, nullptr, "update takes 14 or 15 arguments");
    return nullptr;
  }
  if (!net_arg(env, argv[0], net)) return nullptr;
  bool ok = true;
  size_t total = 0;
  {
    napi_typedarray_type t;
    void* d;
    napi_get_typedarray_info(env, argv[11], &t, &total, &d, nullptr, nullptr);
  }
  int batchSize = (int)number(env, argv[12]);
  float* params = typed<float>(env, argv[1], napi_float32_array, net.P, "params", ok);
  float* m = typed<float>(env, argv[2], napi_float32_array, net.P, "m", ok);
  float* v = typed<float>(env, argv[3], napi_float32_array, net.P, "v", ok);
  double* hyper = typed<double>(env, argv[4], napi_float64_array, 9, "hyper", ok);
  size_t samples = 0;
  {
    napi_typedarray_type t;
    void* d;
    napi_get_typedarray_info(env, argv[8], &t, &samples, &d, nullptr, nullptr);
  }
  float* obs = typed<float>(env, argv[5], napi_float32_array, samples * net.D, "obs", ok);
  uint8_t* masks = typed<uint8_t>(env, argv[6], napi_uint8_array, samples * net.A, "masks", ok);
  int32_t* actions = typed<int32_t>(env, argv[7], napi_int32_array, samples, "actions", ok);
  float* oldLogp = typed<float>(env, argv[8], napi_float32_array, samples, "oldLogp", ok);
  float* advantages = typed<float>(env, argv[9], napi_float32_array, samples, "advantages", ok);
  float* returns = typed<float>(env, argv[10], napi_float32_array, samples, "returns", ok);
  int32_t* order = typed<int32_t>(env, argv[11], napi_int32_array, total, "order", ok);
  double* stats = typed<double>(env, argv[13], napi_float64_array, NSTATS, "stats", ok);
  float* gradOut = argc > 14 && ok ? typed<float>(env, argv[14], napi_float32_array, net.P, "gradOut", ok) : nullptr;
  if (!ok) return nullptr;
  if (batchSize < 1) {
    napi_throw_error(env, nullptr, "batchSize");
    return nullptr;
  }
  for (size_t i = 0; i < total; i++)
    if (order[i] < 0 || (size_t)order[i] >= samples || actions[order[i]] < 0 || actions[order[i]] >= net.A) {
      napi_throw_error(env, nullptr, "sample index or action out of range");
      return nullptr;
    }
  Hyper hp{hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], hyper[5], hyper[6], hyper[7]};
  double step = hyper[8];
  std::vector<float> wt(net.PT), grad(net.P), adv(batchSize), partials;
  double sums[NSTATS] = {0}, mb[NSTATS];
  int updates = 0;
  for (size_t start = 0; start + batchSize <= total; start += batchSize) {
    const int32_t* idx = order + start;
    // Normalised advantages, per minibatch (as CleanRL), in double like the TypeScript path.
    double mean = 0, var = 0;
    for (int i = 0; i < batchSize; i++) mean += advantages[idx[i]];
    mean /= batchSize;
    for (int i = 0; i < batchSize; i++) var += (advantages[idx[i]] - mean) * (advantages[idx[i]] - mean);
    double sd = std::sqrt(var / batchSize) + 1e-8;
    for (int i = 0; i < batchSize; i++) adv[i] = (float)((advantages[idx[i]] - mean) / sd);
    Batch b{obs, masks, actions, oldLogp, returns, idx, adv.data(), batchSize};
    transpose_weights(net, params, wt.data());
    minibatch_gradient(net, params, wt.data(), hp, b, grad.data(), mb, partials);
    for (int k = 0; k < NSTATS; k++) sums[k] += mb[k];
    updates++;
    if (gradOut) {
      memcpy(gradOut, grad.data(), net.P * sizeof(float));
      break;
    }
    double norm2 = 0;
    for (long i = 0; i < net.P; i++) norm2 += (double)grad[i] * grad[i];
    float scale = (float)std::min(1.0, hp.maxGradNorm / (std::sqrt(norm2) + 1e-6));
    if (scale < 1)
      for (long i = 0; i < net.P; i++) grad[i] *= scale;
    step += 1;
    adam(net.P, params, grad.data(), m, v, hp, step);
  }
  for (int k = 0; k < NSTATS; k++) stats[k] = updates ? sums[k] / updates : 0;
  napi_value result;
  napi_create_double(env, updates, &result);
  return result;
}

// setThreads(n): how many threads parallel regions use (the calling thread included).
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::lock_guard<std::mutex> region(run_mutex);
  threads_wanted = std::max(1, std::min(64, (int)number(env, argv[0])));
  return nullptr;
}

// peak(iterations): GFLOP per CPU-second of this core's widest fused multiply-adds, 12
// independent chains (enough to cover the FMA latency): the arithmetic limit the benchmark
// compares against. Thread CPU time, not wall time, so other processes on the core do not
// lower it.
static napi_value js_peak(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  long iterations = argc > 0 ? (long)number(env, argv[0]) : 10000000;
  const int CHAINS = 12;
  v16 acc[CHAINS];
  for (int j = 0; j < CHAINS; j++) acc[j] = (v16){} + (float)j;
  v16 mul = (v16){} + (float)(0.999999 + 1e-9 * iterations), add = (v16){} + 1e-7f;
  timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long i = 0; i < iterations; i++)
    for (int j = 0; j < CHAINS; j++) acc[j] = acc[j] * mul + add;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  float sink = 0;
  for (int j = 0; j < CHAINS; j++) sink += hsum(acc[j]);
  napi_value result;
  // The sum keeps the loop alive; it adds nothing measurable.
  napi_create_double(env, 2.0 * 16 * CHAINS * iterations / seconds / 1e9 + (sink == 12345.0f ? 1e-12 : 0), &result);
  return result;
}

extern "C" __attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {{"forward", js_forward}, {"update", js_update}, {"setThreads", js_set_threads}, {"peak", js_peak}};
  for (auto& f : functions) {
    napi_value fn;
    napi_create_function(env, f.name, (size_t)-1, f.fn, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}
