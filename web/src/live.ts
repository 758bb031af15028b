import { $, h } from './dom.ts';
import { overlayMask } from '../../src/segment/overlay.ts';
import { toImageData } from './mask.ts';
import { bitmapPixels, describeBackend, loadBrowserSegmenter, loadingText } from './in-browser.ts';

/**
 * Live mode: a camera or capture-card stream, segmented frame by frame in this browser. Frames
 * are taken as fast as the model allows (never queued), so the overlay lags by at most one frame.
 */
export function setupLive(): void {
  const video = $<HTMLVideoElement>('live-video');
  const canvas = $<HTMLCanvasElement>('live-canvas');
  const startButton = $<HTMLButtonElement>('live-start');
  const stopButton = $<HTMLButtonElement>('live-stop');
  const fpsOut = $<HTMLOutputElement>('live-fps');
  const status = $('live-status');
  const deviceSelect = $<HTMLSelectElement>('live-device');
  let stream: MediaStream | null = null;
  let running = false;

  const listDevices = async () => {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const current = deviceSelect.value;
    deviceSelect.replaceChildren(
      h('option', { value: '' }, 'Default camera'),
      ...devices.map((d, i) => h('option', { value: d.deviceId }, d.label || `Camera ${i + 1}`)),
    );
    deviceSelect.value = devices.some((d) => d.deviceId === current) ? current : '';
  };

  const stop = () => {
    running = false;
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    startButton.disabled = false;
    stopButton.disabled = true;
    fpsOut.value = '— fps';
  };

  startButton.addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      status.textContent =
        'This browser cannot access cameras (a secure context — https or localhost — is required).';
      return;
    }
    startButton.disabled = true;
    try {
      status.textContent = 'Loading the model into this browser…';
      const seg = await loadBrowserSegmenter((loaded, total) => {
        status.textContent = loadingText(loaded, total);
      });
      const deviceId = deviceSelect.value;
      stream = await navigator.mediaDevices.getUserMedia({
        video: deviceId
          ? { deviceId: { exact: deviceId } }
          : { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      video.srcObject = stream;
      await video.play();
      await listDevices();
      stopButton.disabled = false;
      status.textContent = `Segmenting in this browser (${describeBackend(seg.backend, seg.threads)}); nothing is uploaded.`;
      running = true;
      void loop(seg);
    } catch (err) {
      stop();
      status.textContent = `Cannot start live mode: ${(err as Error).message}`;
    }
  });
  stopButton.addEventListener('click', () => {
    stop();
    status.textContent = 'Stopped.';
  });

  async function loop(seg: Awaited<ReturnType<typeof loadBrowserSegmenter>>): Promise<void> {
    let fps = 0;
    let last = performance.now();
    // grab frames at up to 640 px wide: enough for the model's input, cheap to copy
    const grab = new OffscreenCanvas(1, 1);
    while (running && video.readyState >= 2) {
      const scale = Math.min(1, 640 / video.videoWidth);
      grab.width = Math.round(video.videoWidth * scale);
      grab.height = Math.round(video.videoHeight * scale);
      grab.getContext('2d')!.drawImage(video, 0, 0, grab.width, grab.height);
      const frame = grab.transferToImageBitmap();
      const pixels = bitmapPixels(frame);
      frame.close();
      const result = await seg.segmenter.segment(pixels, { tta: false });
      if (!running) break;
      const shown = overlayMask(pixels, result.mask, { opacity: 0.4, outline: true });
      canvas.width = shown.width;
      canvas.height = shown.height;
      canvas.getContext('2d')!.putImageData(toImageData(shown), 0, 0);
      const now = performance.now();
      const instant = 1000 / Math.max(1, now - last);
      last = now;
      fps = fps === 0 ? instant : fps * 0.9 + instant * 0.1;
      fpsOut.value = `${fps.toFixed(1)} fps`;
      canvas.dataset.polyps = String(result.polyps.length);
      await new Promise((r) => requestAnimationFrame(r));
    }
  }

  navigator.mediaDevices?.addEventListener?.('devicechange', () => void listDevices());
  void listDevices();
}
