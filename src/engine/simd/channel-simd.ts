/**
 * SIMD (wasm f32x4) loops for the training kernels that stream over tensors: batch-norm moments,
 * gradient sums and affine, ReLU gradient, 2x2 max-pool gradient and strided row copies. They are
 * assembled at run time and linked to the wasm backend's own memory, so they read and write tensors in
 * place. JS loops over the heap run at about 3-10 ns per element here; these run at memory speed. The
 * per-channel ones are used when the channel count is a multiple of 4 (every conv width in our models);
 * kernels/channel-kernels.ts falls back to JS otherwise.
 *
 * Sums are taken in float32 within blocks of rows and added up in float64 across blocks; moments are
 * taken around a per-channel shift (the first row) so the variance does not cancel catastrophically
 * when |mean| >> std.
 */
import type { WasmBackend } from '../kernels/wasm-heap.ts';
import { buildModule, I32, op, V128, type FunctionDef } from './wasm-builder.ts';

const ROWS_PER_BLOCK = 256;

interface Exports {
  reluGrad(dy: number, x: number, out: number, bytes: number): void;
  relu6Grad(dy: number, x: number, out: number, bytes: number): void;
  copyRuns(
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
    rows: number,
    runBytes: number,
  ): void;
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    rows: number,
    cols: number,
    cb: number,
    rowBytes: number,
  ): void;
  shiftedSums(x: number, rows: number, rowBytes: number, shift: number, acc: number): void;
  gradSums(dy: number, x: number, mean: number, rows: number, rowBytes: number, acc: number): void;
  affine(x: number, a: number, b: number, out: number, rows: number, rowBytes: number): void;
  tapSums1(...args: TapSumsArgs): void;
  tapSums4(...args: TapSumsArgs): void;
  tapScatter1(...args: TapScatterArgs): void;
  tapScatter4(...args: TapScatterArgs): void;
  [outerSums: `outerSums${number}x${number}`]: (...args: OuterSumsArgs) => void;
}

/** x, xPixStride, xRowStride, dy, dyPixStride, dyRowStride, rows, cols, acc, accRowStride (bytes) */
type OuterSumsArgs = [number, number, number, number, number, number, number, number, number, number];

/** Input channels (rows of acc) and output-channel vectors (4 floats each) one outerSums call handles. */
const OUTER_CI = 4;
const OUTER_CO_VECTORS = 2;

/** dx, dxPixStride, dy, dyPixStride, cols, w (byte addresses/strides) */
type TapScatterArgs = [number, number, number, number, number, number];

/** x, xRowStride, xPixStride, dy, dyRowStride, dyPixStride, rows, cols, acc (byte addresses/strides) */
type TapSumsArgs = [number, number, number, number, number, number, number, number, number];

/** for (o = 0; o < rowBytes; o += 16) { body }, with o in local `o` and rowBytes in local `rowBytes`. */
function overRow(o: number, rowBytes: number, body: number[][]): number[][] {
  return [
    op.i32(0),
    op.set(o),
    op.block,
    op.loop,
    op.get(o),
    op.get(rowBytes),
    op.geU,
    op.brIf(1),
    ...body,
    op.get(o),
    op.i32(16),
    op.add,
    op.set(o),
    op.br(0),
    op.end,
    op.end,
  ];
}

/** while (rows-- > 0) { body; each pointer += its stride (a local) } */
function overRows(rows: number, stride: number, pointers: number[], body: number[][]): number[][] {
  return overRowsStrided(
    rows,
    pointers.map((p) => [p, stride]),
    body,
  );
}

function overRowsStrided(
  rows: number,
  pointers: [pointer: number, stride: number][],
  body: number[][],
): number[][] {
  return [
    op.block,
    op.loop,
    op.get(rows),
    op.eqz,
    op.brIf(1),
    ...body,
    ...pointers.flatMap(([p, st]) => [op.get(p), op.get(st), op.add, op.set(p)]),
    op.get(rows),
    op.i32(1),
    op.sub,
    op.set(rows),
    op.br(0),
    op.end,
    op.end,
  ];
}

