// Workspace trust: in Restricted Mode nothing of the workspace (support set, adapters) is used, and the package
// declares it (capabilities), so that VS Code runs the extension there in its limited form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESTRICTED_REASON, workspaceAccess } from '../../src/extension/workspaceAccess';

const folder = { scheme: 'file', fsPath: '/home/me/project' };

test('a trusted local folder may be used; an untrusted one, a virtual one or none may not', () => {
  assert.deepEqual(workspaceAccess(folder, true), { kind: 'allowed', folder: '/home/me/project' });
  const restricted = workspaceAccess(folder, false);
  assert.equal(restricted.kind, 'restricted');
  assert.equal(restricted.kind === 'restricted' && restricted.reason, RESTRICTED_REASON);
  assert.match(RESTRICTED_REASON, /Restricted Mode/);
  assert.match(RESTRICTED_REASON, /support set or adapters/);
  assert.equal(workspaceAccess({ scheme: 'vscode-vfs', fsPath: '/github/x' }, true).kind, 'virtual');
  assert.equal(workspaceAccess({ scheme: 'vscode-vfs', fsPath: '/github/x' }, false).kind, 'restricted', 'trust is asked first');
  assert.deepEqual(workspaceAccess(undefined, false), { kind: 'none' });
});

test('package.json declares limited support for untrusted and virtual workspaces, with the restricted settings', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
  const untrusted = pkg.capabilities?.untrustedWorkspaces;
  assert.equal(untrusted?.supported, 'limited');
  assert.match(untrusted.description, /Restricted Mode/);
  const settings = Object.keys(pkg.contributes.configuration.properties);
  assert.ok(untrusted.restrictedConfigurations.includes('baner.modelPath'));
  for (const name of untrusted.restrictedConfigurations) assert.ok(settings.includes(name), `${name} is a setting of the extension`);
  assert.equal(pkg.capabilities.virtualWorkspaces?.supported, 'limited');
  assert.ok(pkg.capabilities.virtualWorkspaces.description.length > 20);
});
