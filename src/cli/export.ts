import { parseFlags, parsePositiveInt, UsageError, type Command } from './command.ts';
import { DEFAULT_OPSET } from '../export/export-onnx.ts';

const usage = `usage: polypseg export [--model DIR] [--out FILE.onnx] [--opset N] [--layout NHWC|NCHW]

  --model DIR    model directory (polypseg.json + model.json + weights); default models/default
  --out FILE     where to write the ONNX model; default DIR/model.onnx (recorded in polypseg.json)
  --opset N      ONNX opset 13..21; default ${DEFAULT_OPSET}
  --layout L     input layout: NHWC (default; [N,H,W,3] like TF.js) or NCHW ([N,3,H,W]).
                 The output 'probabilities' is [N,H,W,K] either way.`;

const command: Command = {
  name: 'export',
  summary: 'convert a trained TF.js model to ONNX (for onnxruntime in Node and the browser)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: 'string', default: 'models/default' },
      out: { type: 'string' },
      opset: { type: 'string' },
      layout: { type: 'string', default: 'NHWC' },
    });
    const layout = values.layout.toUpperCase();
    if (layout !== 'NHWC' && layout !== 'NCHW')
      throw new UsageError(`--layout must be NHWC or NCHW, not '${values.layout}'`);
    const opset = values.opset ? parsePositiveInt(values.opset, 'opset') : undefined;
    const { exportModelDir } = await import('../export/index.ts');
    const started = performance.now();
    const result = await exportModelDir(values.model, { out: values.out, opset, layout });
    const ms = performance.now() - started;
    console.log(
      `wrote ${result.file} (${(result.bytes / 1e6).toFixed(2)} MB, opset ${opset ?? DEFAULT_OPSET}, ${layout} input) in ${(ms / 1000).toFixed(1)} s` +
        (result.recorded ? '; recorded in polypseg.json' : ''),
    );
    return 0;
  },
};

export default command;
