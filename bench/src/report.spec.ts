import { renderReport, type RunResults } from './report.js';

const results: RunResults = {
  startedAt: '2026-11-23T00:00:00.000Z',
  durationS: 600,
  settings: { mode: 'full', rounds: 5, primeMs: 3_000, stackPrimeMs: 12_000, warmupMs: 500, measureMs: 2_500, httpMeasureMs: 4_000, concurrency: 64, stampede: 200, cpuProfDir: undefined, only: ['rpc'] },
  machine: {
    cpuModel: 'AMD EPYC',
    cores: 2,
    memoryGiB: 24,
    os: 'Linux 6',
    node: 'v20.20.2',
    redis: '7.0.15',
    nats: '2.9.10',
    loadAverageAtStart: [1, 2, 3],
    cpuBusyBeforeStart: 0.5,
  },
  scenarios: [
    {
      id: 'rpc',
      title: 'RPC',
      status: 'ok',
      durationS: 100,
      figures: {},
      extra: {},
      tables: [{ columns: ['transport', 'p50'], rows: [['a|b', '0.5']] }],
      notes: ['a note'],
      targets: [{ target: 'fast', measured: '1 vs 2', met: false }],
    },
    { id: 'replicas', title: 'Replicas', status: 'skipped', reason: 'no replicas yet', durationS: 0, figures: {}, extra: {}, tables: [], notes: [], targets: [] },
  ],
};

describe('renderReport', () => {
  it('describes the machine, every target with its verdict, and every scenario', () => {
    const report = renderReport(results);
    expect(report).toContain('| CPU | AMD EPYC, 2 cores');
    expect(report).toContain('| load average at start (1/5/15 min) | 1 / 2 / 3 |');
    expect(report).toContain('| NATS | 2.9.10 (a nats-server of the run');
    expect(report).toContain('| RPC | fast | 1 vs 2 | **missed** |');
    expect(report).toContain('| Replicas |  | skipped: no replicas yet | not measured |');
    // A pipe inside a cell must not split the table.
    expect(report).toContain('| a\\|b | 0.5 |');
    expect(report).toContain('- a note');
  });
});

describe('renderReport without NATS', () => {
  it('leaves the NATS line out when no scenario started a nats-server', () => {
    const { nats: _none, ...machine } = results.machine;
    expect(renderReport({ ...results, machine })).not.toContain('| NATS |');
  });
});
