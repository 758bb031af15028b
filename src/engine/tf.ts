/**
 * The one place that imports TF.js (`npm run lint` enforces it). Everyone else imports `tf` from here
 * or from src/engine/index.ts, so that the wasm backend, our kernels and gradient overrides are always
 * the ones in effect.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The CPU backend greets Node with "install tfjs-node to speed things up" on its first tensor. That
 * package cannot be used here (no native build on the machines polypseg targets; our wasm kernels are
 * the fast path), so the banner only misleads. It is printed once per backend instance, guarded by
 * the instance's `firstUse` flag: creating the instance now and clearing that flag silences exactly
 * this message and leaves every other TF.js warning as it is.
 */
function silenceNodeBackendBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}
silenceNodeBackendBanner();

export { tf };
