/**
 * The whole scorer as one ONNX graph (issue 25): the four history slot arrays of lib/recs/features.ts in, every
 * product's explore, repeat and "all" scores out, every feature of lib/recs/score.ts's FEATURE_TABLE computed
 * inside the graph from the slots and constants (the rows a runtime ranks with, the item signals, the heads'
 * weights). Built from operators every ONNX runtime has: Gather, ScatterND with reduction "add" (opset 16+; not
 * ScatterElements, which onnxruntime-web's WebGPU provider lacks and would hand back to the CPU), elementwise and
 * unary ops, reductions, Gemm.
 *
 *   inputs   history_ids, history_weights, history_counts, history_ages   float32 [1, L] (ids −1 on empty slots)
 *   outputs  explore_scores, repeat_scores, all_scores                     float32 [1, n]
 *
 * Shipped in every version as `scorer.onnx` (manifest.files.scorer, described by manifest.scorerGraph); `npm run
 * eval` ranks through it. Its parity with the TypeScript reference (which the edge and the WebAssembly kernel run)
 * is tested on the goldens and on the whole validation set (scorer-onnx.test.ts). The Core ML file is this graph
 * translated node by node (./coreml.ts).
 */
import { EPS } from '../../lib/recs/tower';
import { HEADS, isOwnedFeature, STAGE_FEATURES, type Head, type ScorerSpec } from '../../lib/recs/score';
import { SCORER_INPUTS, SCORER_OUTPUTS, SCORER_TABLES, type ScorerTable } from '../../lib/recs/manifest';
import type { ItemSignals } from '../../lib/recs/signals';
import { tokenWidth } from '../../lib/recs/graph-tables';
import { AttributeType, DataType } from './onnx-schema';
import { encodeModel, f32, i64, node, valueInfo, type TensorSpec } from './onnx';


/** The graph's catalogue dimensions: neighbours per product, name words per product, whether it has communities. */
export interface TableShape {
  dim: number;
  neighbours: number;
  words: number;
  communities: boolean;
}

export const tableShape = (dim: number, s: ItemSignals): TableShape => ({ dim, neighbours: s.neighboursPerItem, words: tokenWidth(s), communities: s.community !== undefined });

/**
 * The graph's inputs (the history's four slot arrays, then the catalogue's tables, their first dimension 'n', the
 * caller's catalogue) and outputs ([1, n]). The shapes a version's manifest carries, so every runtime reads them.
 */
export function scorerIO(historyLength: number, t: TableShape): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const shapes: Record<ScorerTable, (number | 'n')[]> = {
    item_rows: ['n', t.dim],
    item_pop30: ['n'],
    item_pop7: ['n'],
    item_trend: ['n'],
    item_fresh: ['n'],
    item_repeat_rate: ['n'],
    item_interval: ['n'],
    item_log_price: ['n'],
    item_category: ['n'],
    item_neighbours: ['n', t.neighbours],
    item_neighbour_weights: ['n', t.neighbours],
    item_tokens: ['n', t.words],
    item_token_mask: ['n', t.words],
    item_community: ['n'],
  };
  const tables = SCORER_TABLES.filter((name) => name !== 'item_community' || t.communities);
  return {
    inputs: [...SCORER_INPUTS.map((name) => ({ name, shape: [1, historyLength], dtype: 'float32' as const })), ...tables.map((name) => ({ name, shape: shapes[name], dtype: 'float32' as const }))],
    outputs: SCORER_OUTPUTS.map((name) => ({ name, shape: [1, 'n' as const], dtype: 'float32' as const })),
  };
}

export interface ScorerGraphModel {
  historyLength: number;
  dim: number;
  tower: { W: Float32Array; b: Float32Array };
  /** The catalogue's shape the graph is built for (its tables come in as inputs: lib/recs/graph-tables.ts). */
  tables: TableShape;
  /** How many communities the catalogue tags (0: none; the rule's constants are sized by it). */
  communities: number;
  /** Name-word buckets (features.tokenBuckets): the tables pad with this one. */
  tokenBuckets: number;
  categories: number;
  scorer: ScorerSpec;
  metadata: Record<string, string>;
}

