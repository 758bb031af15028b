import { $ } from './dom.ts';
import { describeBackend, loadBrowserSegmenter, loadingText } from './in-browser.ts';

export type Mode = 'server' | 'browser';

/**
 * The "run the model" switch. In-browser mode loads the ONNX model into onnxruntime-web (WebGPU
 * when the browser has it, else WebAssembly) and says which one is active.
 */
export function setupMode(): () => Mode {
  let mode: Mode = 'server';
  const status = $<HTMLOutputElement>('mode-status');
  const radios = document.querySelectorAll<HTMLInputElement>('input[name=mode]');
  const show = (text: string, state: 'ok' | 'busy' | 'error') => {
    status.value = text;
    status.dataset.state = state;
  };
  show('Images are sent to this server.', 'ok');
  radios.forEach((r) =>
    r.addEventListener('change', async () => {
      if (!r.checked) return;
      if (r.value === 'server') {
        mode = 'server';
        document.body.dataset.mode = mode;
        show('Images are sent to this server.', 'ok');
        return;
      }
      show('Downloading the model to this browser (once)…', 'busy');
      try {
        const seg = await loadBrowserSegmenter((loaded, total) => show(loadingText(loaded, total), 'busy'));
        mode = 'browser';
        document.body.dataset.mode = mode;
        show(
          `In-browser: ${describeBackend(seg.backend, seg.threads)}. Images never leave this computer.`,
          'ok',
        );
      } catch (err) {
        mode = 'server';
        radios.forEach((x) => (x.checked = x.value === 'server'));
        show(`In-browser mode unavailable: ${(err as Error).message}`, 'error');
      }
    }),
  );
  return () => mode;
}