/**
 * Two nested loops over `rows` × `cols`: each row copies every pointer into its cursor local, the columns
 * advance the cursors by their pixel strides, and the next row advances the pointers by their row strides.
 * `counter` is a scratch local for the column count.
 */
function overGrid(
  rows: number,
  cols: number,
  counter: number,
  pointers: [pointer: number, rowStride: number, cursor: number, pixStride: number][],
  body: number[][],
): number[][] {
  return overRowsStrided(
    rows,
    pointers.map(([p, rowStride]) => [p, rowStride]),
    [
      ...pointers.flatMap(([p, , cursor]) => [op.get(p), op.set(cursor)]),
      op.get(cols),
      op.set(counter),
      ...overRowsStrided(
        counter,
        pointers.map(([, , cursor, pixStride]) => [cursor, pixStride]),
        body,
      ),
    ],
  );
}

const at = (base: number, o: number) => [op.get(base), op.get(o), op.add];
const load = (base: number, o: number) => [...at(base, o), op.v128Load()];
/** acc[o] += (value left on the stack by `value`) */
const accumulate = (acc: number, o: number, value: number[][]) => [
  ...at(acc, o),
  ...load(acc, o),
  ...value,
  op.f32x4Add,
  op.v128Store(),
];

function functions(): FunctionDef[] {
  // shiftedSums(x, rows, rowBytes, shift, acc): acc[0:C] += x - shift, acc[C:2C] += (x - shift)^2
  const s = { x: 0, rows: 1, rowBytes: 2, shift: 3, acc: 4, o: 5, v: 6, hi: 7 };
  const shiftedSums: FunctionDef = {
    name: 'shiftedSums',
    params: 5,
    locals: [
      { count: 1, type: I32 },
      { count: 1, type: V128 },
      { count: 1, type: I32 },
    ],
    body: [
      op.get(s.acc),
      op.get(s.rowBytes),
      op.add,
      op.set(s.hi),
      ...overRows(
        s.rows,
        s.rowBytes,
        [s.x],
        [
          ...overRow(s.o, s.rowBytes, [
            ...load(s.x, s.o),
            ...load(s.shift, s.o),
            op.f32x4Sub,
            op.set(s.v),
            ...accumulate(s.acc, s.o, [op.get(s.v)]),
            ...accumulate(s.hi, s.o, [op.get(s.v), op.get(s.v), op.f32x4Mul]),
          ]),
        ],
      ),
    ],
  };
  // gradSums(dy, x, mean, rows, rowBytes, acc): acc[0:C] += dy, acc[C:2C] += dy * (x - mean)
  const g = { dy: 0, x: 1, mean: 2, rows: 3, rowBytes: 4, acc: 5, o: 6, v: 7, hi: 8 };
  const gradSums: FunctionDef = {
    name: 'gradSums',
    params: 6,
    locals: [
      { count: 1, type: I32 },
      { count: 1, type: V128 },
      { count: 1, type: I32 },
    ],
    body: [
      op.get(g.acc),
      op.get(g.rowBytes),
      op.add,
      op.set(g.hi),
      ...overRows(
        g.rows,
        g.rowBytes,
        [g.dy, g.x],
        [
          ...overRow(g.o, g.rowBytes, [
            ...load(g.dy, g.o),
            op.set(g.v),
            ...accumulate(g.acc, g.o, [op.get(g.v)]),
            ...accumulate(g.hi, g.o, [
              op.get(g.v),
              ...load(g.x, g.o),
              ...load(g.mean, g.o),
              op.f32x4Sub,
              op.f32x4Mul,
            ]),
          ]),
        ],
      ),
    ],
  };
  // affine(x, a, b, out, rows, rowBytes): out = x * a + b
  const f = { x: 0, a: 1, b: 2, out: 3, rows: 4, rowBytes: 5, o: 6 };
  const affine: FunctionDef = {
    name: 'affine',
    params: 6,
    locals: [{ count: 1, type: I32 }],
    body: [
      ...overRows(
        f.rows,
        f.rowBytes,
        [f.x, f.out],
        [
          ...overRow(f.o, f.rowBytes, [
            ...at(f.out, f.o),
            ...load(f.x, f.o),
            ...load(f.a, f.o),
            op.f32x4Mul,
            ...load(f.b, f.o),
            op.f32x4Add,
            op.v128Store(),
          ]),
        ],
      ),
    ],
  };
  // copyRuns(src, srcStride, dst, dstStride, rows, runBytes): copies rows runs of runBytes (multiple of 16)
  const c = { src: 0, srcStride: 1, dst: 2, dstStride: 3, rows: 4, runBytes: 5, o: 6 };
  const copyRuns: FunctionDef = {
    name: 'copyRuns',
    params: 6,
    locals: [{ count: 1, type: I32 }],
    body: overRowsStrided(
      c.rows,
      [
        [c.src, c.srcStride],
        [c.dst, c.dstStride],
      ],
      overRow(c.o, c.runBytes, [...at(c.dst, c.o), ...load(c.src, c.o), op.v128Store()]),
    ),
  };
  // reluGrad(dy, x, out, bytes): out = x > 0 ? dy : 0, over `bytes` (a multiple of 16);
  // relu6Grad: out = 0 < x <= 6 ? dy : 0 (TF.js' Relu6 gradient mask)
  const r = { dy: 0, x: 1, out: 2, bytes: 3, o: 4 };
  const maskedGrad = (name: string, upper: number[][]): FunctionDef => ({
    name,
    params: 4,
    locals: [{ count: 1, type: I32 }],
    body: overRow(r.o, r.bytes, [
      ...at(r.out, r.o),
      ...load(r.dy, r.o),
      ...load(r.x, r.o),
      op.v128Zero,
      op.f32x4Gt,
      ...upper,
      op.v128And,
      op.v128Store(),
    ]),
  });
  const reluGrad = maskedGrad('reluGrad', []);
  const relu6Grad = maskedGrad('relu6Grad', [...load(r.x, r.o), op.f32x4Const(6), op.f32x4Le, op.v128And]);
  return [
    shiftedSums,
    gradSums,
    affine,
    copyRuns,
    maxPoolGrad2x2(),
    reluGrad,
    relu6Grad,
    tapSums(1),
    tapSums(4),
    tapScatter(1),
    tapScatter(4),
    ...[1, 2, 3, 4].flatMap((ci) => [1, 2].map((v) => outerSums(ci, v))),
  ];
}

