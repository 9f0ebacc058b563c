// Skill against a reference forecaster: 1 - MAE / MAE(reference). Positive = better than the reference,
// 0 = as good, negative = worse.

export function skill(mae: number, referenceMae: number): number {
  if (!(referenceMae > 0) || !Number.isFinite(mae)) return NaN;
  return 1 - mae / referenceMae;
}
