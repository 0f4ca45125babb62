/** Where progress goes: stderr, or a fake in the specs. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** Stops the ticks; on a terminal it also clears the progress line. */
  stop(): void;
}

/**
 * Every `intervalMs`, "<label>: N message(s) emitted so far": rewritten in place on a terminal, one line
 * per tick otherwise (`tgate run --progress` with stderr in a file or a pipe).
 */
export function startProgress(stream: ProgressStream, label: string, count: () => number, intervalMs = 1000): Progress {
  const tty = stream.isTTY === true;
  let shown = false;
  const timer = setInterval(() => {
    const text = `${label}: ${count()} message(s) emitted so far`;
    stream.write(tty ? `\r${text}` : `${text}\n`);
    shown = true;
  }, intervalMs);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (tty && shown) stream.write('\r\x1b[K');
    },
  };
}