/**
 * maxPoolGrad2x2(x, dy, dx, rows, cols, channelBytes, rowBytes): gradient of a 2x2 stride-2 max pool for
 * `rows` output rows of one image. Each dy value goes to the first maximum of its window in row-major
 * order (TF.js semantics): a wins ties over b, c, d; b over c, d; c over d.
 */
function maxPoolGrad2x2(): FunctionDef {
  const p = { x: 0, dy: 1, dx: 2, rows: 3, cols: 4, cb: 5, rowBytes: 6 };
  const l = { xj: 7, dyj: 8, dxj: 9, j: 10, o: 11, twoCb: 12, twoRows: 13, dyRow: 14 };
  const v = { a: 15, b: 16, c: 17, d: 18, ma: 19, mb: 20, mc: 21 };
  const ge = (x: number, y: number) => [op.get(x), op.get(y), op.f32x4Ge];
  // address = base + o + the byte offsets held in `extra` locals
  const addr = (base: number, extra: number[]) => [
    ...at(base, l.o),
    ...extra.flatMap((e) => [op.get(e), op.add]),
  ];
  const loadAt = (local: number, extra: number[]) => [...addr(l.xj, extra), op.v128Load(), op.set(local)];
  const storeMasked = (extra: number[], mask: number[][], keep: boolean) => [
    ...addr(l.dxj, extra),
    ...load(l.dyj, l.o),
    ...mask,
    keep ? op.v128And : op.v128AndNot,
    op.v128Store(),
  ];
  const cb = p.cb;
  const row = p.rowBytes;
  return {
    name: 'maxPoolGrad2x2',
    params: 7,
    locals: [
      { count: 8, type: I32 },
      { count: 7, type: V128 },
    ],
    body: [
      op.get(p.cb),
      op.i32(1),
      op.shl,
      op.set(l.twoCb),
      op.get(p.rowBytes),
      op.i32(1),
      op.shl,
      op.set(l.twoRows),
      op.get(p.cols),
      op.get(p.cb),
      op.mul,
      op.set(l.dyRow),
      ...overGrid(
        p.rows,
        p.cols,
        l.j,
        [
          [p.x, l.twoRows, l.xj, l.twoCb],
          [p.dx, l.twoRows, l.dxj, l.twoCb],
          [p.dy, l.dyRow, l.dyj, p.cb],
        ],
        overRow(l.o, p.cb, [
          ...loadAt(v.a, []),
          ...loadAt(v.b, [cb]),
          ...loadAt(v.c, [row]),
          ...loadAt(v.d, [row, cb]),
          ...ge(v.a, v.b),
          ...ge(v.a, v.c),
          op.v128And,
          ...ge(v.a, v.d),
          op.v128And,
          op.set(v.ma),
          ...ge(v.b, v.c),
          ...ge(v.b, v.d),
          op.v128And,
          op.get(v.ma),
          op.v128AndNot,
          op.set(v.mb),
          ...ge(v.c, v.d),
          op.get(v.ma),
          op.v128AndNot,
          op.get(v.mb),
          op.v128AndNot,
          op.set(v.mc),
          ...storeMasked([], [op.get(v.ma)], true),
          ...storeMasked([cb], [op.get(v.mb)], true),
          ...storeMasked([row], [op.get(v.mc)], true),
          ...storeMasked([row, cb], [op.get(v.ma), op.get(v.mb), op.v128Or, op.get(v.mc), op.v128Or], false),
        ]),
      ),
    ],
  };
}

