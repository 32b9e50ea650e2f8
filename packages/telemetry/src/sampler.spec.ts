import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { NoInternalRootSampler, samplerFromEnv } from './sampler.js';

const TRACE_ID = 'd4cda95b652f4a1592b449d5929fda1b';
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: '6e0c63257de34c92',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

function decide(env: Record<string, string>, kind: SpanKind, parent = ROOT_CONTEXT): SamplingDecision {
  return new NoInternalRootSampler(samplerFromEnv(env)).shouldSample(parent, TRACE_ID, 'span', kind, {}, []).decision;
}

describe('samplerFromEnv with NoInternalRootSampler', () => {
  it('samples every request by default, and follows the parent', () => {
    expect(samplerFromEnv({}).toString()).toBe('ParentBased{root=AlwaysOnSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}');
    expect(decide({}, SpanKind.SERVER)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('with a parent-based ratio of 0 starts no trace but continues a sampled caller', () => {
    const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    expect(decide(env, SpanKind.SERVER)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(env, SpanKind.SERVER, sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('never starts a trace with an INTERNAL span, but keeps INTERNAL spans inside one', () => {
    expect(decide({}, SpanKind.INTERNAL)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, SpanKind.INTERNAL)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({}, SpanKind.INTERNAL, sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({}, SpanKind.CONSUMER)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('fails on a sampler or ratio it cannot honour, with the variable named', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow('OTEL_TRACES_SAMPLER=jaeger_remote is not supported');
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(
      'OTEL_TRACES_SAMPLER_ARG=1.5 is not a sampling ratio between 0 and 1',
    );
  });
});
