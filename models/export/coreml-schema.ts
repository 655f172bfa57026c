/**
 * The subset of the Core ML format specification (github.com/apple/coremltools, mlmodel/format/
 * Model.proto, FeatureTypes.proto, NeuralNetwork.proto) that the scorer's graph needs, as a protobufjs
 * descriptor. Field numbers and enum values are the specification's; messages we do not use are left
 * out (protobuf skips unknown fields, so a full decoder reads what we write).
 */
import protobuf from 'protobufjs';

const axes = { axes: { rule: 'repeated', type: 'int64', id: 1 } };
/** The layer kinds the scorer's graph uses: the oneof's members, in field-number order. */
export const LAYER_KINDS = [
  'unary', 'greaterThan', 'maxBroadcastable', 'addBroadcastable', 'divideBroadcastable', 'multiplyBroadcastable', 'subtractBroadcastable',
  'gather', 'scatterND', 'batchedMatmul', 'loadConstantND', 'expandDims', 'reshapeStatic', 'reduceL2', 'reduceMax', 'reduceSum', 'whereBroadcastable',
] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];
const reduce = { fields: { ...axes, keepDims: { type: 'bool', id: 2 }, reduceAll: { type: 'bool', id: 3 } } };
const empty = { fields: {} };

export const coremlRoot = protobuf.Root.fromJSON({
  nested: {
    CoreML: {
      nested: {
        Specification: {
          nested: {
            Model: {
              fields: {
                specificationVersion: { type: 'int32', id: 1 },
                description: { type: 'ModelDescription', id: 2 },
                isUpdatable: { type: 'bool', id: 10 },
                neuralNetwork: { type: 'NeuralNetwork', id: 500 },
              },
            },
            ModelDescription: {
              fields: {
                input: { rule: 'repeated', type: 'FeatureDescription', id: 1 },
                output: { rule: 'repeated', type: 'FeatureDescription', id: 10 },
                predictedFeatureName: { type: 'string', id: 11 },
                metadata: { type: 'Metadata', id: 100 },
              },
            },
            Metadata: {
              fields: {
                shortDescription: { type: 'string', id: 1 },
                versionString: { type: 'string', id: 2 },
                author: { type: 'string', id: 3 },
                license: { type: 'string', id: 4 },
                // map<string, string> on the wire is a repeated entry message {key = 1, value = 2}.
                userDefined: { rule: 'repeated', type: 'StringEntry', id: 100 },
              },
            },
            StringEntry: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
            FeatureDescription: {
              fields: { name: { type: 'string', id: 1 }, shortDescription: { type: 'string', id: 2 }, type: { type: 'FeatureType', id: 3 } },
            },
            FeatureType: {
              fields: { multiArrayType: { type: 'ArrayFeatureType', id: 5 }, isOptional: { type: 'bool', id: 1000 } },
            },
            ArrayFeatureType: {
              oneofs: { ShapeFlexibility: { oneof: ['shapeRange'] } },
              fields: { shape: { rule: 'repeated', type: 'int64', id: 1 }, dataType: { type: 'ArrayDataType', id: 2 }, shapeRange: { type: 'ShapeRange', id: 31 } },
              nested: {
                ArrayDataType: { values: { INVALID_ARRAY_DATA_TYPE: 0, FLOAT32: 65568, DOUBLE: 65600, INT32: 131104, FLOAT16: 65552 } },
                // A flexible shape (FeatureTypes.proto): each dimension's range; `shape` is then the default.
                ShapeRange: { fields: { sizeRanges: { rule: 'repeated', type: 'SizeRange', id: 1 } } },
              },
            },
            SizeRange: { fields: { lowerBound: { type: 'uint64', id: 1 }, upperBound: { type: 'int64', id: 2 } } },
            NeuralNetworkMultiArrayShapeMapping: { values: { RANK5_ARRAY_MAPPING: 0, EXACT_ARRAY_MAPPING: 1 } },
            NeuralNetwork: {
              fields: {
                layers: { rule: 'repeated', type: 'NeuralNetworkLayer', id: 1 },
                arrayInputShapeMapping: { type: 'NeuralNetworkMultiArrayShapeMapping', id: 5 },
              },
            },
            WeightParams: { fields: { floatValue: { rule: 'repeated', type: 'float', id: 1 } } },
            NeuralNetworkLayer: {
              oneofs: { layer: { oneof: [...LAYER_KINDS] } },
              fields: {
                name: { type: 'string', id: 1 },
                input: { rule: 'repeated', type: 'string', id: 2 },
                output: { rule: 'repeated', type: 'string', id: 3 },
                unary: { type: 'UnaryFunctionLayerParams', id: 220 },
                greaterThan: { type: 'GreaterThanLayerParams', id: 830 },
                maxBroadcastable: { type: 'Empty', id: 875 },
                addBroadcastable: { type: 'Empty', id: 880 },
                divideBroadcastable: { type: 'Empty', id: 890 },
                multiplyBroadcastable: { type: 'Empty', id: 900 },
                subtractBroadcastable: { type: 'Empty', id: 905 },
                gather: { type: 'GatherLayerParams', id: 930 },
                scatterND: { type: 'ScatterNDLayerParams', id: 945 },
                batchedMatmul: { type: 'BatchedMatMulLayerParams', id: 1045 },
                loadConstantND: { type: 'LoadConstantNDLayerParams', id: 1070 },
                expandDims: { type: 'ExpandDimsLayerParams', id: 1125 },
                reshapeStatic: { type: 'ReshapeStaticLayerParams', id: 1140 },
                reduceL2: { type: 'ReduceParams', id: 1255 },
                reduceMax: { type: 'ReduceParams', id: 1260 },
                reduceSum: { type: 'ReduceParams', id: 1270 },
                whereBroadcastable: { type: 'Empty', id: 1330 },
              },
            },
            // The parameter messages of the layers above (NeuralNetwork.proto). Those without fields (the broadcastable
            // arithmetic, where) share one empty message, and the three reductions one message: same fields, same numbers.
            Empty: empty,
            UnaryFunctionLayerParams: {
              fields: { type: { type: 'UnaryOperation', id: 1 }, alpha: { type: 'float', id: 2 }, epsilon: { type: 'float', id: 3 }, shift: { type: 'float', id: 4 }, scale: { type: 'float', id: 5 } },
            },
            UnaryOperation: { values: { SQRT: 0, RSQRT: 1, INVERSE: 2, POWER: 3, EXP: 4, LOG: 5, ABS: 6, THRESHOLD: 7 } },
            GreaterThanLayerParams: { fields: { alpha: { type: 'float', id: 2 } } },
            GatherLayerParams: { fields: { axis: { type: 'int64', id: 1 } } },
            ScatterNDLayerParams: { fields: { mode: { type: 'ScatterMode', id: 1 } } },
            ScatterMode: { values: { SCATTER_UPDATE: 0, SCATTER_ADD: 1, SCATTER_SUB: 2, SCATTER_MUL: 3, SCATTER_DIV: 4, SCATTER_MAX: 5, SCATTER_MIN: 6 } },
            BatchedMatMulLayerParams: {
              fields: {
                transposeA: { type: 'bool', id: 1 },
                transposeB: { type: 'bool', id: 2 },
                weightMatrixFirstDimension: { type: 'uint64', id: 5 },
                weightMatrixSecondDimension: { type: 'uint64', id: 6 },
                hasBias: { type: 'bool', id: 7 },
              },
            },
            LoadConstantNDLayerParams: { fields: { shape: { rule: 'repeated', type: 'uint64', id: 1 }, data: { type: 'WeightParams', id: 2 } } },
            ExpandDimsLayerParams: { fields: axes },
            ReshapeStaticLayerParams: { fields: { targetShape: { rule: 'repeated', type: 'int64', id: 1 } } },
            ReduceParams: reduce,
          },
        },
      },
    },
  },
});

export const ModelMessage = coremlRoot.lookupType('CoreML.Specification.Model');
/** Core ML 3 (iOS 13, macOS 10.15): the first version with N-d arrays and the broadcasting layers used here. */
export const SPECIFICATION_VERSION = 4;
export const FLOAT32 = 65568;