/** overGrid over the x and dy pixel grids of tapSums / outerSums (their shared parameter names). */
function overXDyGrid(
  p: {
    x: number;
    xRow: number;
    xPix: number;
    dy: number;
    dyRow: number;
    dyPix: number;
    rows: number;
    cols: number;
  },
  l: { xp: number; dp: number; j: number },
  body: number[][],
): number[][] {
  return overGrid(
    p.rows,
    p.cols,
    l.j,
    [
      [p.x, p.xRow, l.xp, p.xPix],
      [p.dy, p.dyRow, l.dp, p.dyPix],
    ],
    body,
  );
}

/**
 * tapSums<V>(x, xRowStride, xPixStride, dy, dyRowStride, dyPixStride, rows, cols, acc): for V float
 * vectors (4V channels) at x and dy, acc += sum over rows x cols pixels of x * dy. The sums stay in
 * registers over all pixels (one add chain per vector), so a call reads each pixel's channels once.
 */
function tapSums(vectors: number): FunctionDef {
  const p = { x: 0, xRow: 1, xPix: 2, dy: 3, dyRow: 4, dyPix: 5, rows: 6, cols: 7, acc: 8 };
  const l = { xp: 9, dp: 10, j: 11 };
  const sum = (i: number) => 12 + i;
  const lanes = [...Array(vectors).keys()];
  return {
    name: `tapSums${vectors}`,
    params: 9,
    locals: [
      { count: 3, type: I32 },
      { count: vectors, type: V128 },
    ],
    body: [
      ...overXDyGrid(
        p,
        l,
        lanes.flatMap((i) => [
          op.get(sum(i)),
          op.get(l.xp),
          op.v128Load(16 * i),
          op.get(l.dp),
          op.v128Load(16 * i),
          op.f32x4Mul,
          op.f32x4Add,
          op.set(sum(i)),
        ]),
      ),
      ...lanes.flatMap((i) => [
        op.get(p.acc),
        op.get(p.acc),
        op.v128Load(16 * i),
        op.get(sum(i)),
        op.f32x4Add,
        op.v128Store(16 * i),
      ]),
    ],
  };
}

/**
 * tapScatter<V>(dx, dxPixStride, dy, dyPixStride, cols, w): for V float vectors (4V channels) of cols
 * pixels, dx += dy * w, with w (one filter tap's channels) held in registers.
 */
