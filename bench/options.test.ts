import { parseBenchOptions, UsageError } from './options';

describe('npm run bench options', () => {
  it('runs both workloads of the comparison by default, with a fixed seed', () => {
    expect(parseBenchOptions([])).toMatchObject({ workload: 'both', seed: 15, scaling: false, withoutDedup: false });
  });

  it.each(['identical', 'varied', 'both'])('takes --workload %s and --seed', (workload) => {
    expect(parseBenchOptions(['--workload', workload, '--seed', '42'])).toMatchObject({ workload, seed: 42 });
  });

  it.each([
    [['--workload', 'random'], '--workload must be one of identical, varied, both, got random'],
    [['--seed', '1.5'], '--seed must be a whole number, got 1.5'],
    [['--seed=-1'], '--seed must be zero or more, got -1'],
    [['--workload', 'varied', '--scaling'], '--workload and --seed belong to the comparison'],
    [['--seed', '3', '--subscriptions'], '--workload and --seed belong to the comparison'],
    [['--rate', '5'], '--rate and --subscribers belong to --subscriptions'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(UsageError);
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });

  it('returns nothing for --help', () => {
    expect(parseBenchOptions(['--help'])).toBeUndefined();
  });
});
