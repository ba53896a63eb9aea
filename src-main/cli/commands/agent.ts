import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultRendererDir, startAgent, type AgentHandle } from '../../agent/agent.js';
import type { AgentArguments } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode, type ExitCodeValue, errorCode, withCode } from '../exit-codes.js';

/** Where browsers' profiles go without --profiles: the user's data folder (XDG). */
export function defaultProfilesDir(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  return join(dataHome, 'sockscope', 'profiles');
}

/** `sockscope agent`: serves the workbench to browsers until Ctrl-C. */
export async function agentCommand(args: AgentArguments, io: CliIo): Promise<ExitCodeValue> {
  const profilesDir = resolve(args.profilesDir ?? defaultProfilesDir());
  const warn = (message: string): void => void io.stderr.write(`${message}\n`);
  if (!existsSync(join(defaultRendererDir(), 'index.html'))) {
    warn(`sockscope agent: warning: the renderer is not built (${defaultRendererDir()} has no index.html); run "npm run build:app" for the pages`);
  }

  let agent: AgentHandle;
  try {
    agent = await startAgent({ host: args.host, port: args.port, token: args.token, profilesDir, warn });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new CliFailure(ExitCode.cannotRun, withCode(`cannot listen on ${args.host}:${args.port}: ${(error as Error).message}`, code));
    }
    throw error;
  }

  io.stdout.write(`sockscope agent: open ${agent.url}\n`);
  io.stdout.write(`  profiles saved from the browser go to ${profilesDir}\n  Ctrl-C stops the agent\n`);
  await new Promise<void>((resolveStop) => {
    const stopListening = io.onInterrupt(() => {
      stopListening();
      resolveStop();
    });
  });
  await agent.close();
  io.stderr.write('sockscope agent: stopped\n');
  return ExitCode.ok;
}
