/** Installs our kernels and gradient overrides into the TF.js registries (once per process). */
import { tf } from './tf.ts';
import { convBackpropKernels } from './kernels/conv-backprop-kernels.ts';
import { conv2dGradConfig } from './gradients/conv2d-grad.ts';
import { batchNormGradConfig } from './gradients/batchnorm-grad.ts';
import { installFusedConv2dDilationPatch } from './gradients/fused-conv2d-dilation.ts';

let done = false;

export function registerEngineKernels(): void {
  if (done) return;
  done = true;
  for (const config of [...convBackpropKernels]) {
    // Unregister first: re-registering only warns and we replace some stock wasm kernels on purpose.
    if (tf.getKernel(config.kernelName, config.backendName) != null) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  // Gradients are backend independent; ours are correct on every backend and faster on wasm.
  // (registerGradient replaces the stock config; it only warns in DEBUG mode.)
  for (const config of [conv2dGradConfig, batchNormGradConfig]) tf.registerGradient(config);
  installFusedConv2dDilationPatch();
}
