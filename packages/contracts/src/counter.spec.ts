import { defineCounter } from './counter.js';

describe('defineCounter', () => {
  it('declares a frozen counter with its labels in order', () => {
    const counter = defineCounter({ name: 'orders_total', help: 'Orders placed, by channel.', labels: ['channel', 'region'] });
    expect(counter).toEqual({ name: 'orders_total', help: 'Orders placed, by channel.', labels: ['channel', 'region'] });
    expect(Object.isFrozen(counter) && Object.isFrozen(counter.labels)).toBe(true);
    expect(defineCounter({ name: 'visits_total', help: 'Visits.' }).labels).toEqual([]);
  });

  it('refuses what Prometheus or the Redis layout could not take', () => {
    expect(() => defineCounter({ name: 'orders', help: 'x' })).toThrow('counter orders: the name must be a Prometheus metric name ending in _total');
    expect(() => defineCounter({ name: 'index', help: 'x' })).toThrow(TypeError);
    expect(() => defineCounter({ name: 'orders-placed_total', help: 'x' })).toThrow(TypeError);
    expect(() => defineCounter({ name: 'orders_total', help: ' ' })).toThrow('help must say what the counter counts');
    expect(() => defineCounter({ name: 'orders_total', help: 'x', labels: ['a=b'] })).toThrow('label "a=b" is not a Prometheus label name');
    expect(() => defineCounter({ name: 'orders_total', help: 'x', labels: ['__name'] })).toThrow(TypeError);
    expect(() => defineCounter({ name: 'orders_total', help: 'x', labels: ['a', 'a'] })).toThrow('a label is declared twice');
  });
});
