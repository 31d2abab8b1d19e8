/**
 * k6/x/sse — Server-Sent Events for k6 on libsse; a drop-in for
 * phymbert/xk6-sse. See go-shim/README.md and docs/k6-compat.md.
 */
declare module "k6/x/sse" {
  /** A k6/http cookie jar (`http.cookieJar()` or `new http.CookieJar()`). */
  type CookieJar = object;

  export interface Params {
    /** HTTP method (trimmed), default "GET". */
    method?: string;
    /** Request body (trimmed). */
    body?: string;
    /** Request headers; they replace the defaults of the same name. */
    headers?: { [name: string]: string };
    /** Metric tags added to every sample of this stream. */
    tags?: { [name: string]: string | number | boolean };
    /** Cookie jar; default the VU's jar. */
    jar?: CookieJar;
    /** Whole-stream timeout: Go duration ("30s", "1m30s") or milliseconds. */
    timeout?: string | number;
    /** DNS + TCP + TLS timeout. */
    connectTimeout?: string | number;
    /** Request sent → response headers timeout. */
    headerTimeout?: string | number;
    /** Longest silence allowed between body bytes. */
    idleTimeout?: string | number;
    /** "auto" (ALPN over TLS, HTTP/1.1 in clear), "http1" or "http2". */
    httpVersion?: "auto" | "http1" | "http2";
    /** Parser cap on one line, bytes (default 16 MiB). */
    maxLineBytes?: number;
    /** Parser cap on one event, bytes (default 64 MiB). */
    maxEventBytes?: number;
    /** Events buffered by libsse before it stops reading (default 1024). */
    queueCapacity?: number;
    /** Accept and decode gzip bodies (default true). */
    decompress?: boolean;
    /** Redirects followed (default: k6's maxRedirects option, else 10); 0 follows none. */
    redirects?: number;
    /**
     * Also call the `error` handlers for a non-2xx answer (kind
     * "http_status"). Default false, as xk6-sse: the status, error and body
     * are in the response.
     */
    httpStatusErrors?: boolean;
    /**
     * Push an `sse_event_gap` sample per event (default false): k6 keeps
     * every Trend value, so this costs k6 memory per event.
     */
    eventGaps?: boolean;
    /**
     * Reconnect as a browser's EventSource does after the stream ends or
     * the connection fails: wait the stream's `retry:` (else `retry`),
     * resume with `Last-Event-ID`, stop on a non-2xx answer, a 204 or
     * another content type. `true` = the defaults. sse.open: off by
     * default; EventSource: on by default (off with the `llm` param).
     */
    reconnect?: boolean | Reconnect;
    /**
     * Read the stream as a streaming LLM response in this format (in Go:
     * the script parses nothing) and push the llm_* metrics per request
     * (go-shim/README.md, "LLM metrics"); the figures are also in the
     * response's `llm`. "auto" tells the formats apart by the first event.
     * false or absent: off.
     */
    llm?: "openai" | "openai-responses" | "anthropic" | "auto" | false;
  }

  /** Reconnection settings (durations: Go duration strings or ms). */
  export interface Reconnect {
    /** Failed attempts in a row before giving up; default: no limit (as browsers). */
    maxAttempts?: number;
    /** The wait while the stream has sent no `retry:` field; default "3s". */
    retry?: string | number;
    /** The longest wait, whatever `retry:` says; default "60s". */
    maxRetry?: string | number;
    /** Each wait is lengthened by a random amount up to this; default 0. */
    jitter?: string | number;
  }

  /** One request's LLM figures (the `llm` param). Times in ms. */
  export interface LLMResult {
    /** The response id the server gave (chatcmpl-…, resp_…, msg_…); "" if none. */
    id: string;
    /** The format read: "openai", "openai-responses", "anthropic" ("auto" if undecided). */
    format: string;
    /** Request start → first content chunk; null when no content came. */
    timeToFirstToken: number | null;
    /** (last − first content chunk) / (output tokens − 1); null with fewer than two tokens. */
    timePerOutputToken: number | null;
    /** Output tokens / (last content chunk − request start) in s; null without content. */
    outputTokensPerSecond: number | null;
    /** Events that carried output text. */
    contentChunks: number;
    /** The usage's output tokens, else the content chunks counted. */
    outputTokens: number;
    tokensSource: "usage" | "chunks";
    /** Prompt tokens from the usage; null when the server reported none. */
    inputTokens: number | null;
    /**
     * "stop", "length", "tool_calls", "content_filter", "error" (an error
     * event or a failed stream), "unknown" (no reason given), or the
     * server's own word.
     */
    finishReason: string;
    /** The stream's error event ("llm stream error (TYPE): MESSAGE"), else "". */
    error: string;
  }

  export interface Event {
    /** Last event ID (persists across events until the next `id:`). */
    id: string;
    /** The `event:` field as sent; "" means the default "message". */
    name: string;
    /** Data lines joined by "\n". */
    data: string;
    /** The block's comment lines joined by "\n"; "" if none. */
    comment: string;
    /**
     * When libsse parsed the event's last byte: ms since the epoch with
     * sub-ms precision, on the same clock as Date.now().
     */
    receivedAt: number;
    /** The block's `retry:` value in ms, when it had a valid one. */
    retry?: number;
  }

