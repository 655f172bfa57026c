/**
 * The subset of the Core ML format specification (github.com/apple/coremltools, mlmodel/format/
 * Model.proto, FeatureTypes.proto, NeuralNetwork.proto) that the user tower needs, as a protobufjs
 * descriptor. Field numbers and enum values are the specification's; messages we do not use are left
 * out (protobuf skips unknown fields, so a full decoder reads what we write).
 */
import protobuf from 'protobufjs';

const axes = { axes: { rule: 'repeated', type: 'int64', id: 1 } };
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
              fields: { shape: { rule: 'repeated', type: 'int64', id: 1 }, dataType: { type: 'ArrayDataType', id: 2 } },
              nested: {
                ArrayDataType: { values: { INVALID_ARRAY_DATA_TYPE: 0, FLOAT32: 65568, DOUBLE: 65600, INT32: 131104, FLOAT16: 65552 } },
              },
            },
            NeuralNetworkMultiArrayShapeMapping: { values: { RANK5_ARRAY_MAPPING: 0, EXACT_ARRAY_MAPPING: 1 } },
            NeuralNetwork: {
              fields: {
                layers: { rule: 'repeated', type: 'NeuralNetworkLayer', id: 1 },
                arrayInputShapeMapping: { type: 'NeuralNetworkMultiArrayShapeMapping', id: 5 },
              },
            },
            WeightParams: { fields: { floatValue: { rule: 'repeated', type: 'float', id: 1 } } },
            NeuralNetworkLayer: {
              oneofs: { layer: { oneof: ['innerProduct', 'multiplyBroadcastable', 'divideBroadcastable', 'clip', 'expandDims', 'reduceL2', 'reduceSum'] } },
              fields: {
                name: { type: 'string', id: 1 },
                input: { rule: 'repeated', type: 'string', id: 2 },
                output: { rule: 'repeated', type: 'string', id: 3 },
                innerProduct: { type: 'InnerProductLayerParams', id: 140 },
                clip: { type: 'ClipLayerParams', id: 660 },
                divideBroadcastable: { type: 'DivideBroadcastableLayerParams', id: 890 },
                multiplyBroadcastable: { type: 'MultiplyBroadcastableLayerParams', id: 900 },
                expandDims: { type: 'ExpandDimsLayerParams', id: 1125 },
                reduceL2: { type: 'ReduceL2LayerParams', id: 1255 },
                reduceSum: { type: 'ReduceSumLayerParams', id: 1270 },
              },
            },
            InnerProductLayerParams: {
              fields: {
                inputChannels: { type: 'uint64', id: 1 },
                outputChannels: { type: 'uint64', id: 2 },
                hasBias: { type: 'bool', id: 10 },
                /** Row-major [outputChannels, inputChannels]. */
                weights: { type: 'WeightParams', id: 20 },
                bias: { type: 'WeightParams', id: 21 },
              },
            },
            ClipLayerParams: { fields: { minVal: { type: 'float', id: 1 }, maxVal: { type: 'float', id: 2 } } },
            DivideBroadcastableLayerParams: empty,
            MultiplyBroadcastableLayerParams: empty,
            ExpandDimsLayerParams: { fields: axes },
            ReduceL2LayerParams: reduce,
            ReduceSumLayerParams: reduce,
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
