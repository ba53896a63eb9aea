import { parseArgs } from 'node:util';
import { tokenPattern } from '../agent/access.js';
import { UsageError, errorCode } from './exit-codes.js';

export const commandNames = ['run', 'report', 'compare', 'profiles', 'agent', 'help'] as const;
export type CommandName = (typeof commandNames)[number];

export interface RunArguments {
  /** The profile file named on the command line; undefined when --profile names a built-in one. */
  profilePath: string | undefined;
  /** From --profile: a built-in profile, found in the package's profiles/ folder. */
  profileName: string | undefined;
  /** From --duration; undefined keeps the profile's durationMs. */
  durationMs: number | undefined;
  /** From --out; undefined prints a summary instead, "-" writes the JSON to stdout. */
  outPath: string | undefined;
  quiet: boolean;
  /** From --report: the HTML report to write at the end of the run. */
  reportPath: string | undefined;
}

export interface ReportArguments {
  resultPath: string;
  /** From --csv: the directory for the CSV files, created when missing. */
  csvDirectory: string | undefined;
  /** From --pcapng: the capture file to write. */
  pcapngPath: string | undefined;
  /** From --html: the HTML report to write. */
  htmlPath: string | undefined;
}

export interface CompareArguments {
  /** Two or more result files; the first is the base the others are compared against. */
  resultPaths: string[];
  /** From --html: also write the comparison as an HTML page. */
  htmlPath: string | undefined;
}

export interface AgentArguments {
  /** From --host: the address to listen on (default 127.0.0.1). */
  host: string;
  /** From --port: 0 picks a free port. */
  port: number;
  /** From --token; undefined generates one. */
  token: string | undefined;
  /** From --profiles: where browsers save profiles; undefined is the user's data folder. */
  profilesDir: string | undefined;
}

/** What the command line asks for. `help` with topic null is the top-level help. */
export type CommandLine =
  | { command: 'help'; topic: CommandName | null }
  | { command: 'run'; args: RunArguments }
  | { command: 'report'; args: ReportArguments }
  | { command: 'compare'; args: CompareArguments }
  | { command: 'profiles' }
  | { command: 'agent'; args: AgentArguments };

/** The longest run a profile may ask for (profile.ts allows durationMs up to 24 hours). */
const maxDurationMs = 24 * 3600 * 1000;

type OptionSpec = { type: 'string' | 'boolean'; short?: string };
type OptionSpecs = Record<string, OptionSpec>;

const helpOption = { help: { type: 'boolean', short: 'h' } } as const satisfies OptionSpecs;
const runOptions = {
  ...helpOption,
  duration: { type: 'string', short: 'd' },
  out: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  profile: { type: 'string', short: 'p' },
  report: { type: 'string' },
} as const satisfies OptionSpecs;
const reportOptions = {
  ...helpOption,
  csv: { type: 'string' },
  pcapng: { type: 'string' },
  html: { type: 'string' },
} as const satisfies OptionSpecs;
const compareOptions = {
  ...helpOption,
  html: { type: 'string' },
} as const satisfies OptionSpecs;

const agentOptions = {
  ...helpOption,
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  profiles: { type: 'string' },
} as const satisfies OptionSpecs;

