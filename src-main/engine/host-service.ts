import { hostRequestSchema, type HostFailure, type HostReply, type HostRequest } from '../../src-shared/engine-protocol.js';
import { ValidationError, describeIssues } from '../../src-shared/validation.js';
import { isEngineError } from './engine-error.js';
import { Run } from './run.js';

/** A message channel to the parent: process IPC under the agent, a MessagePort under Electron. */
export interface HostChannel {
  send(reply: HostReply): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function describeFailure(error: unknown): HostFailure {
  if (error instanceof ValidationError) return { code: error.code, message: error.message, problems: error.problems };
  if (isEngineError(error)) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'EINTERNAL', message };
}

/**
 * The engine host: runs profiles on request and streams their batches back. Every request is
 * validated here, the receiving side; a bad one is answered, never acted on.
 */
export function serveEngineHost(channel: HostChannel): { stopAll(): Promise<void> } {
  const runs = new Map<string, Run>();

  const handle = async (request: HostRequest): Promise<void> => {
    switch (request.type) {
      case 'start': {
        if (runs.has(request.runId)) {
          channel.send({ type: 'failed', runId: request.runId, failure: { code: 'EEXIST', message: `run ${request.runId} is already running` } });
          return;
        }
        try {
          const run = await Run.start(request.profile, {
            ...(request.durationMs !== undefined && { durationMs: request.durationMs }),
            onBatch: (batch, progress) => channel.send({ type: 'batch', runId: request.runId, batch, progress }),
          });
          runs.set(request.runId, run);
          channel.send({ type: 'started', runId: request.runId, listen: run.listen });
          const result = await run.finished;
          runs.delete(request.runId);
          channel.send({ type: 'finished', runId: request.runId, result });
        } catch (error) {
          channel.send({ type: 'failed', runId: request.runId, failure: describeFailure(error) });
        }
        return;
      }
      case 'stop':
        await runs.get(request.runId)?.stop('stopped');
        return;
      case 'command': {
        const run = runs.get(request.runId);
        let failure: HostFailure | null = null;
        try {
          if (!run) throw new ValidationError('the command', [{ path: 'runId', message: `no run ${request.runId}` }]);
          run.command(request.target, request.body);
        } catch (error) {
          failure = describeFailure(error);
        }
        channel.send({ type: 'command-done', runId: request.runId, requestId: request.requestId, failure });
        return;
      }
    }
  };

  channel.onMessage((message) => {
    const parsed = hostRequestSchema.safeParse(message);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error).map((problem) => `${problem.path}: ${problem.message}`);
      channel.send({ type: 'protocol-error', message: `refused a malformed request: ${problems.join('; ')}` });
      return;
    }
    void handle(parsed.data);
  });

  return {
    stopAll: async () => {
      await Promise.all([...runs.values()].map((run) => run.stop('host shutting down')));
    },
  };
}
