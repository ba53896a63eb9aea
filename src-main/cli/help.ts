import type { CommandName } from './args.js';

const exitCodes = `Exit codes:
  0    the command completed
  1    internal error (a bug in sockscope; the only case that prints a stack trace)
  2    bad usage, or an invalid profile or result; the message names the field
  3    the run could not be carried out (address in use, permission denied, host not found)
  130  stopped with Ctrl-C; the result is still written`;

const topLevel = `Usage: sockscope COMMAND [options]

Runs TCP and UDP servers and clients through a native socket engine and reports what the sockets did.

Commands:
  run PROFILE.json     run a profile and report bytes, throughput, latency, errors and findings
  run --profile NAME   run a built-in profile
  report RESULT.json   summarize a result, or export it as CSV files and a pcapng capture
  profiles             list the built-in profiles and what each shows
  help [COMMAND]       show the help of a command

Options:
  -h, --help           show this help

${exitCodes}

"sockscope COMMAND --help" shows the options of a command.
`;

const run = `Usage: sockscope run PROFILE.json [--duration SECONDS] [--out RESULT.json] [--quiet]
       sockscope run --profile NAME [--duration SECONDS] [--out RESULT.json] [--quiet]

Runs the servers and clients of a profile on this machine. On a terminal, a progress line shows the
elapsed time, bytes in and out, connections open/total, latency p50/p99 so far and errors. Ctrl-C
stops the run early and still writes the result. After the summary come the findings: what looks
wrong or worth knowing (a Nagle stall, a full receive window, a reset, an option the kernel changed),
each with the figures behind it.

Options:
  -p, --profile NAME       run a built-in profile ("sockscope profiles" lists them)
  -d, --duration SECONDS   run this long instead of the profile's durationMs (10, 0.5)
  -o, --out RESULT.json    write the whole result as JSON to this file ("-": to stdout);
                           without --out, a summary table is printed
  -q, --quiet              no progress line and no note about the written file
  -h, --help               show this help

Profiles are JSON files described by schemas/profile.schema.json; the built-in ones are in the
package's profiles/ folder.

${exitCodes}
`;

const report = `Usage: sockscope report RESULT.json [--csv DIR] [--pcapng FILE]

Reads a result written by "sockscope run --out". Without options, prints its summary table.

Options:
  --csv DIR       write CSV files into DIR (created if missing): ENDPOINT-samples.csv with the
                  sampled series of each endpoint (kernel queues, TCP_INFO), events.csv and
                  capture.csv; an empty cell is a value the kernel did not report
  --pcapng FILE   write the capture as a pcapng file for Wireshark or tshark: one exported PDU
                  per read or write, with addresses, ports and the first bytes of the payload
                  (frame length = the real size, captured length = the bytes kept)
  -h, --help      show this help

${exitCodes}
`;

const profiles = `Usage: sockscope profiles

Lists the built-in profiles: name, file and what each shows (the first sentence of its description).
Run one with "sockscope run --profile NAME"; its description says what to look at and what to
conclude, and the findings printed after the run point at it.

Options:
  -h, --help   show this help

${exitCodes}
`;

const help = `Usage: sockscope help [COMMAND]

Shows the help of COMMAND (run, report, profiles, help), or the list of commands.
`;

/** The text of --help for a command, or of the top level when topic is null. */
export function helpText(topic: CommandName | null): string {
  switch (topic) {
    case null:
      return topLevel;
    case 'run':
      return run;
    case 'report':
      return report;
    case 'profiles':
      return profiles;
    case 'help':
      return help;
  }
}
