import { $, h } from './dom.ts';
import { overlayLayer } from '../../src/segment/overlay.ts';
import { postprocess } from '../../src/segment/postprocess.ts';
import type { BinaryMask } from '../../src/data/raw-image.ts';
import { decodeRle } from '../../src/server/live/rle.ts';
import { toImageData } from './mask.ts';
import { describeBackend, loadBrowserSegmenter, loadingText } from './in-browser.ts';
import { LiveConnection } from './live-server.ts';
import { LiveStats } from './live-stats.ts';

/**
 * Live mode: a camera or capture-card stream segmented frame by frame, on the server (frames shrunk
 * to the model's input in the page, sent over a WebSocket, a run-length mask back) or in this
 * browser (onnxruntime-web). Either way frames are never queued: a frame is taken only when the
 * engine has room for it, and the newest overlay is drawn over the current camera frame.
 */
/** The live overlay: the images' fill and outline (the outline is in layer pixels, so scaled too). */
const LIVE_STYLE = { opacity: 0.4, outline: true, outlineWidth: 1 };
type Engine = 'server' | 'browser';

/** The capture time of the frame a video shows now: the camera's own stamp where the browser has it. */
function frameTime(metadata?: VideoFrameCallbackMetadata): number {
  return metadata?.captureTime ?? performance.now();
}

