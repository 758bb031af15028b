/** Installs our kernels and gradient overrides into the TF.js registries (once per process). */
import { tf } from './tf.ts';
import { convBackpropKernels } from './kernels/conv-backprop-kernels.ts';
import { depthwiseBackpropKernels } from './kernels/depthwise-backprop-kernels.ts';
import { copyKernels } from './kernels/copy-kernels.ts';
import { miscKernels } from './kernels/misc-kernels.ts';
import { channelKernels } from './kernels/channel-kernels.ts';
import { tapsKernels } from './kernels/taps-kernel.ts';
import { installFastMoments } from './gradients/moments-patch.ts';
import { rememberStockKernel } from './kernels/stock-kernels.ts';
import { conv2dGradConfig } from './gradients/conv2d-grad.ts';
import { batchNormGradConfig } from './gradients/batchnorm-grad.ts';
import { installRelu6Activation, relu6GradConfig, reluGradConfig } from './gradients/relu-grad.ts';
import { installFusedConv2dGradientPatch } from './gradients/fused-conv2d-grad.ts';

let done = false;

export function registerEngineKernels(): void {
  if (done) return;
  done = true;
  for (const config of [
    ...convBackpropKernels,
    ...depthwiseBackpropKernels,
    ...copyKernels,
    ...miscKernels,
    ...channelKernels,
    ...tapsKernels,
  ]) {
    // Unregister first: re-registering only warns and we replace some stock wasm kernels on purpose.
    const stock = tf.getKernel(config.kernelName, config.backendName);
    if (stock != null) {
      rememberStockKernel(config.kernelName);
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    // Keep the stock setup (it binds the wasm functions the stock kernel falls back to).
    tf.registerKernel({ ...config, setupFunc: stock?.setupFunc ?? config.setupFunc });
  }
  // Gradients are backend independent; ours are correct on every backend and faster on wasm.
  // (registerGradient replaces the stock config; it only warns in DEBUG mode.)
  for (const config of [conv2dGradConfig, batchNormGradConfig, reluGradConfig, relu6GradConfig])
    tf.registerGradient(config);
  installFusedConv2dGradientPatch();
  installFastMoments();
  installRelu6Activation();
}