/** The graph a version's model and signals make. */
export function graphModel(m: { historyLength: number; dim: number; tower: { W: Float32Array; b: Float32Array }; signals: ItemSignals; scorer: ScorerSpec; tokenBuckets: number; metadata: Record<string, string> }): ScorerGraphModel {
  let communities = 0;
  for (const c of m.signals.community ?? []) if (c > communities) communities = c;
  return { historyLength: m.historyLength, dim: m.dim, tower: m.tower, tables: tableShape(m.dim, m.signals), communities, tokenBuckets: m.tokenBuckets, categories: m.signals.categories, scorer: m.scorer, metadata: m.metadata };
}

const int = (name: string, i: number) => ({ name, type: AttributeType.INT, i });
const keep = (k: 0 | 1) => int('keepdims', k);
const add = { name: 'reduction', type: AttributeType.STRING, s: new TextEncoder().encode('add') };
const toInt64 = int('to', DataType.INT64);

/** The constants the graph reads: the tower, the heads' weights and a few scalars; never a product. */
function initializers(m: ScorerGraphModel) {
  const weights = (h: Head) => m.scorer.heads[h];
  return [
    f32('W', [m.dim, m.dim], m.tower.W),
    f32('b', [m.dim], m.tower.b),
    f32('eps', [], Float32Array.of(EPS)),
    f32('zero', [], Float32Array.of(0)),
    f32('one', [], Float32Array.of(1)),
    f32('minus_half', [], Float32Array.of(-0.5)),
    f32('thirty', [], Float32Array.of(30)),
    f32('zeros_cat', [m.categories], new Float32Array(m.categories)),
    // One bucket past the last: the tables pad with it, and its share stays 0.
    f32('zeros_tok', [m.tokenBuckets + 1], new Float32Array(m.tokenBuckets + 1)),
    i64('flat', [-1]),
    i64('column', [-1, 1]),
    i64('axis0', [0]),
    i64('axis1', [1]),
    f32('offset', [], Float32Array.of(m.scorer.ownedOffset)),
    ...HEADS.flatMap((h) => STAGE_FEATURES.map((f, k) => f32(`w_${h}_${f}`, [], Float32Array.of(weights(h)[k]!)))),
    ...communityConstants(m.communities),
  ];
}

/** The masks communityNodes reads (none without communities): an empty count per community, open (0) and tagged ones. */
function communityConstants(communities: number) {
  if (communities === 0) return [];
  const open = new Float32Array(communities + 1);
  open[0] = 1;
  return [
    f32('zeros_comm', [communities + 1], new Float32Array(communities + 1)),
    f32('comm_open', [communities + 1], open),
    f32('comm_tagged', [communities + 1], open.map((x) => 1 - x)),
    f32('minus_inf', [], Float32Array.of(-Infinity)),
  ];
}

/** The catalogue's tables as the nodes below name them: indices cast; a neighbour of −1 points at row 0 with weight 0. */
function tableNodes(communities: boolean) {
  return [
    node('Identity', ['item_rows'], ['E']),
    node('Mul', ['item_category', 'zero'], ['zeros_n']),
    node('Cast', ['item_category'], ['category'], [toInt64]),
    node('Identity', ['item_pop30'], ['pop30']),
    node('Identity', ['item_pop7'], ['pop7']),
    node('Identity', ['item_trend'], ['trend']),
    node('Identity', ['item_fresh'], ['fresh']),
    node('Identity', ['item_repeat_rate'], ['repeat_rate']),
    node('Identity', ['item_interval'], ['interval']),
    node('Identity', ['item_log_price'], ['log_price']),
    node('Max', ['item_neighbours', 'zero'], ['nb_clamped']),
    node('Cast', ['nb_clamped'], ['nb_idx'], [toInt64]),
    node('Greater', ['item_neighbours', 'minus_half'], ['nb_has_bool']),
    node('Cast', ['nb_has_bool'], ['nb_has'], [int('to', DataType.FLOAT)]),
    node('Mul', ['item_neighbour_weights', 'nb_has'], ['nb_w']),
    node('Cast', ['item_tokens'], ['tok'], [toInt64]),
    node('Identity', ['item_token_mask'], ['tok_one']),
    ...(communities ? [node('Cast', ['item_community'], ['community'], [toInt64])] : []),
  ];
}

