/**
 * A minimal WebAssembly binary writer: just enough to assemble small SIMD loops at run time (no compiler
 * toolchain in the project). Functions take and return i32 only; bodies are byte arrays made with `op`.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f;
export const V128 = 0x7b;

const simd = (code: number) => [0xfd, ...uleb(code)];
// memarg: alignment hint 2^2 (float lanes), offset
const mem = (offset = 0) => [2, ...uleb(offset)];

/** Instructions used by our kernels. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (n: number) => [0x41, ...sleb(n)],
  eqz: [0x45],
  geU: [0x4f],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  v128Load: (offset = 0) => [...simd(0x00), ...mem(offset)],
  /** one float32 from memory into all four lanes */
  v128Load32Splat: (offset = 0) => [...simd(0x09), ...mem(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), ...mem(offset)],
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Ge: simd(0x46),
  f32x4Gt: simd(0x44),
  f32x4Le: simd(0x45),
  /** v128.const of four equal float32 lanes */
  f32x4Const: (value: number) => [
    ...simd(0x0c),
    ...Array.from({ length: 4 }, () => [...new Uint8Array(Float32Array.of(value).buffer)]).flat(),
  ],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  v128Not: simd(0x4d),
  v128And: simd(0x4e),
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
};

export interface FunctionDef {
  name: string;
  params: number;
  /** extra locals, by type */
  locals: { count: number; type: number }[];
  body: number[][];
}

/**
 * A module that imports `env.memory` (the wasm backend's heap; `shared` for the threaded build, which
 * needs the maximum declared) and exports `fns`.
 */
export function buildModule(fns: FunctionDef[], memory: { shared: boolean; maxPages: number }): Uint8Array {
  const types = fns.map((f) => [0x60, ...vec(new Array(f.params).fill([I32])), ...vec([])]);
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(memory.maxPages)] : [0x00, ...uleb(1)];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vec(
    fns.map((f) => {
      const body = [...vec(f.locals.map((l) => [...uleb(l.count), l.type])), ...f.body.flat(), ...op.end];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