/** Parses the arguments after `sockscope`; throws a UsageError that names what was wrong. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command', null);
  if (first.startsWith('-')) {
    const { values, positionals } = parseStrict(argv, helpOption, null);
    if (!values.help) throw new UsageError('missing command', null);
    const topic = positionals[0];
    return { command: 'help', topic: topic !== undefined && isCommandName(topic) ? topic : null };
  }
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}"; the commands are ${commandNames.join(', ')}`, null);
  switch (first) {
    case 'run':
      return parseRun(rest);
    case 'report':
      return parseReport(rest);
    case 'compare':
      return parseCompare(rest);
    case 'profiles':
      return parseProfiles(rest);
    case 'agent':
      return parseAgent(rest);
    case 'help':
      return parseHelp(rest);
  }
}

function parseHelp(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, helpOption, 'help');
  if (values.help) return { command: 'help', topic: 'help' };
  if (positionals.length > 1) throw new UsageError(`help takes one command name, got ${positionals.length}`, 'help');
  const topic = positionals[0];
  if (topic === undefined) return { command: 'help', topic: null };
  if (!isCommandName(topic)) throw new UsageError(`unknown command "${topic}"; the commands are ${commandNames.join(', ')}`, 'help');
  return { command: 'help', topic };
}

function parseRun(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, runOptions, 'run');
  if (values.help) return { command: 'help', topic: 'run' };
  const profileName = values.profile;
  if (profileName === '') throw new UsageError('--profile needs a name; "sockscope profiles" lists them', 'run');
  if (profileName !== undefined && positionals.length > 0) {
    throw new UsageError(`run takes a profile file or --profile NAME, not both: ${positionals.join(' ')} and --profile ${profileName}`, 'run');
  }
  if (profileName === undefined && positionals.length === 0) {
    throw new UsageError('missing the profile: sockscope run PROFILE.json, or a built-in one with sockscope run --profile NAME', 'run');
  }
  if (positionals.length > 1) {
    throw new UsageError(`run takes one profile, got ${positionals.length}: ${positionals.join(' ')}`, 'run');
  }
  const out = values.out;
  if (out === '') throw new UsageError('--out needs a file name (or "-" for stdout)', 'run');
  if (values.report === '') throw new UsageError('--report needs a file name, such as report.html', 'run');
  return {
    command: 'run',
    args: {
      profilePath: positionals[0],
      profileName,
      durationMs: values.duration === undefined ? undefined : parseDurationSeconds(values.duration),
      outPath: out,
      quiet: values.quiet ?? false,
      reportPath: values.report,
    },
  };
}

function parseReport(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, reportOptions, 'report');
  if (values.help) return { command: 'help', topic: 'report' };
  if (positionals.length === 0) throw new UsageError('missing the result: sockscope report RESULT.json', 'report');
  if (positionals.length > 1) {
    throw new UsageError(`report takes one result, got ${positionals.length}: ${positionals.join(' ')}`, 'report');
  }
  if (values.csv === '') throw new UsageError('--csv needs a directory name', 'report');
  if (values.pcapng === '') throw new UsageError('--pcapng needs a file name', 'report');
  if (values.html === '') throw new UsageError('--html needs a file name', 'report');
  return {
    command: 'report',
    args: { resultPath: positionals[0] as string, csvDirectory: values.csv, pcapngPath: values.pcapng, htmlPath: values.html },
  };
}

function parseCompare(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, compareOptions, 'compare');
  if (values.help) return { command: 'help', topic: 'compare' };
  if (positionals.length < 2) {
    throw new UsageError(`compare takes two or more results, got ${positionals.length}: sockscope compare A.json B.json [...]`, 'compare');
  }
  if (values.html === '') throw new UsageError('--html needs a file name', 'compare');
  return { command: 'compare', args: { resultPaths: positionals, htmlPath: values.html } };
}

function parseProfiles(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, helpOption, 'profiles');
  if (values.help) return { command: 'help', topic: 'profiles' };
  if (positionals.length > 0) throw new UsageError(`profiles takes no arguments, got ${positionals.join(' ')}`, 'profiles');
  return { command: 'profiles' };
}

function parseAgent(argv: readonly string[]): CommandLine {
  const { values, positionals } = parseStrict(argv, agentOptions, 'agent');
  if (values.help) return { command: 'help', topic: 'agent' };
  if (positionals.length > 0) throw new UsageError(`agent takes no arguments, got ${positionals.join(' ')}`, 'agent');
  if (values.host === '') throw new UsageError('--host needs an address, such as 127.0.0.1', 'agent');
  if (values.profiles === '') throw new UsageError('--profiles needs a directory name', 'agent');
  if (values.token !== undefined && !tokenPattern.test(values.token)) {
    throw new UsageError('--token takes 16 to 256 letters, digits, "-", "_", "." or "~"', 'agent');
  }
  let port = 0;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port takes a port from 0 to 65535; got "${values.port}"`, 'agent');
    port = Number(values.port);
  }
  return { command: 'agent', args: { host: values.host ?? '127.0.0.1', port, token: values.token, profilesDir: values.profiles } };
}

/** Reads --duration: decimal seconds ("10", "0.5"), returned in whole milliseconds. */
export function parseDurationSeconds(text: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(text)) {
    throw new UsageError(`--duration takes seconds, such as 10 or 0.5; got "${text}"`, 'run');
  }
  const durationMs = Math.round(Number(text) * 1000);
  if (durationMs < 1 || durationMs > maxDurationMs) {
    throw new UsageError(`--duration must be from 0.001 to ${maxDurationMs / 1000} seconds; got ${text}`, 'run');
  }
  return durationMs;
}

function isCommandName(name: string): name is CommandName {
  return (commandNames as readonly string[]).includes(name);
}

/**
 * parseArgs in strict mode, with its errors turned into UsageErrors that name the option. Node's
 * own messages give advice about "--" that does not fit here, so the option is found again in a
 * lenient parse of the same arguments.
 */
function parseStrict<T extends OptionSpecs>(argv: readonly string[], options: T, command: string | null) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    throw new UsageError(describeOptionProblem(argv, options, command) ?? (error as Error).message, command);
  }
}

function describeOptionProblem(argv: readonly string[], options: OptionSpecs, command: string | null): string | undefined {
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const where = command === null ? '' : ` for "${command}"`;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) return `unknown option ${token.rawName}${where}`;
    if (spec.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value`;
    if (spec.type === 'string' && token.value === undefined) return `${token.rawName} needs a value`;
    if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return `${token.rawName} needs a value; write ${token.rawName}=${token.value} for a value that starts with "-"`;
    }
  }
  return undefined;
}
