/** An expected failure with a message for the user (bad file, missing model, ...). */
export class PolypsegError extends Error {
  constructor(
    message: string,
    readonly code: string = 'POLYPSEG_ERROR',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PolypsegError';
  }
}
