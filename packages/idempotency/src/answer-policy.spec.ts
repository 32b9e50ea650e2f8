import { keepsAnswer } from './answer-policy.js';

describe('which answers are kept for replay', () => {
  it('keeps what happened or may have happened part way: 2xx, 3xx, 500, 502', () => {
    expect([200, 201, 202, 204, 303, 500, 502].filter(keepsAnswer)).toEqual([200, 201, 202, 204, 303, 500, 502]);
  });

  it('releases the key when nothing happened (every 4xx, 503) or a retry is answered from the services\' memory (504)', () => {
    expect([400, 401, 403, 404, 409, 413, 422, 429, 503, 504].filter(keepsAnswer)).toEqual([]);
  });
});