  export interface SSEError {
    /** The error message (as in xk6-sse). */
    error(): string;
    message: string;
    /**
     * "connect", "dns", "tls", "connect_timeout", "header_timeout",
     * "idle_timeout", "total_timeout", "http_status", "content_type",
     * "protocol", "limit_exceeded", "denied", "io", "invalid_request",
     * "cancelled", "internal" (a bug: please report it), and "none" when
     * the server ended the stream. The names are libsse's own.
     */
    kind: string;
    /** HTTP status for kind "http_status", else 0. */
    status: number;
    /**
     * Reconnecting only: the attempt that comes next (1 = the first after
     * a loss, counting failed attempts in a row) and the wait before it, ms.
     */
    attempt?: number;
    delay?: number;
  }

  export interface Client {
    on(event: "open", handler: () => void): void;
    on(event: "event", handler: (event: Event) => void): void;
    on(event: "error", handler: (error: SSEError) => void): void;
    /** Ends the stream; sse.open returns after the current handlers. */
    close(): void;
  }

  export interface Timings {
    blocked: number;
    connecting: number;
    tls_handshaking: number;
    sending: number;
    waiting: number;
    receiving: number;
    duration: number;
  }

  export interface Response {
    /** The requested URL or, after redirects, where they led. */
    url: string;
    /** HTTP status; 0 when no response arrived. */
    status: number;
    /** Canonical header names; repeated values joined with ", ". */
    headers: { [name: string]: string };
    /**
     * Why the request failed: the connection error when no response
     * arrived, the status (with a body preview) for a non-2xx answer, else "".
     */
    error: string;
    /** The first bytes of a non-2xx answer's body; "" otherwise. */
    body: string;
    /** k6-style request timings, ms. */
    timings: Timings;
    /** With the `llm` param: the request's LLM figures. */
    llm?: LLMResult;
  }

  /**
   * Opens a stream and blocks until it ends, fails, or a handler calls
   * client.close(). The setup function registers handlers before the
   * request starts.
   */
  export function open(url: string, setup: (client: Client) => void): Response;
  export function open(url: string, params: Params | null, setup: (client: Client) => void): Response;

  /** What EventSource listeners receive for a server's event (a MessageEvent's fields, then ours). */
  export interface MessageEvent {
    /** The event's `event:` name, "message" when it had none. */
    type: string;
    /** Data lines joined by "\n". */
    data: string;
    /** The last event ID (persists across events until the next `id:`). */
    lastEventId: string;
    /** scheme://host[:port] of the URL. */
    origin: string;
    /** The block's comment lines joined by "\n"; "" if none. */
    comment: string;
    /** When libsse parsed the event's last byte, ms on the Date.now() clock. */
    receivedAt: number;
    /** The block's `retry:` value in ms, when it had a valid one. */
    retry?: number;
  }

  export interface OpenEvent {
    type: "open";
  }

  /** An error event: why the connection was lost or refused. */
  export interface ErrorEvent extends SSEError {
    type: "error";
  }

  /** `new EventSource(url, params)`: sse.open's params; `reconnect` defaults to true. */
  export type EventSourceInit = Params;

  /**
   * A browser-like EventSource: the constructor starts the stream and
   * returns at once; open, message and error events reach the listeners on
   * the VU's event loop, in order per stream; many streams run on one VU.
   * The iteration ends once every EventSource it made is closed (or the VU
   * stops). Not allowed in init code.
   */
  export class EventSource {
    constructor(url: string, params?: EventSourceInit | null);
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSED: 2;
    readonly CONNECTING: 0;
    readonly OPEN: 1;
    readonly CLOSED: 2;
    /** The URL as given. */
    readonly url: string;
    /** CONNECTING (also while reconnecting), OPEN or CLOSED. Read-only. */
    readonly readyState: 0 | 1 | 2;
    /** The last event ID seen (also what a reconnect sends as Last-Event-ID). */
    readonly lastEventId: string;
    /** Always false (cookies come from the `jar` param). */
    readonly withCredentials: false;
    onopen: ((this: EventSource, ev: OpenEvent) => void) | null;
    onmessage: ((this: EventSource, ev: MessageEvent) => void) | null;
    onerror: ((this: EventSource, ev: ErrorEvent) => void) | null;
    /** After close() this throws: the listener could never run. */
    addEventListener(type: "open", listener: (this: EventSource, ev: OpenEvent) => void, options?: { once?: boolean } | boolean): void;
    addEventListener(type: "error", listener: (this: EventSource, ev: ErrorEvent) => void, options?: { once?: boolean } | boolean): void;
    /** "message" for events without a name, else the event's name. */
    addEventListener(type: string, listener: (this: EventSource, ev: MessageEvent) => void, options?: { once?: boolean } | boolean): void;
    removeEventListener(type: string, listener: (...args: any[]) => void): void;
    /** Closes the stream: readyState CLOSED at once, no more events. */
    close(): void;
  }

  const sse: { open: typeof open; EventSource: typeof EventSource };
  export default sse;
}