function tapScatter(vectors: number): FunctionDef {
  const p = { dx: 0, dxPix: 1, dy: 2, dyPix: 3, cols: 4, w: 5 };
  const weight = (i: number) => 6 + i;
  const lanes = [...Array(vectors).keys()];
  return {
    name: `tapScatter${vectors}`,
    params: 6,
    locals: [{ count: vectors, type: V128 }],
    body: [
      ...lanes.flatMap((i) => [op.get(p.w), op.v128Load(16 * i), op.set(weight(i))]),
      ...overRowsStrided(
        p.cols,
        [
          [p.dx, p.dxPix],
          [p.dy, p.dyPix],
        ],
        lanes.flatMap((i) => [
          op.get(p.dx),
          op.get(p.dx),
          op.v128Load(16 * i),
          op.get(p.dy),
          op.v128Load(16 * i),
          op.get(weight(i)),
          op.f32x4Mul,
          op.f32x4Add,
          op.v128Store(16 * i),
        ]),
      ),
    ],
  };
}

/**
 * outerSums<R>x<V>(x, xPixStride, xRowStride, dy, dyPixStride, dyRowStride, rows, cols, acc, accRow): over
 * a rows x cols grid of pixels, acc[r][0:4V] += x[r] * dy[0:4V] for R input channels r (consecutive floats
 * at x) and 4V output channels (at dy); acc rows are accRow bytes apart. The R x V sums stay in registers
 * over the whole grid (one add chain each); x values are broadcast, dy vectors loaded once per pixel.
 * This is a conv's weight gradient for one tap without im2col: x and dy are read in place (NHWC).
 */
function outerSums(ci: number, vectors: number): FunctionDef {
  const p = { x: 0, xPix: 1, xRow: 2, dy: 3, dyPix: 4, dyRow: 5, rows: 6, cols: 7, acc: 8, accRow: 9 };
  const l = { xp: 10, dp: 11, j: 12 };
  const sum = (r: number, i: number) => 13 + r * vectors + i;
  const dv = (i: number) => 13 + ci * vectors + i;
  const splat = 13 + ci * vectors + vectors;
  const rs = [...Array(ci).keys()];
  const vs = [...Array(vectors).keys()];
  return {
    name: `outerSums${ci}x${vectors}`,
    params: 10,
    locals: [
      { count: 3, type: I32 },
      { count: ci * vectors + vectors + 1, type: V128 },
    ],
    body: [
      ...overXDyGrid(p, l, [
        ...vs.flatMap((i) => [op.get(l.dp), op.v128Load(16 * i), op.set(dv(i))]),
        ...rs.flatMap((r) => [
          op.get(l.xp),
          op.v128Load32Splat(4 * r),
          op.set(splat),
          ...vs.flatMap((i) => [
            op.get(sum(r, i)),
            op.get(splat),
            op.get(dv(i)),
            op.f32x4Mul,
            op.f32x4Add,
            op.set(sum(r, i)),
          ]),
        ]),
      ]),
      ...rs.flatMap((r) => [
        ...vs.flatMap((i) => [
          op.get(p.acc),
          op.get(p.acc),
          op.v128Load(16 * i),
          op.get(sum(r, i)),
          op.f32x4Add,
          op.v128Store(16 * i),
        ]),
        op.get(p.acc),
        op.get(p.accRow),
        op.add,
        op.set(p.acc),
      ]),
    ],
  };
}

interface WasmModuleWithMemory {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, Exports>();

function kernelsFor(backend: WasmBackend): { fns: Exports; module: WasmModuleWithMemory } | null {
  const module = backend.wasm as unknown as WasmModuleWithMemory;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!memory) return null;
  let fns = instances.get(memory);
  if (!fns) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = buildModule(functions(), { shared, maxPages: 65536 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
      env: { memory },
    });
    fns = instance.exports as unknown as Exports;
    instances.set(memory, fns);
  }
  return { fns, module };
}

/** Runs `f` with `floats` float32 of scratch memory in the heap (byte address). */
function withScratch<T>(m: WasmModuleWithMemory, floats: number, f: (ptr: number) => T): T {
  const ptr = m._malloc(floats * 4) >>> 0;
  try {
    return f(ptr);
  } finally {
    m._free(ptr);
  }
}

const heapOf = (backend: WasmBackend) =>
  new Float32Array(backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer);

