// The ONNX graph of a callrisk model, built from its card at bench time
// (bench/peers/score_bench.mjs): float64 throughout, and the whole result a
// callrisk user gets from scoreBatch, not just the probability.
//
//   X [N, nf] double (the model's fields, in field order: the very
//                     Float64Array of rows scoreBatch takes)
//   probability = Sigmoid(MatMul(X, W) + B)               [N, 1] double
//   score       = Cast<int32>(Floor(probability * 100))   [N, 1] int32
//   band        = Cast<int32>(Floor(..) >= medium)
//               + Cast<int32>(Floor(..) >= high)          [N, 1] int32 (0 LOW, 1 MEDIUM, 2 HIGH)
//
// An inverted feature (the seed's no_consent = 1 - has_consent) is folded
// into W and B: c * (1 - x) = c - c * x, so W gets -c and B gets + c. That
// is the cheapest graph for the peer (no feature step), and the same value
// up to rounding: callrisk adds c * (1 - x) term by term in its own order,
// ORT's MatMul sums in its own, so probabilities agree to an ulp or so, not
// bit for bit (score_bench.mjs counts the differences).
//
// The bytes are written with onnx-proto (onnx.proto compiled by protobufjs),
// IR version 8, opset 15.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
export const OPSET = 15;
export const IR_VERSION = 8;

/**
 * The linear map on the model's fields: W (one weight per field), B, the
 * bands. Throws for a calibrated model (its probability is sigmoid(a z + b),
 * which this graph does not carry).
 */
export function linearOf(model) {
  const card = model.card();
  if (card.evidence?.calibration) throw new Error('onnx_graph: a calibrated model is not supported');
  const fields = model.fields.map((f) => f.name);
  const w = new Float64Array(fields.length);
  let b = card.intercept;
  for (const f of card.features) {
    const k = fields.indexOf(f.field);
    if (k < 0) throw new Error(`onnx_graph: feature ${f.name} reads an unknown field ${f.field}`);
    if (f.invert) {
      w[k] += -f.coef;
      b += f.coef;
    } else {
      w[k] += f.coef;
    }
  }
  return { fields, w, b, bands: { medium: card.bands.medium, high: card.bands.high } };
}

const f64 = (name, dims, values) => ({
  name, dims, dataType: T.DOUBLE,
  rawData: new Uint8Array(Float64Array.from(values).buffer), // little-endian, as ONNX's raw_data is
});
const valueInfo = (name, elemType, dims) => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});
const node = (opType, input, output, attribute = []) => ({ opType, input, output, name: output[0], attribute });
const castTo = (to) => [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }];

/**
 * The serialized ModelProto (Uint8Array) for linearOf(model)'s map. With
 * probabilityOnly, the graph stops at the Sigmoid (output `probability`
 * only): less work than scoreBatch does, for reference.
 */
export function scoreGraph({ w, b, bands }, { probabilityOnly = false } = {}) {
  const nf = w.length;
  const graph = {
    name: 'callrisk_score',
    initializer: [
      f64('W', [nf, 1], w),
      f64('B', [1], [b]),
      f64('HUNDRED', [], [100]),
      f64('MEDIUM', [], [bands.medium]),
      f64('HIGH', [], [bands.high]),
    ],
    input: [valueInfo('X', T.DOUBLE, ['N', nf])],
    output: [
      valueInfo('probability', T.DOUBLE, ['N', 1]),
      valueInfo('score', T.INT32, ['N', 1]),
      valueInfo('band', T.INT32, ['N', 1]),
    ],
    node: [
      node('MatMul', ['X', 'W'], ['z0']),
      node('Add', ['z0', 'B'], ['z']),
      node('Sigmoid', ['z'], ['probability']),
      node('Mul', ['probability', 'HUNDRED'], ['p100']),
      node('Floor', ['p100'], ['floor100']),
      node('Cast', ['floor100'], ['score'], castTo(T.INT32)),
      node('GreaterOrEqual', ['floor100', 'MEDIUM'], ['ge_medium']),
      node('GreaterOrEqual', ['floor100', 'HIGH'], ['ge_high']),
      node('Cast', ['ge_medium'], ['n_medium'], castTo(T.INT32)),
      node('Cast', ['ge_high'], ['n_high'], castTo(T.INT32)),
      node('Add', ['n_medium', 'n_high'], ['band']),
    ],
  };
  if (probabilityOnly) {
    graph.initializer = graph.initializer.slice(0, 2);
    graph.output = graph.output.slice(0, 1);
    graph.node = graph.node.slice(0, 3);
  }
  const model = onnx.ModelProto.fromObject({
    irVersion: IR_VERSION,
    producerName: 'callrisk bench/peers',
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
  });
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`onnx_graph: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}
