// The default optimizer budget of an online-training round, apart from round.ts so that reading CLI flags and
// their help does not load tfjs.

/**
 * 3,840 windows a round in 15 steps of 256: as many windows as the former 120 of 32, ~1.3-2x faster (fewer, larger
 * tfjs ops), and over the Beijing year better from the shipped weights (MAE 1.954 -> 1.921) though worse from a
 * cold start (2.021 -> 2.160); docs/training.md.
 */
export const ROUND_BUDGET = Object.freeze({ maxSteps: 15, batchSize: 256 });