/** Mean and variance per channel of [rows, c] at byte address x into out[0:c], out[c:2c]. False if unsupported. */
export function simdMoments(backend: WasmBackend, x: number, rows: number, c: number, out: number): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  withScratch(k.module, 3 * c, (scratch) => {
    const shift = scratch;
    const acc = scratch + 4 * c;
    let heap = heapOf(backend);
    heap.copyWithin(shift / 4, x / 4, x / 4 + c);
    const s1 = new Float64Array(c);
    const s2 = new Float64Array(c);
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_BLOCK) {
      const n = Math.min(ROWS_PER_BLOCK, rows - r0);
      heap.fill(0, acc / 4, acc / 4 + 2 * c);
      k.fns.shiftedSums(x + r0 * c * 4, n, c * 4, shift, acc);
      heap = heapOf(backend);
      for (let i = 0; i < c; i++) {
        s1[i] += heap[acc / 4 + i]!;
        s2[i] += heap[acc / 4 + c + i]!;
      }
    }
    for (let i = 0; i < c; i++) {
      const d = s1[i]! / rows;
      heap[out / 4 + c + i] = Math.max(0, s2[i]! / rows - d * d);
      heap[out / 4 + i] = heap[shift / 4 + i]! + d;
    }
  });
  return true;
}

/** sum(dy) and sum(dy * (x - mean)) per channel into out[0:c], out[c:2c]. False if unsupported. */
export function simdGradSums(
  backend: WasmBackend,
  dy: number,
  x: number,
  mean: number,
  rows: number,
  c: number,
  out: number,
): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  withScratch(k.module, 2 * c, (acc) => {
    let heap = heapOf(backend);
    const a = new Float64Array(c);
    const b = new Float64Array(c);
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_BLOCK) {
      const n = Math.min(ROWS_PER_BLOCK, rows - r0);
      heap.fill(0, acc / 4, acc / 4 + 2 * c);
      k.fns.gradSums(dy + r0 * c * 4, x + r0 * c * 4, mean, n, c * 4, acc);
      heap = heapOf(backend);
      for (let i = 0; i < c; i++) {
        a[i] += heap[acc / 4 + i]!;
        b[i] += heap[acc / 4 + c + i]!;
      }
    }
    for (let i = 0; i < c; i++) {
      heap[out / 4 + i] = a[i]!;
      heap[out / 4 + c + i] = b[i]!;
    }
  });
  return true;
}

/** out = x * a + b per channel ([rows, c] at byte addresses). False if unsupported. */
export function simdAffine(
  backend: WasmBackend,
  x: number,
  a: number,
  b: number,
  out: number,
  rows: number,
  c: number,
): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  k.fns.affine(x, a, b, out, rows, c * 4);
  return true;
}

/** Copies `rows` runs of `runBytes` (a multiple of 16) between byte addresses. False if unsupported. */
export function simdCopyRuns(
  backend: WasmBackend,
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
  rows: number,
  runBytes: number,
): boolean {
  const k = runBytes % 16 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  k.fns.copyRuns(src, srcStride, dst, dstStride, rows, runBytes);
  return true;
}

/**
 * Gradient of a 2x2 stride-2 max pool over NHWC x [n, h, w, c] (byte addresses; dx fully written where
 * windows cover it). False if unsupported (c not a multiple of 4).
 */
export function simdMaxPoolGrad2x2(
  backend: WasmBackend,
  x: number,
  dy: number,
  dx: number,
  shape: { n: number; h: number; w: number; c: number; oh: number; ow: number },
): boolean {
  const k = shape.c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  const cb = shape.c * 4;
  const rowBytes = shape.w * cb;
  for (let b = 0; b < shape.n; b++) {
    const image = b * shape.h * rowBytes;
    k.fns.maxPoolGrad2x2(
      x + image,
      dy + b * shape.oh * shape.ow * cb,
      dx + image,
      shape.oh,
      shape.ow,
      cb,
      rowBytes,
    );
  }
  return true;
}

/**
 * acc[0:c] += sum over a rows x cols grid of pixels of x * dy, per channel (byte addresses and strides;
 * each pixel's c channels contiguous). False if unsupported (c not a multiple of 4).
 */