/** The slots, the user tower and the two-tower match, the history totals. */
function slotNodes() {
  return [
    // Slots: which are filled, and where they point.
    node('Reshape', ['history_ids', 'flat'], ['ids']),
    node('Reshape', ['history_weights', 'flat'], ['w_in']),
    node('Reshape', ['history_counts', 'flat'], ['c_in']),
    node('Reshape', ['history_ages', 'flat'], ['age_in']),
    node('Greater', ['ids', 'minus_half'], ['filled_bool']),
    node('Cast', ['filled_bool'], ['filled'], [int('to', DataType.FLOAT)]),
    node('Max', ['ids', 'zero'], ['ids_clamped']),
    node('Cast', ['ids_clamped'], ['idx'], [int('to', DataType.INT64)]),
    node('Unsqueeze', ['idx', 'axis1'], ['idx_col']),
    node('Mul', ['w_in', 'filled'], ['w']),
    node('Mul', ['c_in', 'filled'], ['cnt']),
    node('Mul', ['age_in', 'filled'], ['age']),

    // The user tower (lib/recs/tower.ts) and the two-tower match of every row.
    node('Gather', ['E', 'idx'], ['hist_emb'], [int('axis', 0)]),
    node('Unsqueeze', ['w', 'axis0'], ['w_row']),
    node('MatMul', ['w_row', 'hist_emb'], ['pool_sum']),
    node('ReduceSum', ['w', 'axis0'], ['w_total'], [keep(1)]),
    node('Max', ['w_total', 'eps'], ['w_denom']),
    node('Div', ['pool_sum', 'w_denom'], ['pooled']),
    node('MatMul', ['pooled', 'W'], ['z_lin']),
    node('Add', ['z_lin', 'b'], ['z']),
    node('ReduceL2', ['z'], ['z_norm'], [{ name: 'axes', type: AttributeType.INTS, ints: [1] }, keep(1)]),
    node('Max', ['z_norm', 'eps'], ['z_denom']),
    node('Div', ['z', 'z_denom'], ['user']),
    node('Gemm', ['user', 'E'], ['dots_row'], [int('transB', 1)]),
    // [1, n] → [n] by a sum over the unit axis, not a reshape: a reshape's target would fix n in the Core ML file.
    node('ReduceSum', ['dots_row', 'axis0'], ['f_dot'], [keep(0)]),

    // History totals.
    node('ReduceSum', ['cnt', 'axis0'], ['total'], [keep(0)]),
    node('Greater', ['total', 'zero'], ['has_bool']),
    node('Cast', ['has_bool'], ['has'], [int('to', DataType.FLOAT)]),
    node('Max', ['total', 'eps'], ['total_denom']),
    node('ReduceSum', ['filled', 'axis0'], ['slots'], [keep(0)]),
    node('Max', ['slots', 'one'], ['slots_denom']),

  ];
}

