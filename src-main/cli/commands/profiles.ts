import { firstSentence, loadBuiltinProfiles } from '../../engine/profile-library.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode, type ExitCodeValue, isValidationError } from '../exit-codes.js';
import { formatTable } from '../summary.js';

const columns = [
  { header: 'name', alignRight: false },
  { header: 'file', alignRight: false },
  { header: 'what it shows', alignRight: false },
] as const;

/** `sockscope profiles`: lists the built-in profiles with the first sentence of each description. */
export async function profilesCommand(io: CliIo): Promise<ExitCodeValue> {
  let profiles;
  try {
    profiles = await loadBuiltinProfiles();
  } catch (error) {
    // A broken built-in profile is a packaging bug, but the message still says which file.
    if (isValidationError(error)) throw new CliFailure(ExitCode.internal, error.message);
    throw error;
  }
  const rows = profiles.map((builtin) => [builtin.name, builtin.fileName, firstSentence(builtin.profile.description)]);
  const lines = formatTable(columns, rows);
  const example = profiles[0]?.name ?? 'NAME';
  lines.push('', `Run one with "sockscope run --profile NAME" (for example: sockscope run --profile ${example}).`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
