// Public types of the qwen3-livetranslate-flash emulator.

/** A fault queued for the next request(s); `times` defaults to 1; `after` lets that many requests through first. */
export type Fault = { times?: number; after?: number } & (
  | { kind: 'status'; status: number; code?: string; message?: string; retryAfter?: number }
  | { kind: 'arrearage' }
  | { kind: 'input-moderation' }
  | { kind: 'output-moderation'; afterChunks: number }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'slow'; chunkDelayMs: number }
  | { kind: 'stall'; afterChunks: number }
  | { kind: 'length' }
  /** A stream that never finishes: text deltas (and speech when asked for) until the client hangs up. */
  | { kind: 'endless'; chunkDelayMs?: number }
);

export type FragmentMode = 'aligned' | 'padded' | 'unaligned';

/** What successful responses contain and how they are paced. */
export interface ResponseOptions {
  /**
   * Translated text; `undefined` = a generated sentence naming the target, growing with the input length. A function
   * gets the input as received (bytes, sniffed format, measured seconds), so a test can answer with what a segment
   * really holds (e.g. which tone "sentences" of a timeline it contains).
   */
  text: string | undefined | ((input: ReceivedInput) => string);
  /** Seconds of output audio; `undefined` = the input's duration clamped to [1, 300]. */
  audioSeconds: number | undefined;
  /** Frequency of the sine tone carried by the output PCM. */
  toneHz: number;
  /** Amplitude of the tone as a fraction of full scale. */
  toneAmplitude: number;
  /** Range of decoded bytes per audio fragment (each fragment picks a seeded random size in it). */
  fragmentBytes: { min: number; max: number };
  /** How the base64 of the PCM is cut into fragments (see README in index.ts). */
  fragmentMode: FragmentMode;
  /** `interleaved`: each text delta is followed by its share of the audio; `after-text`: all text first. */
  audioOrder: 'interleaved' | 'after-text';
  /** Pause before each chunk: a fixed delay or a seeded random one in [min, max]. */
  chunkDelayMs: number | { min: number; max: number };
  /** Extra pause before the usage chunk (a service slow to report usage after its `finish_reason`). */
  usageDelayMs: number;
  /** Send the trailing `data: [DONE]` line. */
  sendDone: boolean;
  /** Seed of the pseudo-random fragment sizes and delays (reproducible). */
  seed: number;
}

/** The input of one request, for `ResponseOptions.text` as a function. */
export interface ReceivedInput {
  bytes: Buffer;
  format: string;
  durationSecs: number;
  /** Target language code of the request. */
  target: string;
}

export interface RecordedInput {
  kind: 'audio' | 'video';
  /** Format found by sniffing the bytes: wav, mp3, aac, amr, 3gp, mp4, mov, ogg, webm, flac, unknown... */
  sniffed: string;
  declaredFormat?: string;
  bytes: number;
  /** Measured duration (0 when the input was refused before it could be measured). */
  durationSecs: number;
  viaUrl: boolean;
  /** A video's frame size, as its container states it (when it does). */
  width?: number;
  height?: number;
  /** Input tokens the request was billed (audio + frames + text), once measured. */
  promptTokens?: number;
}

export interface RecordedRequest {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  /** Lower-case header names; authorization masked as "Bearer ***". */
  headers: Record<string, string>;
  /** Parsed JSON body with long data URIs shortened (raw text if it was not JSON). */
  body: unknown;
  /** Decoded size of the body's (first, shortened) data URI, when it had one. */
  inputBytes?: number;
  input?: RecordedInput;
  /** Date.now() when the first text delta and the last audio fragment were handed to the socket. */
  firstTextAt?: number;
  lastAudioAt?: number;
  /** HTTP status answered (200 for streams, even if later cut). */
  status: number;
  errorCode?: string;
  /** Chunks handed to the socket, and Date.now() when the response closed (either side). */
  chunksSent?: number;
  closedAt?: number;
}

export interface ModelEmulator {
  /** Base URL to give the openai SDK, e.g. http://127.0.0.1:PORT/compatible-mode/v1 */
  readonly baseUrl: string;
  /** Every request received, in order (also the refused ones). */
  readonly requests: RecordedRequest[];
  /** Queue a fault for the next request(s) (`times`, default 1). */
  inject(fault: Fault): void;
  /** Override what successful responses contain (text, audio length, tone, chunk pacing, fragment mode...). */
  configure(options: Partial<ResponseOptions>): void;
  /** Clear faults, recorded requests and configuration (back to the options given at start). */
  reset(): void;
  close(): Promise<void>;
}

export type StartOptions = { port?: number; apiKeys?: string[] } & Partial<ResponseOptions>;

export const DEFAULT_RESPONSE_OPTIONS: ResponseOptions = {
  text: undefined,
  audioSeconds: undefined,
  toneHz: 440,
  toneAmplitude: 0.5,
  fragmentBytes: { min: 1024, max: 8192 },
  fragmentMode: 'aligned',
  audioOrder: 'interleaved',
  chunkDelayMs: { min: 0, max: 2 },
  usageDelayMs: 0,
  sendDone: true,
  seed: 1,
};
