/**
 * The one place that imports TF.js. Everyone else imports `tf` from src/engine/index.ts so that the
 * wasm backend, our kernels and gradient overrides are always the ones in effect.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
