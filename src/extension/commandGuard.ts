// How commands report failures: a user's mistake (UserError) as information, anything else as an error (or, for
// the views' own commands, every failure as information); the command resolves to undefined instead of throwing
// into VS Code.
import * as vscode from 'vscode';

/** A mistake of the user's, not a failure (shown as information). */
export class UserError extends Error {}

export async function guarded<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = `BANER: ${(error as Error).message}`;
    if (error instanceof UserError) void vscode.window.showInformationMessage(message);
    else void vscode.window.showErrorMessage(message);
    return undefined;
  }
}

/** For the Next Sentences and Entities views: any failure there (nothing to rank, no mention) is shown as information. */
export async function guardedAsInformation<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    void vscode.window.showInformationMessage(`BANER: ${(error as Error).message}`);
    return undefined;
  }
}
