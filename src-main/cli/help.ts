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
  report RESULT.json   summarize a result, or export it as CSV files, a pcapng capture or an HTML page
  compare RESULTS...   compare results side by side per endpoint, changes against the first
  profiles             list the built-in profiles and what each shows
  agent                serve the workbench to browsers, with the engine on this machine
  help [COMMAND]       show the help of a command

Options:
  -h, --help           show this help

${exitCodes}

"sockscope COMMAND --help" shows the options of a command.
`;

const run = `Usage: sockscope run PROFILE.json [--duration SECONDS] [--out RESULT.json] [--report FILE.html] [--quiet]
       sockscope run --profile NAME [--duration SECONDS] [--out RESULT.json] [--report FILE.html] [--quiet]

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
      --report FILE.html   also write the HTML report of the run (as "sockscope report --html")
  -q, --quiet              no progress line and no note about the written file
  -h, --help               show this help

Profiles are JSON files described by schemas/profile.schema.json; the built-in ones are in the
package's profiles/ folder.

${exitCodes}
`;

const report = `Usage: sockscope report RESULT.json [--csv DIR] [--pcapng FILE] [--html FILE]

Reads a result written by "sockscope run --out". Without options, prints its summary table.

Options:
  --csv DIR       write CSV files into DIR (created if missing): ENDPOINT-samples.csv with the
                  sampled series of each endpoint (kernel queues, TCP_INFO), events.csv and
                  capture.csv; an empty cell is a value the kernel did not report
  --pcapng FILE   write the capture as a pcapng file for Wireshark or tshark: one exported PDU
                  per read or write, with addresses, ports and the first bytes of the payload
                  (frame length = the real size, captured length = the bytes kept)
  --html FILE     write a self-contained HTML page that opens offline in any browser: profile,
                  environment, findings, charts of throughput, kernel queues and RTT, latency,
                  counters, connection timelines with their TCP states, and the first bytes of
                  the stream; it runs no scripts and loads nothing
  -h, --help      show this help

${exitCodes}
`;

const compare = `Usage: sockscope compare A.json B.json [MORE.json...] [--html FILE]

Shows results of "sockscope run --out" side by side: a table per endpoint id with throughput in and
out, latency p50/p90/p99, messages, threads, connections and errors, one column per result. Each
column after the first shows its change against the first result ("+35% ↑"); on a terminal, a
change for the better is green and one for the worse red.

Options:
  --html FILE   also write the comparison as a self-contained HTML page
  -h, --help    show this help

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

const agent = `Usage: sockscope agent [--host 127.0.0.1] [--port N] [--token TOKEN] [--profiles DIR]

Serves the Sockscope workbench to a browser: the renderer over HTTP, the API over a WebSocket, the
engine in a child process on this machine. Prints the URL to open, with its token; every request
needs the token (the first page load trades it for a cookie). Runs until Ctrl-C (exit code 0).

Options:
  --host ADDRESS   the address to listen on (default 127.0.0.1); anything but loopback prints a
                   warning: whoever reaches the port and learns the token controls the engine,
                   and HTTP is not encrypted
  --port N         the port (default 0: any free port, printed in the URL)
  --token TOKEN    the token to require (16 to 256 letters, digits, "-", "_", ".", "~");
                   default: 24 random bytes, new at each start
  --profiles DIR   where browsers save profiles, as NAME.json (default:
                   $XDG_DATA_HOME/sockscope/profiles, or ~/.local/share/sockscope/profiles)
  -h, --help       show this help

The pages are the desktop renderer's build (out/renderer, made by "npm run build:app").

${exitCodes}
`;

const help = `Usage: sockscope help [COMMAND]

Shows the help of COMMAND (run, report, compare, profiles, agent, help), or the list of commands.
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
    case 'compare':
      return compare;
    case 'profiles':
      return profiles;
    case 'agent':
      return agent;
    case 'help':
      return help;
  }
}
