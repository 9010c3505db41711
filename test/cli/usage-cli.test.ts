import { expect } from 'chai';
import { buildOnce, runCli } from './cli-harness.js';

// What every command answers before doing anything: --help (exit 0, usage on stdout), and bad usage
// (exit 2, the problem on stderr) — the codes scripts rely on.

describe('jobclock --help and usage errors', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(240_000);
    await buildOnce();
  });

  it('answers --help on every command with its usage and exit 0', async () => {
    for (const command of [[], ['serve'], ['migrate'], ['jobs'], ['preview'], ['events']]) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).to.equal(0);
      expect(help.stdout, command.join(' ')).to.match(new RegExp(`^Usage: ${['jobclock', ...command].join(' ')} `));
    }
  });

  it('exits 2 with a message on stderr for no command, an unknown one, or a missing option value', async () => {
    for (const args of [[], ['bogus'], ['jobs'], ['preview', '--count'], ['migrate', 'up', '--store']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.not.equal('');
    }
  });
});
