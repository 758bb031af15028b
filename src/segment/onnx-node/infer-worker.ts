// One inference thread: its own single-threaded ONNX Runtime session, answering run requests.
import { parentPort, workerData } from 'node:worker_threads';
import './no-telemetry.ts';
import * as ort from 'onnxruntime-node';
import { onnxInfer } from '../onnx-infer.ts';
import { sessionOptions } from './session-options.ts';
import type { InferReply, InferRequest, InferWorkerData } from './infer-threads.ts';

const { bytes, inputSize } = workerData as InferWorkerData;
const port = parentPort!;
try {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(1));
  const infer = onnxInfer(session, ort.Tensor, inputSize);
  port.on('message', (req: InferRequest) => {
    infer(req.input, req.batch).then(
      (output) =>
        port.postMessage({ id: req.id, output } satisfies InferReply, [output.buffer as ArrayBuffer]),
      (err: unknown) => port.postMessage({ id: req.id, error: (err as Error).message } satisfies InferReply),
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message });
}