/** The history features (copurchase, category, price, design) and the owned features per slot. */
function featureNodes() {
  return [
    // copurchase: log(1 + Σ_slots count × neighbour weight), scattered onto the neighbours.
    node('Gather', ['nb_idx', 'idx'], ['hist_nb'], [int('axis', 0)]),
    node('Gather', ['nb_w', 'idx'], ['hist_nbw'], [int('axis', 0)]),
    node('Unsqueeze', ['cnt', 'axis1'], ['cnt_col']),
    node('Mul', ['hist_nbw', 'cnt_col'], ['co_vals']),
    node('Reshape', ['hist_nb', 'column'], ['co_at']),
    node('Reshape', ['co_vals', 'flat'], ['co_add']),
    node('ScatterND', ['zeros_n', 'co_at', 'co_add'], ['co_sum'], [add]),
    node('Add', ['co_sum', 'one'], ['co_1p']),
    node('Log', ['co_1p'], ['f_copurchase']),

    // category: the history's share (by count) in each item's category.
    node('Gather', ['category', 'idx'], ['hist_cat'], [int('axis', 0)]),
    node('Unsqueeze', ['hist_cat', 'axis1'], ['hist_cat_col']),
    node('ScatterND', ['zeros_cat', 'hist_cat_col', 'cnt'], ['cat_sum'], [add]),
    node('Div', ['cat_sum', 'total_denom'], ['cat_share']),
    node('Gather', ['cat_share', 'category'], ['f_category'], [int('axis', 0)]),

    // price: −|log price − the history's mean log price|, 0 without a history.
    node('Gather', ['log_price', 'idx'], ['hist_lp'], [int('axis', 0)]),
    node('Mul', ['hist_lp', 'cnt'], ['lp_weighted']),
    node('ReduceSum', ['lp_weighted', 'axis0'], ['lp_sum'], [keep(0)]),
    node('Div', ['lp_sum', 'total_denom'], ['lp_mean']),
    node('Sub', ['log_price', 'lp_mean'], ['lp_diff']),
    node('Abs', ['lp_diff'], ['lp_abs']),
    node('Neg', ['lp_abs'], ['lp_neg']),
    node('Mul', ['lp_neg', 'has'], ['f_price']),

    // design: the largest share of history items carrying one of the item's name words.
    node('Gather', ['tok', 'idx'], ['hist_tok'], [int('axis', 0)]),
    node('Gather', ['tok_one', 'idx'], ['hist_tok_one'], [int('axis', 0)]),
    node('Unsqueeze', ['filled', 'axis1'], ['filled_col']),
    node('Mul', ['hist_tok_one', 'filled_col'], ['tok_vals']),
    node('Reshape', ['hist_tok', 'column'], ['tok_at']),
    node('Reshape', ['tok_vals', 'flat'], ['tok_add']),
    node('ScatterND', ['zeros_tok', 'tok_at', 'tok_add'], ['tok_count'], [add]),
    node('Div', ['tok_count', 'slots_denom'], ['tok_share']),
    node('Gather', ['tok_share', 'tok'], ['item_tok_share'], [int('axis', 0)]),
    node('ReduceMax', ['item_tok_share'], ['f_design'], [{ name: 'axes', type: AttributeType.INTS, ints: [1] }, keep(0)]),

    // The owned features, per slot (0 on an empty one).
    node('Identity', ['filled'], ['o_owned']),
    node('Add', ['cnt', 'one'], ['cnt_1p']),
    node('Log', ['cnt_1p'], ['o_count']),
    node('Add', ['w', 'one'], ['w_1p']),
    node('Log', ['w_1p'], ['o_decayed']),
    node('Div', ['age', 'thirty'], ['age_30']),
    node('Neg', ['age_30'], ['age_30_neg']),
    node('Exp', ['age_30_neg'], ['recency_all']),
    node('Mul', ['recency_all', 'filled'], ['o_recency']),
    node('Gather', ['interval', 'idx'], ['hist_interval']),
    node('Add', ['age', 'one'], ['age_1']),
    node('Add', ['hist_interval', 'one'], ['interval_1']),
    node('Div', ['age_1', 'interval_1'], ['due_ratio']),
    node('Log', ['due_ratio'], ['due_log']),
    node('Abs', ['due_log'], ['due_abs']),
    node('Neg', ['due_abs'], ['due_neg']),
    node('Exp', ['due_neg'], ['due_all']),
    node('Mul', ['due_all', 'filled'], ['o_due']),
    node('Gather', ['pop30', 'idx'], ['hist_pop']),
    node('Mul', ['hist_pop', 'filled'], ['o_ownedPop']),
    node('Gather', ['repeat_rate', 'idx'], ['hist_rr']),
    node('Mul', ['hist_rr', 'filled'], ['o_ownedRepeatRate']),
    node('ScatterND', ['zeros_n', 'idx_col', 'filled'], ['owned_item'], [add]),
  ];
}

/**
 * isCandidate as nodes: the history's communities counted by a scatter over its filled slots; community 0 (none)
 * always allowed, and every community when the history has no product in one; the rest of explore_flat −∞.
 */
function communityNodes() {
  return [
    node('Gather', ['community', 'idx'], ['hist_comm'], [int('axis', 0)]),
    node('Unsqueeze', ['hist_comm', 'axis1'], ['hist_comm_col']),
    node('ScatterND', ['zeros_comm', 'hist_comm_col', 'filled'], ['comm_hits'], [add]),
    node('Mul', ['comm_hits', 'comm_tagged'], ['comm_tagged_hits']),
    node('ReduceSum', ['comm_tagged_hits', 'axis0'], ['comm_tagged_total'], [keep(0)]),
    node('Greater', ['comm_tagged_total', 'zero'], ['comm_any_bool']),
    node('Cast', ['comm_any_bool'], ['comm_any'], [int('to', DataType.FLOAT)]),
    node('Sub', ['one', 'comm_any'], ['comm_none']),
    node('Add', ['comm_hits', 'comm_open'], ['comm_ok_some']),
    node('Add', ['comm_ok_some', 'comm_none'], ['comm_ok']),
    node('Gather', ['comm_ok', 'community'], ['item_ok'], [int('axis', 0)]),
    node('Greater', ['item_ok', 'zero'], ['item_ok_bool']),
    node('Where', ['item_ok_bool', 'explore_flat', 'minus_inf'], ['explore_candidates']),
  ];
}

