// --model: a model folder, or a bundled model by its folder (models/cnn) from any working directory.
import { existsSync } from 'node:fs';
import { BUNDLED_MODELS, bundledModelDir, defaultModelDir } from '../core/model/modelDirectory';
import { stringFlag, type ParsedArgs } from './args';

export function modelFlag(args: ParsedArgs): string {
  const value = stringFlag(args, 'model');
  if (value === undefined) return defaultModelDir();
  // A folder of that name here wins; otherwise `models/cnn` means the one shipped with this package.
  const bundled = BUNDLED_MODELS.find((m) => m.folder === value.replace(/\/+$/, ''));
  return bundled && !existsSync(value) ? bundledModelDir(bundled) : value;
}
