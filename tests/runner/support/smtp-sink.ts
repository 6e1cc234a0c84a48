/**
 * A real SMTP server in its own process (the `smtp-server` package) that
 * accepts every message and prints each as one JSON line on stdout:
 * `{"from":…,"to":[…],"data":"<the raw message>"}`. Started by
 * {@linkcode startSmtpSink}; as a script it listens on SMTP_SINK_PORT (0 = any)
 * and prints `ready <port>` first.
 *
 * @module
 */
import { resolve } from "node:path";
import { pumpLines } from "./runner-process.ts";

/** A received message. */
export interface SunkMail {
  from: string;
  to: string[];
  data: string;
}

/** The running sink. */
export interface SmtpSink {
  url: string;
  mails: SunkMail[];
  /** Resolves when `n` messages have arrived. */
  received(n: number, timeoutMs?: number): Promise<SunkMail[]>;
  stop(): Promise<void>;
}

if (import.meta.main) {
  const { SMTPServer } = await import("smtp-server");
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        console.log(JSON.stringify({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString("utf8"),
        }));
        callback();
      });
    },
  });
  server.listen(Number(process.env.SMTP_SINK_PORT ?? 0), "127.0.0.1", () => {
    const address = server.server.address();
    console.log(`ready ${typeof address === "object" && address ? address.port : 0}`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/**
 * Starts the sink as its own process.
 *
 * @example
 * ```ts
 * const sink = await startSmtpSink();
 * // NOTIFY_SMTP_URL = sink.url
 * const [mail] = await sink.received(1);
 * ```
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const proc = Bun.spawn([process.execPath, resolve(import.meta.dir, "smtp-sink.ts")], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const mails: SunkMail[] = [];
  const waiters: (() => void)[] = [];
  let onReady: (port: number) => void = () => {};
  const ready = new Promise<number>((r) => (onReady = r));
  void pumpLines(proc.stdout, [], (line) => {
    const m = /^ready (\d+)$/.exec(line);
    if (m) return onReady(Number(m[1]));
    mails.push(JSON.parse(line) as SunkMail);
    for (const w of waiters.splice(0)) w();
  });
  const port = await Promise.race([
    ready,
    Bun.sleep(20_000).then(() => Promise.reject(new Error("SMTP sink not ready"))),
  ]);
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async received(n, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (mails.length < n) {
        if (Date.now() > end) throw new Error(`${mails.length} of ${n} mails in ${timeoutMs} ms`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), Bun.sleep(250)]);
      }
      return mails.slice(0, n);
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
