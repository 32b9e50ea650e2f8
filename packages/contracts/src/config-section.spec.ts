import { z } from 'zod';
import { defineConfigSection } from './config-section.js';

describe('defineConfigSection', () => {
  const Limits = defineConfigSection('limits', {
    maxItems: z.number().int().min(1).max(100).default(10),
    mode: z.enum(['strict', 'lenient']).default('strict'),
  });

  it('keys the section\'s part of the document as <section>.<field>, with every default', () => {
    expect(Limits.defaults).toEqual({ 'limits.maxItems': 10, 'limits.mode': 'strict' });
    expect(Limits.schema.parse({ 'limits.maxItems': 3 })).toEqual({ 'limits.maxItems': 3, 'limits.mode': 'strict' });
    expect(Limits.schema.safeParse({ 'limits.typo': 1 }).error?.issues[0]?.message).toBe('Unrecognized key: "limits.typo"');
    expect(Limits.schema.safeParse({ 'limits.maxItems': 0 }).success).toBe(false);
  });

  it('refuses a field without a default, a refinement, a transform and dotted names', () => {
    expect(() => defineConfigSection('a', { n: z.number() })).toThrow('config section a: a.n: needs a default');
    expect(() => defineConfigSection('a', { n: z.number().optional() })).toThrow('a.n: needs a default');
    expect(() => defineConfigSection('a', { n: z.number().refine((n) => n % 2 === 0).default(2) })).toThrow('a.n: a refinement cannot be expressed in JSON Schema');
    expect(() => defineConfigSection('a', { n: z.string().transform(Number).default(1) })).toThrow(TypeError);
    expect(() => defineConfigSection('a.b', { n: z.number().default(1) })).toThrow('a section name is a lower-camel-case word');
    expect(() => defineConfigSection('a', { 'n.m': z.number().default(1) })).toThrow('a.n.m: a field name is a camel-case word');
  });
});
