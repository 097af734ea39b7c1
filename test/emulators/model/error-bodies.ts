// DashScope-style error answers: `{"error":{"message","type","param","code"},"request_id"}`.
// Codes and messages follow PLATFORM-FACTS.md; the `type` values are a guess (see DEFAULTS below).

import { randomUUID } from 'node:crypto';

/** A refusal the emulator answers with; thrown by validation and input handling. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** `type` field of the body: invalid_request_error for request mistakes, else the code itself. */
  get type(): string {
    return REQUEST_ERRORS.has(this.code) ? 'invalid_request_error' : this.code;
  }
}

const REQUEST_ERRORS = new Set(['InvalidParameter', 'InvalidApiKey', 'model_not_found']);

/** Default code and message per HTTP status for `{kind:'status'}` faults. */
const DEFAULTS: Record<number, { code: string; message: string }> = {
  400: { code: 'InvalidParameter', message: 'Invalid parameter.' },
  401: { code: 'InvalidApiKey', message: 'Invalid API-key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  408: { code: 'RequestTimeOut', message: 'Request timed out, please try again later.' },
  413: { code: 'BadRequest.TooLarge', message: 'Payload Too Large.' },
  429: { code: 'limit_requests', message: 'Requests rate limit exceeded, please try again later.' },
  500: { code: 'InternalError', message: 'An internal error has occured, please try again later.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable, please try again later.' },
};

export function statusError(status: number, code?: string, message?: string, retryAfter?: number): ServiceError {
  const d = DEFAULTS[status] ?? { code: status >= 500 ? 'InternalError' : 'InvalidParameter', message: 'Error.' };
  const headers: Record<string, string> = {};
  if (status === 429 || retryAfter !== undefined) headers['retry-after'] = String(retryAfter ?? 1);
  return new ServiceError(status, code ?? d.code, message ?? d.message, null, headers);
}

export const invalid = (message: string, param: string | null = null): ServiceError =>
  new ServiceError(400, 'InvalidParameter', message, param);

export const arrearage = (): ServiceError =>
  new ServiceError(400, 'Arrearage', 'Access denied, please make sure your account is in good standing.');

export const inputInspectionFailed = (): ServiceError =>
  new ServiceError(400, 'data_inspection_failed', 'Input data may contain inappropriate content.');

export const OUTPUT_INSPECTION_MESSAGE = 'Output data may contain inappropriate content.';

export function newRequestId(): string {
  return randomUUID();
}

/** The JSON body of an error answer (also the payload of a mid-stream error event). */
export function errorBody(
  err: { message: string; type: string; code: string; param?: string | null },
  requestId: string,
): { error: { message: string; type: string; param: string | null; code: string }; request_id: string } {
  return {
    error: { message: err.message, type: err.type, param: err.param ?? null, code: err.code },
    request_id: requestId,
  };
}
