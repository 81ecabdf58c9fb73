// (mu/mu_w, lambda)-CMA-ES: a small, dependency-free, gradient-free minimiser for low-dimensional problems
// such as LoRAHub composition weights (about 6-20 dimensions, tens of objective evaluations).
// Formulation follows N. Hansen, "The CMA Evolution Strategy: A Tutorial" (weighted recombination,
// cumulative step-size adaptation, rank-one and rank-mu covariance update). C is decomposed by cyclic
// Jacobi rotations, which is plenty for the small n this is meant for.
// Box bounds: each candidate is clipped to the box and the clipped point is evaluated; the ranking value adds a
// light penalty on the squared distance to the clipped point so the search distribution does not drift out.

import { CancelledError } from '../cancellation';
import { gaussian, seededRandom } from '../random';

export type CmaEsObjective = (x: Float64Array) => Promise<number> | number;

export interface CmaEsOptions {
  /** Problem dimension. */
  dims: number;
  /** Start point (default: the origin). Clipped to the box. */
  x0?: Float64Array;
  /** Initial step size (default 0.5). */
  sigma0?: number;
  /** Lower bound for every coordinate (default -Infinity). */
  lower?: number;
  /** Upper bound for every coordinate (default +Infinity). */
  upper?: number;
  /** Maximum number of objective evaluations, the start point included. */
  budget: number;
  /** Seed for the random number generator (runs are deterministic for a fixed seed). */
  seed: number;
  /** Offspring per generation, lambda (default 4 + floor(3 ln n)). */
  populationSize?: number;
  /** Called after every evaluation with the evaluated (clipped) point, its value and the evaluation count so far. */
  onEvaluation?: (x: Float64Array, f: number, count: number) => void;
  /** Checked before every evaluation; when it returns true the search throws CancelledError. */
  isCancelled?: () => boolean;
}

export interface CmaEsResult {
  /** Best point ever evaluated (always inside the box). */
  best: Float64Array;
  bestValue: number;
  evaluations: number;
  /** Objective value of every evaluation, in order. */
  history: number[];
}

/** Relative weight of the out-of-box penalty, scaled to the spread of the generation's values. */
const BOUND_PENALTY = 0.1;

