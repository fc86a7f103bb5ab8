// RocketMQ Connect answers every call with an `HttpResponse {status, body}` envelope; the RocketMQ-dialect
// routes keep that shape so existing scripts parse our answers. Unlike RocketMQ Connect the HTTP status is
// real: errors never travel inside a 200 (they go through the error mapper instead).

import type { Response } from 'express';

export interface HttpResult<T> {
  status: number;
  body: T;
}

export function sendResult<T>(res: Response, body: T, extra: Record<string, unknown> = {}): void {
  const result: HttpResult<T> = { status: 200, body };
  res.status(200).json({ ...result, ...extra });
}