export function simdTapSums(
  backend: WasmBackend,
  x: { at: number; rowStride: number; pixStride: number },
  dy: { at: number; rowStride: number; pixStride: number },
  rows: number,
  cols: number,
  c: number,
  acc: number,
): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  if (rows <= 0 || cols <= 0) return true;
  for (let o = 0; o < c * 4;) {
    const wide = c * 4 - o >= 64;
    (wide ? k.fns.tapSums4 : k.fns.tapSums1)(
      x.at + o,
      x.rowStride,
      x.pixStride,
      dy.at + o,
      dy.rowStride,
      dy.pixStride,
      rows,
      cols,
      acc + o,
    );
    o += wide ? 64 : 16;
  }
  return true;
}

/**
 * For `cols` pixels: dx[0:c] += dy[0:c] * w[0:c] (byte addresses and pixel strides; w one filter tap's
 * c channels). False if unsupported (c not a multiple of 4).
 */
export function simdTapScatter(
  backend: WasmBackend,
  dx: { at: number; pixStride: number },
  dy: { at: number; pixStride: number },
  cols: number,
  w: number,
  c: number,
): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  if (cols <= 0) return true;
  for (let o = 0; o < c * 4;) {
    const wide = c * 4 - o >= 64;
    (wide ? k.fns.tapScatter4 : k.fns.tapScatter1)(
      dx.at + o,
      dx.pixStride,
      dy.at + o,
      dy.pixStride,
      cols,
      w + o,
    );
    o += wide ? 64 : 16;
  }
  return true;
}

/** True when the SIMD loops can run on this backend's memory. */
export function simdAvailable(backend: WasmBackend): boolean {
  return kernelsFor(backend) != null;
}

/**
 * out = x > 0 (and x <= 6 for `relu6`) ? dy : 0 over `count` floats (byte addresses). False if SIMD is
 * unavailable.
 */
export function simdReluGrad(
  backend: WasmBackend,
  dy: number,
  x: number,
  out: number,
  count: number,
  relu6 = false,
): boolean {
  const k = kernelsFor(backend);
  if (!k) return false;
  const whole = count - (count % 4);
  (relu6 ? k.fns.relu6Grad : k.fns.reluGrad)(dy, x, out, whole * 4);
  if (whole < count) {
    const heap = heapOf(backend);
    const top = relu6 ? 6 : Infinity;
    for (let i = whole; i < count; i++) {
      const v = heap[x / 4 + i]!;
      heap[out / 4 + i] = v > 0 && v <= top ? heap[dy / 4 + i]! : 0;
    }
  }
  return true;
}

/** One operand of simdOuterSums: byte address of channel 0 at the grid's first pixel, byte strides. */
export interface PixelGrid {
  at: number;
  pixStride: number;
  rowStride: number;
}

/**
 * acc[ci][co] += sum over a rows x cols pixel grid of x[ci] * dy[co], for ci < xChannels and co < c
 * (acc row-major [xChannels, c] at byte address acc; c a multiple of 4). False if unsupported.
 */
export function simdOuterSums(
  backend: WasmBackend,
  x: PixelGrid,
  dy: PixelGrid,
  xChannels: number,
  c: number,
  rows: number,
  cols: number,
  acc: number,
): boolean {
  const k = c % 4 === 0 ? kernelsFor(backend) : null;
  if (!k) return false;
  if (rows <= 0 || cols <= 0) return true;
  const accRow = c * 4;
  for (let r = 0; r < xChannels; r += OUTER_CI) {
    const rs = Math.min(OUTER_CI, xChannels - r);
    for (let o = 0; o < c * 4;) {
      const vs = Math.min(OUTER_CO_VECTORS, (c * 4 - o) / 16);
      k.fns[`outerSums${rs}x${vs}`]!(
        x.at + 4 * r,
        x.pixStride,
        x.rowStride,
        dy.at + o,
        dy.pixStride,
        dy.rowStride,
        rows,
        cols,
        acc + r * accRow + o,
        accRow,
      );
      o += vs * 16;
    }
  }
  return true;
}
