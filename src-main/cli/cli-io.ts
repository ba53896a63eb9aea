/** Where a command writes. A terminal stream reports isTTY and its width in columns. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What a command may touch of its process, so that tests can hand in their own. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) or SIGTERM; a second one ends the process at once.
   * Returns a function that stops listening.
   */
  onInterrupt(handler: () => void): () => void;
}

/** The real process: its streams and its signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt(handler) {
      let received = 0;
      const onSignal = (): void => {
        received += 1;
        if (received === 1) handler();
        else process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
  };
}