/** An ONNX node as ./onnx.ts's `node` builds it. */
export type GraphNode = ReturnType<typeof node>;
/** An ONNX initializer as ./onnx.ts's `f32` and `i64` build it (raw little-endian data). */
export type GraphConstant = ReturnType<typeof f32> | ReturnType<typeof i64>;

/**
 * The scorer's graph before encoding: ONNX writes it as it is (scorerOnnx), Core ML translates it layer by layer
 * (./coreml.ts), so both files are the one graph.
 */
export interface ScorerGraph {
  io: ReturnType<typeof scorerIO>;
  initializer: GraphConstant[];
  node: GraphNode[];
}

export function scorerGraph(m: ScorerGraphModel): ScorerGraph {
  const nodes: GraphNode[] = [...tableNodes(m.tables.communities), ...slotNodes(), ...featureNodes()];
  // The item features' inputs by name: the signals for the constant ones, the nodes above for the rest.
  const itemInput: Record<string, string> = { dot: 'f_dot', pop30: 'pop30', pop7: 'pop7', trend: 'trend', fresh: 'fresh', copurchase: 'f_copurchase', category: 'f_category', price: 'f_price', design: 'f_design' };
  /** Adds the named tensors left to right (the order the TypeScript sums them in); returns the sum's name. */
  const sum = (terms: string[], out: string): string => {
    let acc = terms[0]!;
    for (let k = 1; k < terms.length; k++) nodes.push(node('Add', [acc, terms[k]!], [(acc = `${out}_${k}`)]));
    return acc;
  };
  for (const h of HEADS) {
    // Σ_f w_f · feature_f over every item, then the owned features' terms per slot, scattered onto the history's products.
    const terms = STAGE_FEATURES.map((f, k) => {
      nodes.push(node('Mul', [isOwnedFeature(k) ? `o_${f}` : itemInput[f]!, `w_${h}_${f}`], [`${h}_${f}_term`]));
      return `${h}_${f}_term`;
    });
    const items = sum(terms.filter((_, k) => !isOwnedFeature(k)), `${h}_items`);
    const owned = sum(terms.filter((_, k) => isOwnedFeature(k)), `${h}_owned`);
    nodes.push(node('ScatterND', ['zeros_n', 'idx_col', owned], [`${h}_owned_terms`], [add]));
    nodes.push(node('Add', [items, `${h}_owned_terms`], [`${h}_flat`]));
  }
  // A catalogue with communities: explore ranks only the history's communities' products (lib/recs/score.ts isCandidate).
  const explore = m.tables.communities ? (nodes.push(...communityNodes()), 'explore_candidates') : 'explore_flat';
  // all = explore everywhere, an owned product's offset + repeat score where the history has it.
  nodes.push(
    node('Add', ['repeat_flat', 'offset'], ['repeat_offset']),
    node('Greater', ['owned_item', 'zero'], ['owned_bool']),
    node('Where', ['owned_bool', 'repeat_offset', explore], ['all_flat']),
    node('Unsqueeze', [explore, 'axis0'], ['explore_scores']),
    node('Unsqueeze', ['repeat_flat', 'axis0'], ['repeat_scores']),
    node('Unsqueeze', ['all_flat', 'axis0'], ['all_scores']),
  );
  return { io: scorerIO(m.historyLength, m.tables), initializer: initializers(m), node: nodes };
}

export const scorerOnnx = (m: ScorerGraphModel): Uint8Array => encodeScorerOnnx(scorerGraph(m), m.metadata);

export function encodeScorerOnnx(g: ScorerGraph, metadata: Record<string, string>): Uint8Array {
  return encodeModel(
    {
      name: 'scorer',
      docString: 'The whole scorer (lib/recs/score.ts): history slots in, every product’s explore, repeat and all scores out.',
      input: g.io.inputs.map(valueInfo),
      output: g.io.outputs.map(valueInfo),
      initializer: g.initializer,
      node: g.node,
    },
    metadata,
  );
}
