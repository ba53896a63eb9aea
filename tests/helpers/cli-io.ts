import type { CliIo } from '../../src-main/cli/cli-io.js';

/** A CliIo that records what a command writes, and never sees an interrupt. */
export function recordingIo(isTTY = false): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (text: string) => out.push(text), isTTY },
    stderr: { write: (text: string) => err.push(text) },
    onInterrupt: () => () => {},
  };
}
