/**
 * The one place that imports TF.js (`npm run lint` enforces it). Everyone else imports `tf` from here
 * or from src/engine/index.ts, so that the wasm backend, our kernels and gradient overrides are always
 * the ones in effect.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The CPU backend greets Node with "install tfjs-node to speed things up" on its first tensor. That
 * package cannot be used here (no native build on the machines polypseg targets; our wasm kernels are
 * the fast path), so the banner only misleads. It is printed once per backend instance, guarded by the
 * instance's `firstUse` flag, and TF.js makes a new instance from the registered factory whenever it
 * picks a backend by itself: so the factory is wrapped to hand out instances with the flag cleared.
 * This silences exactly that message and leaves every other TF.js warning as it is.
 */
function silenceNodeBackendBanner(): void {
  const quiet = <T>(backend: T): T => {
    if (backend && typeof backend === 'object' && 'firstUse' in backend) backend.firstUse = false;
    return backend;
  };
  // TF.js's own tables (no public API replaces a factory without disposing the backend made from it)
  const engine = tf.engine() as unknown as {
    registry: Record<string, unknown>;
    registryFactory: Record<string, { factory: () => unknown } | undefined>;
  };
  const entry = engine.registryFactory.cpu;
  if (entry) {
    const make = entry.factory;
    entry.factory = () => quiet(make());
  }
  quiet(engine.registry.cpu);
}
silenceNodeBackendBanner();

export { tf };
