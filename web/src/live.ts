import { $, h } from './dom.ts';
import { overlayLayer } from '../../src/segment/overlay.ts';
import { postprocess } from '../../src/segment/postprocess.ts';
import { toImageData } from './mask.ts';
import { describeBackend, loadBrowserSegmenter, loadingText } from './in-browser.ts';

/**
 * Live mode: a camera or capture-card stream, segmented frame by frame in this browser. Frames
 * are taken as fast as the model allows (never queued), so the overlay lags by at most one frame.
 */
/** The live overlay: the images' fill and outline (the outline is in layer pixels, so scaled too). */
const LIVE_STYLE = { opacity: 0.4, outline: true, outlineWidth: 1 };

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
    const size = seg.segmenter.metadata.inputSize;
    // The camera frame is shrunk to the model's input by the canvas (native code), the mask is
    // drawn at a small size and the canvas scales it over the frame: no JavaScript loop ever
    // touches a full-size pixel, so the cost per frame hardly grows with the camera's resolution.
    const grab = new OffscreenCanvas(size, size);
    const grabContext = grab.getContext('2d', { willReadFrequently: true })!;
    grabContext.imageSmoothingQuality = 'high'; // antialiased like the model's training resize
    const layer = new OffscreenCanvas(1, 1);
    const view = canvas.getContext('2d')!;
    while (running && video.readyState >= 2) {
      const { videoWidth: width, videoHeight: height } = video;
      grabContext.drawImage(video, 0, 0, size, size);
      const { data } = grabContext.getImageData(0, 0, size, size);
      const pixels = { width: size, height: size, channels: 4 as const, data: new Uint8Array(data.buffer) };
      const probabilities = await seg.segmenter.probabilities(pixels, false);
      if (!running) break;
      // the mask at twice the model's size (at most the frame's): smooth edges once scaled up
      const layerWidth = Math.min(width, 2 * size);
      const layerHeight = Math.max(1, Math.round((layerWidth * height) / width));
      const result = postprocess(probabilities, size, layerWidth, layerHeight, {
        threshold: seg.segmenter.metadata.threshold,
        minArea: seg.segmenter.metadata.minRegionFraction * layerWidth * layerHeight,
      });
      layer.width = layerWidth;
      layer.height = layerHeight;
      layer.getContext('2d')!.putImageData(toImageData(overlayLayer(result.mask, LIVE_STYLE)), 0, 0);
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      view.drawImage(video, 0, 0, width, height);
      view.drawImage(layer, 0, 0, width, height);
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
