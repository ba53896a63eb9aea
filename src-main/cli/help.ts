import type { CommandName } from './args.js';

const exitCodes = `Exit codes:
  0    the command completed
  1    internal error (a bug in sockscope; the only case that prints a stack trace)
  2    bad usage or an invalid profile; the message names the field
  3    the run could not be carried out (address in use, permission denied, host not found)
  130  stopped with Ctrl-C; the result is still written`;

const topLevel = `Usage: sockscope COMMAND [options]

Runs TCP and UDP servers and clients through a native socket engine and reports what the sockets did.

Commands:
  run PROFILE.json   run a profile and report bytes, throughput, latency and errors
  help [COMMAND]     show the help of a command

Options:
  -h, --help         show this help

${exitCodes}

"sockscope COMMAND --help" shows the options of a command.
`;

const run = `Usage: sockscope run PROFILE.json [--duration SECONDS] [--out RESULT.json] [--quiet]

Runs the servers and clients of a profile on this machine. On a terminal, a progress line shows the
elapsed time, bytes in and out, connections open/total, latency p50/p99 so far and errors. Ctrl-C
stops the run early and still writes the result.

Options:
  -d, --duration SECONDS   run this long instead of the profile's durationMs (10, 0.5)
  -o, --out RESULT.json    write the whole result as JSON to this file ("-": to stdout);
                           without --out, a summary table is printed
  -q, --quiet              no progress line and no note about the written file
  -h, --help               show this help

Profiles are JSON files described by schemas/profile.schema.json; examples are in profiles/.

${exitCodes}
`;

const help = `Usage: sockscope help [COMMAND]

Shows the help of COMMAND (run, help), or the list of commands.
`;

/** The text of --help for a command, or of the top level when topic is null. */
export function helpText(topic: CommandName | null): string {
  switch (topic) {
    case null:
      return topLevel;
    case 'run':
      return run;
    case 'help':
      return help;
  }
}
