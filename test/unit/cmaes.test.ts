import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jacobiEigen, minimizeCmaEs } from '../../src/core/adapters/cmaes';
import { CancelledError, CancelSource } from '../../src/core/cancellation';

// Shifted, ill-conditioned quadratic in 6 dims: scales 1..100 (log-spaced), optimum inside the box [-1.5, 1.5].
const CENTER = [0.3, -0.7, 1.1, -0.2, 0.9, -1.2];
const SCALES = CENTER.map((_, i) => 100 ** (i / 5));
const quadratic = (x: Float64Array): number => x.reduce((sum, v, i) => sum + SCALES[i] * (v - CENTER[i]) ** 2, 0);
const rosenbrock = (x: Float64Array): number => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
const BOX = { lower: -1.5, upper: 1.5 };
const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])));

test('jacobiEigen reconstructs a symmetric matrix', () => {
  const M = [[4, 1, 2], [1, 3, 0.5], [2, 0.5, 5]].map((row) => Float64Array.from(row));
  const { values, vectors } = jacobiEigen(M);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let rebuilt = 0;
      let gram = 0;
      for (let k = 0; k < 3; k++) {
        rebuilt += vectors[i][k] * values[k] * vectors[j][k];
        gram += vectors[k][i] * vectors[k][j];
      }
      assert.ok(Math.abs(rebuilt - M[i][j]) < 1e-12, `B D B^T [${i}][${j}]`);
      assert.ok(Math.abs(gram - (i === j ? 1 : 0)) < 1e-12, `B^T B [${i}][${j}]`);
    }
  }
});

test('shifted ill-conditioned quadratic (6 dims, scales 1..100): minimum to within 1e-3', async () => {
  // Standard CMA-ES needs about 700-1000 evaluations here to put a sample within 1e-3 of the optimum in every
  // coordinate (a NumPy transcription of the tutorial's algorithm gives the same counts), so the budget is 1200.
  for (const seed of [1, 2, 3]) {
    const result = await minimizeCmaEs(quadratic, { dims: 6, budget: 1200, seed, ...BOX });
    assert.ok(result.evaluations <= 1200);
    assert.equal(result.history.length, result.evaluations);
    assert.ok(maxAbsDiff(result.best, CENTER) < 1e-3, `seed ${seed}: best ${Array.from(result.best)}`);
    assert.ok(result.bestValue < 1e-5, `seed ${seed}: bestValue ${result.bestValue}`);
    assert.equal(result.bestValue, quadratic(result.best));
    assert.equal(result.bestValue, Math.min(...result.history));
  }
});

test('budget of 40 evaluations: large improvement over the start point, across seeds', async () => {
  const start = quadratic(new Float64Array(6)); // about 186
  // Measured over seeds 1..50: median ratio 0.07, worst 0.155.
  for (let seed = 1; seed <= 5; seed++) {
    const result = await minimizeCmaEs(quadratic, { dims: 6, budget: 40, seed, ...BOX });
    assert.equal(result.evaluations, 40);
    assert.equal(result.history[0], start, 'the start point is evaluated first');
    assert.ok(result.bestValue < 0.2 * start, `seed ${seed}: ratio ${result.bestValue / start}`);
  }
});

test('Rosenbrock 2-D converges near (1, 1) within 2000 evaluations', async () => {
  for (const seed of [1, 2, 3]) {
    const result = await minimizeCmaEs(rosenbrock, { dims: 2, budget: 2000, seed, ...BOX });
    assert.ok(result.evaluations <= 2000);
    assert.ok(maxAbsDiff(result.best, [1, 1]) < 1e-3, `seed ${seed}: best ${Array.from(result.best)}`);
  }
});

test('bounds: optimum outside the box ends on the bound, every evaluated point inside', async () => {
  const target = [3, -3, 0.4, 2, -0.5, -2]; // coordinates 0, 1, 3, 5 lie outside [-1.5, 1.5]
  const objective = (x: Float64Array): number => x.reduce((sum, v, i) => sum + (v - target[i]) ** 2, 0);
  let outside = 0;
  const result = await minimizeCmaEs(objective, {
    dims: 6, budget: 600, seed: 7, ...BOX,
    onEvaluation: (x) => { if (x.some((v) => v < -1.5 || v > 1.5)) outside++; },
  });
  assert.equal(outside, 0);
  assert.deepEqual([result.best[0], result.best[1], result.best[3], result.best[5]], [1.5, -1.5, 1.5, -1.5]);
  assert.ok(Math.abs(result.best[2] - 0.4) < 1e-2 && Math.abs(result.best[4] + 0.5) < 1e-2, `interior: ${Array.from(result.best)}`);
});

test('deterministic for a fixed seed; a different seed gives a different run', async () => {
  const a = await minimizeCmaEs(quadratic, { dims: 6, budget: 60, seed: 42, ...BOX });
  const b = await minimizeCmaEs(quadratic, { dims: 6, budget: 60, seed: 42, ...BOX });
  const c = await minimizeCmaEs(quadratic, { dims: 6, budget: 60, seed: 43, ...BOX });
  assert.deepEqual(a.history, b.history);
  assert.deepEqual(Array.from(a.best), Array.from(b.best));
  assert.notDeepEqual(a.history, c.history);
});

test('async objective, onEvaluation, and cancellation between evaluations', async () => {
  const source = new CancelSource();
  let evaluated = 0;
  const counts: number[] = [];
  const run = minimizeCmaEs(
    async (x) => {
      evaluated++;
      await new Promise((resolve) => setImmediate(resolve));
      return quadratic(x);
    },
    {
      dims: 6, budget: 100, seed: 1, ...BOX,
      isCancelled: () => source.token.cancelled,
      onEvaluation: (_x, _f, count) => {
        counts.push(count);
        if (count === 5) source.cancel();
      },
    },
  );
  await assert.rejects(run, (error: unknown) => error instanceof CancelledError && error instanceof Error);
  assert.equal(evaluated, 5);
  assert.deepEqual(counts, [1, 2, 3, 4, 5]);
  assert.equal(source.token.cancelled, true);
});
