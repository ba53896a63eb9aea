// Profiles written for an older `schema` version are brought up to the current one before they are
// validated, one registered step at a time. A step works on plain JSON and changes only what its
// version changed; validation against the current schema still checks everything afterwards.
import { profileSchemaId } from './profile.js';
import { type FieldProblem, ValidationError, formatPath } from './validation.js';

/**
 * The pre-release draft format, `sockscope.profile/0`. No release ever wrote it; it is the shape
 * the example profiles had while the engine was being built, and the only older version there is.
 * It differs from `sockscope.profile/1` in two ways:
 *
 * - the run length was `duration`, in seconds (a number, fractions allowed), where /1 has
 *   `durationMs`, in whole milliseconds;
 * - socket options (of endpoints and of `set-option` actions) were named after the C constants:
 *   `nodelay`, `sndbuf` and `rcvbuf` where /1 has `noDelay`, `sndBufBytes` and `rcvBufBytes`.
 *
 * Everything else (endpoints, workloads, actions, capture, limits) was already as in /1.
 */
export const draftProfileSchemaId = 'sockscope.profile/0';

/** One step: turns a profile of version `from` into one of version `to`, or reports what stops it. */
export interface ProfileMigration {
  from: string;
  to: string;
  /** What the step changes, in a sentence. */
  summary: string;
  /** Returns the migrated profile (a new object) or the problems, located by their path in the input. */
  migrate(profile: JsonObject): { profile: JsonObject; problems: FieldProblem[] };
}

type JsonObject = Record<string, unknown>;

/** The socket option names of /0 and what /1 calls them. */
const draftOptionNames: Readonly<Record<string, string>> = { nodelay: 'noDelay', sndbuf: 'sndBufBytes', rcvbuf: 'rcvBufBytes' };

const draftToV1: ProfileMigration = {
  from: draftProfileSchemaId,
  to: profileSchemaId,
  summary: 'duration in seconds becomes durationMs; options nodelay, sndbuf and rcvbuf become noDelay, sndBufBytes and rcvBufBytes',
  migrate(input) {
    const problems: FieldProblem[] = [];
    const profile: JsonObject = { ...input, schema: profileSchemaId };
    if ('duration' in profile) {
      const seconds = profile.duration;
      delete profile.duration;
      if ('durationMs' in input) problems.push({ path: 'duration', message: 'give "duration" (seconds, /0) or "durationMs" (/1), not both' });
      else if (typeof seconds !== 'number' || !Number.isFinite(seconds)) problems.push({ path: 'duration', message: 'the run length in seconds, a number' });
      else profile.durationMs = Math.round(seconds * 1000);
    }
    if (Array.isArray(input.endpoints)) {
      profile.endpoints = input.endpoints.map((endpoint: unknown, index) =>
        renameOptions(endpoint, ['endpoints', index, 'options'], problems),
      );
    }
    if (Array.isArray(input.actions)) {
      profile.actions = input.actions.map((action: unknown, index) =>
        isObject(action) && action.do === 'set-option' ? renameOptions(action, ['actions', index, 'options'], problems) : action,
      );
    }
    return { profile, problems };
  },
};

/** Every step, oldest first. A new schema version adds one step from the version before it. */
export const profileMigrations: readonly ProfileMigration[] = [draftToV1];

/** Every `schema` value a profile may have: the current one and each a migration starts from. */
export const knownProfileSchemaIds: readonly string[] = [...profileMigrations.map((step) => step.from), profileSchemaId];

/**
 * Brings a parsed profile file to the current schema version. Input that is not an object, or
 * whose `schema` is missing or not a string, is returned as it is, for validation to report.
 * Throws a ValidationError naming `schema` for a version no migration knows, or naming the fields
 * a step could not convert. `migratedFrom` is the version the profile had, when it was not current.
 */
export function migrateProfile(input: unknown, what = 'the profile'): { profile: unknown; migratedFrom: string | null } {
  if (!isObject(input) || typeof input.schema !== 'string' || input.schema === profileSchemaId) return { profile: input, migratedFrom: null };
  const from = input.schema;
  if (!knownProfileSchemaIds.includes(from)) {
    throw new ValidationError(what, [
      { path: 'schema', message: `unknown version "${from}"; the versions known are ${knownProfileSchemaIds.join(', ')}` },
    ]);
  }
  let profile: JsonObject = input;
  let version = from;
  while (version !== profileSchemaId) {
    const step = profileMigrations.find((candidate) => candidate.from === version);
    // knownProfileSchemaIds lists only versions a step starts from, so a step is always found.
    if (step === undefined) throw new Error(`no migration from ${version}`);
    const migrated = step.migrate(profile);
    if (migrated.problems.length > 0) throw new ValidationError(`${what} (${from})`, migrated.problems);
    profile = migrated.profile;
    version = step.to;
  }
  return { profile, migratedFrom: from };
}

/** A copy of an object whose `options` have the /0 names replaced; a clash of old and new name is a problem. */
function renameOptions(owner: unknown, optionsPath: (string | number)[], problems: FieldProblem[]): unknown {
  if (!isObject(owner) || !isObject(owner.options)) return owner;
  const options: JsonObject = {};
  for (const [name, value] of Object.entries(owner.options)) {
    const newName = draftOptionNames[name];
    if (newName === undefined) {
      options[name] = value;
    } else if (newName in owner.options) {
      problems.push({ path: formatPath([...optionsPath, name]), message: `give "${name}" (/0) or "${newName}" (/1), not both` });
    } else {
      options[newName] = value;
    }
  }
  return { ...owner, options };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