export function setupLive(): void {
  const video = $<HTMLVideoElement>('live-video');
  const canvas = $<HTMLCanvasElement>('live-canvas');
  const startButton = $<HTMLButtonElement>('live-start');
  const stopButton = $<HTMLButtonElement>('live-stop');
  const fpsOut = $<HTMLOutputElement>('live-fps');
  const latencyOut = $<HTMLOutputElement>('live-latency');
  const engineOut = $<HTMLOutputElement>('live-engine-status');
  const status = $('live-status');
  const deviceSelect = $<HTMLSelectElement>('live-device');
  const view = canvas.getContext('2d')!;
  const layer = new OffscreenCanvas(1, 1);
  let stream: MediaStream | null = null;
  let running = false;
  let connection: LiveConnection | null = null;
  let stats = new LiveStats();

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
    connection?.close();
    connection = null;
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    startButton.disabled = false;
    stopButton.disabled = true;
    fpsOut.value = '— fps';
    latencyOut.value = '';
  };

  /** Draws the current camera frame at its own size, and the newest overlay scaled over it. */
  const draw = () => {
    const { videoWidth: width, videoHeight: height } = video;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    view.drawImage(video, 0, 0, width, height);
    if (layer.width > 1) view.drawImage(layer, 0, 0, width, height);
  };

  /** A new overlay: the layer replaced, drawn at once, and counted. */
  const showMask = (mask: BinaryMask, polyps: number, capturedAt: number) => {
    layer.width = mask.width;
    layer.height = mask.height;
    layer.getContext('2d')!.putImageData(toImageData(overlayLayer(mask, LIVE_STYLE)), 0, 0);
    draw();
    const now = performance.now();
    stats.record(now, now - capturedAt);
    const p50 = stats.latency(0.5)!;
    const fps = stats.fps(now);
    if (fps > 0) fpsOut.value = `${fps.toFixed(1)} fps`; // from the second overlay on
    latencyOut.value = `latency ${Math.round(p50)} ms`;
    Object.assign(canvas.dataset, {
      polyps: String(polyps),
      overlays: String(stats.count),
      latencyP50: String(Math.round(p50)),
      latencyP95: String(Math.round(stats.latency(0.95)!)),
    });
  };

  /** Calls `each` for every new camera frame (requestVideoFrameCallback where the browser has it). */
  const everyFrame = (each: (capturedAt: number) => void) => {
    const next = () => {
      if (!running) return;
      if ('requestVideoFrameCallback' in video)
        video.requestVideoFrameCallback((_now, metadata) => {
          each(frameTime(metadata));
          next();
        });
      else
        requestAnimationFrame(() => {
          each(frameTime());
          next();
        });
    };
    next();
  };

  async function startServer(): Promise<void> {
    connection = await LiveConnection.open(
      (m) => showMask(decodeRle(m.rle, m.width, m.height), m.polyps.length, m.capturedAt),
      (reason) => {
        if (!running) return;
        stop();
        status.textContent = `Live mode stopped: ${reason}.`;
      },
    );
    const { inputSize, runtime } = connection.ready;
    engineOut.value = `server (${runtime === 'onnx' ? 'ONNX Runtime' : runtime})`;
    status.textContent = 'Segmenting on the server: frames are sent to it at the model’s input size.';
    const grab = new OffscreenCanvas(inputSize, inputSize);
    const grabContext = grab.getContext('2d')!;
    grabContext.imageSmoothingQuality = 'high'; // antialiased like the model's training resize
    everyFrame((capturedAt) => {
      draw();
      const conn = connection;
      if (!conn?.canSend) return;
      grabContext.drawImage(video, 0, 0, inputSize, inputSize);
      void grab
        .convertToBlob({ type: 'image/jpeg', quality: 0.85 })
        .then((blob) => blob.arrayBuffer())
        .then((bytes) => {
          if (running && conn === connection)
            conn.send(new Uint8Array(bytes), inputSize, inputSize, capturedAt);
        });
    });
  }

  async function startBrowser(note = ''): Promise<void> {
    const seg = await loadBrowserSegmenter((loaded, total) => {
      status.textContent = loadingText(loaded, total);
    });
    engineOut.value = `this browser (${describeBackend(seg.backend, seg.threads)})`;
    status.textContent = `${note}Segmenting in this browser (${describeBackend(seg.backend, seg.threads)}); nothing is uploaded.`;
    const size = seg.segmenter.metadata.inputSize;
    // The camera frame is shrunk to the model's input by the canvas (native code), the mask is
    // drawn at a small size and the canvas scales it over the frame: no JavaScript loop ever
    // touches a full-size pixel, so the cost per frame hardly grows with the camera's resolution.
    const grab = new OffscreenCanvas(size, size);
    const grabContext = grab.getContext('2d', { willReadFrequently: true })!;
    grabContext.imageSmoothingQuality = 'high';
    let busy = false;
    everyFrame((capturedAt) => {
      draw();
      if (busy) return; // the model is still on an earlier frame: this one is skipped
      busy = true;
      void (async () => {
        const { videoWidth: width, videoHeight: height } = video;
        grabContext.drawImage(video, 0, 0, size, size);
        const { data } = grabContext.getImageData(0, 0, size, size);
        const pixels = { width: size, height: size, channels: 4 as const, data: new Uint8Array(data.buffer) };
        const probabilities = await seg.segmenter.probabilities(pixels, false);
        if (!running) return;
        // the mask at twice the model's size (at most the frame's): smooth edges once scaled up
        const layerWidth = Math.min(width, 2 * size);
        const layerHeight = Math.max(1, Math.round((layerWidth * height) / width));
        const result = postprocess(probabilities, size, layerWidth, layerHeight, {
          threshold: seg.segmenter.metadata.threshold,
          minArea: seg.segmenter.metadata.minRegionFraction * layerWidth * layerHeight,
        });
        showMask(result.mask, result.polyps.length, capturedAt);
      })().finally(() => (busy = false));
    });
  }

  startButton.addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      status.textContent =
        'This browser cannot access cameras (a secure context — https or localhost — is required).';
      return;
    }
    startButton.disabled = true;
    const engine = (document.querySelector<HTMLInputElement>('input[name=live-engine]:checked')?.value ??
      'server') as Engine;
    try {
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
      running = true;
      stats = new LiveStats();
      layer.width = layer.height = 1;
      if (engine === 'browser') await startBrowser();
      else {
        status.textContent = 'Connecting to the server…';
        await startServer().catch(async (err: Error) => {
          // no server to stream to: the model runs here instead
          await startBrowser(`The server cannot take live frames (${err.message}). `);
        });
      }
    } catch (err) {
      stop();
      status.textContent = `Cannot start live mode: ${(err as Error).message}`;
    }
  });
  stopButton.addEventListener('click', () => {
    stop();
    status.textContent = 'Stopped.';
  });

  navigator.mediaDevices?.addEventListener?.('devicechange', () => void listDevices());
  void listDevices();
}
