// Cooperative cancellation for long-running engine work (training, adapter search).
// Kept free of 'vscode' so the core engine can run anywhere; the extension bridges its own tokens onto these.

export class CancelledError extends Error {
  constructor(message = 'Operation cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export interface CancelToken {
  readonly cancelled: boolean;
}

export class CancelSource {
  private isCancelled = false;
  readonly token: CancelToken;

  constructor() {
    const source = this;
    this.token = {
      get cancelled(): boolean {
        return source.isCancelled;
      },
    };
  }

  cancel(): void {
    this.isCancelled = true;
  }
}
