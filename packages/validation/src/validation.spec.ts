import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { describeIssues, ZodValidationPipe } from './index.js';

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(z.object({ name: z.string().min(1), price: z.number().positive() }).strict());

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: 'mug', price: 3 })).toEqual({ name: 'mug', price: 3 });
  });

  it('answers 400 naming every bad field', () => {
    let caught: unknown;
    try {
      pipe.transform({ name: '', price: 'x', extra: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadRequestException);
    const message = (caught as BadRequestException).message;
    expect(message).toMatch(/name: /);
    expect(message).toMatch(/price: /);
    expect(message).toMatch(/extra/);
  });
});

describe('describeIssues', () => {
  it('gives one "path: problem" per issue, joined by "; "', () => {
    const result = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: 'x' } });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toMatch(/^a\.b: .+$/);
  });
});
