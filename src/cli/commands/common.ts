/** Flags and checks several commands share, so each is written once. */
import { UsageError, str, type Flag, type Values } from '../command';
import { DEFAULT_MAX_MB, parseMaxSize } from '../input';

export const MAX_SIZE: Flag = { name: 'max-size', value: 'MB', help: `Refuse inputs larger than this many megabytes (default ${DEFAULT_MAX_MB}).` };
export const FAIL_ON: Flag = { name: 'fail-on', value: 'error|warning|never', help: 'Exit 1 when a finding of this severity or worse exists\n(default error).' };
export const RECURSIVE: Flag = { name: 'recursive', short: 'r', help: 'A directory FILE: read the dumps in its subfolders too.' };

export const FAIL_ON_VALUES = ['error', 'warning', 'never'] as const;

/** --max-size in bytes; a usage error for anything but a positive number. */
export function maxSizeOf(v: Values, command: string): number {
  const raw = str(v, 'max-size');
  const bytes = parseMaxSize(raw);
  if (bytes === undefined) throw new UsageError(`--max-size must be a positive number of megabytes, not "${raw}".`, command);
  return bytes;
}

export const FILES_NOTE = `FILE may be - for standard input, or a directory: the .json, .yaml and .yml files in it that look like Envoy
dumps are read (others are skipped; --recursive descends into subfolders).`;
