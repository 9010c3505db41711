import type { Command } from 'commander';
import { systemClock } from '../clock/clock.js';
import { defaultConfig } from '../config/default-config.js';
import { DEFAULT_PREVIEW_COUNT } from '../triggers/preview.js';
import { printResult, withJsonOption } from './output.js';

interface PreviewCommandOptions {
  readonly trigger?: string;
  readonly count: string;
  readonly tz?: string;
  readonly from?: string;
  readonly json?: boolean;
}

/** `jobclock preview '<crontab line>' | --trigger '<json>' [--count N] [--tz Zone] [--from Date]`: offline. */
export function addPreviewCommand(program: Command): void {
  withJsonOption(
    program
      .command('preview')
      .description('print the next fire times of a crontab line or a trigger, one ISO 8601 time (with offset) a line; nothing is stored')
      .argument('[crontab]', 'a crontab line, such as "0 9 * * mon-fri"')
      .option('--trigger <json>', 'the trigger part of a job body instead, such as \'{"trigger": "interval", "minutes": 5}\'')
      .option('--count <n>', 'how many fire times (1 to 1000)', String(DEFAULT_PREVIEW_COUNT))
      .option('--tz <zone>', `the IANA time zone to read the trigger in (default ${defaultConfig.timezone}, as the server's)`)
      .option('--from <date>', 'fire times after this ISO 8601 instant, instead of now'),
  ).action(async (crontab: string | undefined, options: PreviewCommandOptions) => {
    const { previewTrigger } = await import('./trigger-preview.js');
    const times = previewTrigger({ ...options, crontab, defaultTimezone: defaultConfig.timezone, now: systemClock.now() });
    printResult(options.json ?? false, { fire_times: times }, (preview) => preview.fire_times);
  });
}