export async function minimizeCmaEs(objective: CmaEsObjective, options: CmaEsOptions): Promise<CmaEsResult> {
  const n = options.dims;
  if (!Number.isInteger(n) || n < 1) throw new Error(`minimizeCmaEs: dims must be a positive integer, got ${n}`);
  const lower = options.lower ?? -Infinity;
  const upper = options.upper ?? Infinity;
  if (!(lower < upper)) throw new Error(`minimizeCmaEs: lower (${lower}) must be below upper (${upper})`);
  const budget = Math.floor(options.budget);
  if (!(budget >= 1)) throw new Error(`minimizeCmaEs: budget must be at least 1, got ${options.budget}`);
  let sigma = options.sigma0 ?? 0.5;
  if (!(sigma > 0)) throw new Error(`minimizeCmaEs: sigma0 must be positive, got ${sigma}`);
  if (options.x0 && options.x0.length !== n) throw new Error(`minimizeCmaEs: x0 has length ${options.x0.length}, expected ${n}`);

  const random = seededRandom(options.seed);
  const clip = (x: Float64Array): Float64Array => x.map((v) => Math.min(upper, Math.max(lower, v)));

  // Strategy parameters (Hansen's defaults).
  const lambda = Math.max(2, Math.floor(options.populationSize ?? 4 + Math.floor(3 * Math.log(n))));
  const mu = Math.floor(lambda / 2);
  const rawWeights = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const weightSum = rawWeights.reduce((a, b) => a + b, 0);
  const weights = rawWeights.map((w) => w / weightSum);
  const mueff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + mueff);
  const cmu = Math.min(1 - c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

  // State: mean, evolution paths, C = B diag(D^2) B^T.
  let mean = clip(options.x0 ? Float64Array.from(options.x0) : new Float64Array(n));
  const pc = new Float64Array(n);
  const ps = new Float64Array(n);
  const C = identity(n);
  let B = identity(n);
  let D = new Float64Array(n).fill(1);

  let evaluations = 0;
  const history: number[] = [];
  let best = Float64Array.from(mean);
  let bestValue = Infinity;

  const evaluate = async (x: Float64Array): Promise<number> => {
    if (options.isCancelled?.()) throw new CancelledError();
    const raw = Number(await objective(Float64Array.from(x)));
    const f = Number.isNaN(raw) ? Infinity : raw;
    evaluations++;
    history.push(raw);
    if (f < bestValue || evaluations === 1) {
      bestValue = f;
      best = Float64Array.from(x);
    }
    options.onEvaluation?.(Float64Array.from(x), raw, evaluations);
    return f;
  };

  // The start point is evaluated first, so the result is never worse than it.
  await evaluate(mean);

  for (let generation = 1; evaluations < budget; generation++) {
    // Sample lambda candidates: y = B D z, x = m + sigma y. A final partial generation spends what is left of
    // the budget on samples from the current distribution, without an update.
    const count = Math.min(lambda, budget - evaluations);
    const ys: Float64Array[] = [];
    const xs: Float64Array[] = [];
    const values: number[] = [];
    const outside: number[] = [];
    for (let k = 0; k < count; k++) {
      const z = new Float64Array(n);
      for (let i = 0; i < n; i++) z[i] = D[i] * gaussian(random);
      const y = matVec(B, z);
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = mean[i] + sigma * y[i];
      const clipped = clip(x);
      let distance2 = 0;
      for (let i = 0; i < n; i++) distance2 += (x[i] - clipped[i]) ** 2;
      ys.push(y);
      xs.push(x);
      outside.push(distance2);
      values.push(await evaluate(clipped));
    }
    if (count < lambda) break;

    // Ranking value: f(clip(x)) + light penalty on the distance outside the box, scaled to this generation.
    const finite = values.filter(Number.isFinite);
    const spread = finite.length > 0 ? Math.max(...finite) - Math.min(...finite) : 0;
    const scale = Math.max(spread, 1e-12 * Math.max(1, ...finite.map(Math.abs)));
    const penaltyWeight = (BOUND_PENALTY * scale) / (sigma * sigma * n);
    const fitness = values.map((f, k) => f + penaltyWeight * outside[k]);
    const order = fitness.map((_, k) => k).sort((a, b) => fitness[a] - fitness[b] || a - b);

    // Weighted recombination of the mu best (unclipped) candidates.
    const oldMean = mean;
    mean = new Float64Array(n);
    const yw = new Float64Array(n);
    for (let j = 0; j < mu; j++) {
      const y = ys[order[j]];
      for (let i = 0; i < n; i++) yw[i] += weights[j] * y[i];
    }
    for (let i = 0; i < n; i++) mean[i] = oldMean[i] + sigma * yw[i];

    // Cumulative step-size adaptation: ps uses C^{-1/2} yw = B D^{-1} B^T yw.
    const bty = matTVec(B, yw);
    for (let i = 0; i < n; i++) bty[i] /= D[i];
    const invSqrtCyw = matVec(B, bty);
    const csFactor = Math.sqrt(cs * (2 - cs) * mueff);
    for (let i = 0; i < n; i++) ps[i] = (1 - cs) * ps[i] + csFactor * invSqrtCyw[i];
    const psNorm = norm(ps);
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * generation)) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = Math.sqrt(cc * (2 - cc) * mueff);
    for (let i = 0; i < n; i++) pc[i] = (1 - cc) * pc[i] + hsig * ccFactor * yw[i];

    // Covariance: rank-one (pc pc^T) and rank-mu (sum w_j y_j y_j^T) updates.
    const deltaH = (1 - hsig) * cc * (2 - cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < mu; k++) {
          const y = ys[order[k]];
          rankMu += weights[k] * y[i] * y[j];
        }
        const value = (1 - c1 - cmu) * C[i][j] + c1 * (pc[i] * pc[j] + deltaH * C[i][j]) + cmu * rankMu;
        C[i][j] = value;
        C[j][i] = value;
      }
    }

    sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));

    const eig = jacobiEigen(C);
    B = eig.vectors;
    D = eig.values.map((v) => Math.sqrt(Math.max(v, 1e-20)));

    // Stop once the distribution has collapsed below floating-point resolution, or blown up.
    const maxD = Math.max(...D);
    if (!Number.isFinite(sigma) || !Number.isFinite(maxD) || sigma * maxD < 1e-13 * Math.max(1, norm(mean))) break;
  }

  return { best, bestValue, evaluations, history };
}

function identity(n: number): Float64Array[] {
  return Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    row[i] = 1;
    return row;
  });
}

function matVec(M: Float64Array[], v: Float64Array): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += M[i][j] * v[j];
    out[i] = s;
  }
  return out;
}

function matTVec(M: Float64Array[], v: Float64Array): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += M[i][j] * v[i];
    out[j] = s;
  }
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations.
 * Returns eigenvalues and a matrix whose columns are the matching orthonormal eigenvectors.
 */
export function jacobiEigen(S: Float64Array[]): { values: Float64Array; vectors: Float64Array[] } {
  const n = S.length;
  const A = S.map((row) => Float64Array.from(row));
  const V = identity(n);
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i][i] * A[i][i];
      for (let j = i + 1; j < n; j++) off += A[i][j] * A[i][j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p][q];
        if (apq === 0) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- J^T A J, with J the rotation in the (p, q) plane.
        for (let k = 0; k < n; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        A[p][q] = 0;
        A[q][p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p];
          const vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i][i];
  return { values, vectors: V };
}
