/**
 * The wasm backend's own kernels that ours replace, kept so our kernels can hand over the cases they do
 * not speed up (other dtypes, layouts, geometries) to the stock implementation.
 */
import { tf } from '../tf.ts';

const stock = new Map<string, tf.KernelFunc>();

/** Records the stock wasm kernel for `name` (call before replacing it). */
export function rememberStockKernel(name: string): void {
  const k = tf.getKernel(name, 'wasm');
  if (k && !stock.has(name)) stock.set(name, k.kernelFunc as tf.KernelFunc);
}

/** Runs the stock wasm kernel `name`. */
export function runStockKernel(name: string, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  const k = stock.get(name);
  if (!k) throw new Error(`no stock wasm kernel ${name} to fall back to`);
  return k(args);
}
