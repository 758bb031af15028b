export { exportOnnx, DEFAULT_OPSET, INPUT_NAME, OUTPUT_NAME, type ExportOptions } from './export-onnx.ts';
export { exportModelDir, type ExportDirResult } from './model-dir.ts';
export { decodeModel } from './onnx-proto.ts';
