// The p4.v1.P4Runtime service for grpc-js, defined by hand so each method
// chooses its own codec: protobufjs for the small, human-sized messages;
// raw Buffers for Write requests (assembled from pre-encoded entities) and
// Read responses (cut into entity slices, never decoded).
import grpc from '@grpc/grpc-js';
import { protoType } from '../proto/load.ts';

function pb(name: string) {
  const t = protoType(name);
  return {
    serialize: (v: object): Buffer => Buffer.from(t.encode(t.fromObject(v as Record<string, unknown>)).finish()),
    deserialize: (b: Buffer): any => t.decode(b),
  };
}

const raw = (b: Buffer): Buffer => b;

function method(name: string, req: { serialize: (v: any) => Buffer }, res: { deserialize: (b: Buffer) => any }, requestStream = false, responseStream = false) {
  return {
    path: `/p4.v1.P4Runtime/${name}`,
    originalName: name,
    requestStream,
    responseStream,
    requestSerialize: req.serialize,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: res.deserialize,
  };
}

export const p4runtimeClientService = {
  Write: method('Write', { serialize: raw }, { deserialize: raw }),
  // One ReadResponse, encoded as it arrived: the client cuts it (client.ts read, readEntities).
  Read: method('Read', { serialize: raw }, { deserialize: raw }, false, true),
  SetForwardingPipelineConfig: method('SetForwardingPipelineConfig', pb('p4.v1.SetForwardingPipelineConfigRequest'), pb('p4.v1.SetForwardingPipelineConfigResponse')),
  GetForwardingPipelineConfig: method('GetForwardingPipelineConfig', pb('p4.v1.GetForwardingPipelineConfigRequest'), pb('p4.v1.GetForwardingPipelineConfigResponse')),
  StreamChannel: method('StreamChannel', pb('p4.v1.StreamMessageRequest'), pb('p4.v1.StreamMessageResponse'), true, true),
  Capabilities: method('Capabilities', pb('p4.v1.CapabilitiesRequest'), pb('p4.v1.CapabilitiesResponse')),
} satisfies grpc.ServiceDefinition;

/** The grpc-js client class for P4Runtime with the codecs above. */
export const P4RuntimeGrpcClient = grpc.makeGenericClientConstructor(p4runtimeClientService, 'P4Runtime');

/** What the generated class's instances offer (grpc-js types them loosely). */
export interface P4RuntimeStub extends grpc.Client {
  Write(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall;
  Read(req: Buffer, md?: grpc.Metadata, opts?: grpc.CallOptions): grpc.ClientReadableStream<Buffer>;
  SetForwardingPipelineConfig(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: any) => void): grpc.ClientUnaryCall;
  GetForwardingPipelineConfig(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: any) => void): grpc.ClientUnaryCall;
  StreamChannel(md?: grpc.Metadata, opts?: grpc.CallOptions): grpc.ClientDuplexStream<object, any>;
  Capabilities(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: any) => void): grpc.ClientUnaryCall;
}
