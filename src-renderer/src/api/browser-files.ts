/**
 * The browser's side of result files and report downloads, for the agent bridge: a browser picks
 * a result file itself (the agent has no dialog) and saves what the agent sends as downloads.
 */
export interface BrowserFiles {
  /** Shows the file picker; the file chosen, or null when the user cancels. */
  pick(accept: string): Promise<File | null>;
  /** The file's bytes, gzipped, to fit a large result into one message to the agent. */
  gzip(file: Blob): Promise<Uint8Array>;
  /** Hands bytes to the browser as a download under this name. */
  download(name: string, mediaType: string, bytes: Uint8Array): void;
}

export const browserFiles: BrowserFiles = {
  pick(accept) {
    return new Promise((resolve) => {
      const input = document.createElement('input');
      input.type = 'file';
      input.accept = accept;
      input.hidden = true;
      const done = (file: File | null) => {
        input.remove();
        resolve(file);
      };
      input.addEventListener('change', () => done(input.files?.[0] ?? null), { once: true });
      input.addEventListener('cancel', () => done(null), { once: true });
      document.body.append(input);
      // Called before any await, while the click that asked for it still counts as a user gesture.
      input.click();
    });
  },
  async gzip(file) {
    const stream = file.stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  },
  download(name, mediaType, bytes) {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mediaType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    // The download has taken its copy once click() returned.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  },
};
