import { CatalogEvents, CatalogRpc, CreateProduct, TopProductsQuery } from './index.js';

describe('catalog contracts', () => {
  it('prefixes every pattern with catalog', () => {
    for (const rpc of Object.values(CatalogRpc)) expect(rpc.pattern).toBe(`catalog.${rpc.pattern.split('.')[1]}`);
  });

  it('takes prices with at most two decimals and whole, non-negative stock', () => {
    const ok = { name: ' Mug ', price: 19.99, stock: 0 };
    expect(CreateProduct.parse(ok)).toEqual({ name: 'Mug', price: 19.99, stock: 0 });
    for (const bad of [{ price: 0.001 }, { price: 0 }, { price: -1 }, { stock: 1.5 }, { stock: -1 }, { name: '   ' }, { extra: true }]) {
      expect(CreateProduct.safeParse({ ...ok, ...bad }).success).toBe(false);
    }
    expect(CreateProduct.safeParse({ ...ok, price: 0.1 + 0.2 }).success).toBe(true);
  });

  it('reads ?limit from a query string, 10 by default, 1 to 100', () => {
    expect(TopProductsQuery.parse({})).toEqual({ limit: 10 });
    expect(TopProductsQuery.parse({ limit: '25' })).toEqual({ limit: 25 });
    for (const limit of ['0', '101', 'x', '2.5']) expect(TopProductsQuery.safeParse({ limit }).success).toBe(false);
  });

  it('names the stock event as the product contract does', () => {
    expect(CatalogEvents.stockUpdated.name).toBe('stock.updated');
  });
});
