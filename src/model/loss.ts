// The training objective: pinball loss for p10/p50/p90 plus weighted MSE for the mean, over observed targets.
import * as tf from '@tensorflow/tfjs';

const QUANTILES = [0.1, 0.5, 0.9, 0];
const PINBALL_COLUMNS = [1, 1, 1, 0];

/**
 * Mean loss per observed target. pred [H, B, 4] (p10, p50, p90, mean), target and mask [H, B, 1].
 * Missing targets (mask 0) contribute nothing, neither to the sum nor to the count.
 */
export function forecastLoss(pred: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor3D, meanWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const e = tf.sub(target, pred);
    const q = tf.tensor1d(QUANTILES);
    const pinball = tf.maximum(tf.mul(e, q), tf.mul(e, tf.sub(q, 1)));
    const perColumn = tf.add(tf.mul(pinball, tf.tensor1d(PINBALL_COLUMNS)), tf.mul(tf.square(e), tf.tensor1d([0, 0, 0, meanWeight])));
    const total = tf.sum(tf.mul(perColumn, mask));
    return tf.div(total, tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
