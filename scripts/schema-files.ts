import { z } from 'zod';
import { profileSchema, profileSchemaId } from '../src-shared/profile.js';
import { resultSchema, resultSchemaId } from '../src-shared/result.js';

/** One generated file: its path from the repository root and its whole text. */
export interface SchemaFile {
  path: string;
  text: string;
}

/** A URN made of the schema id in the documents ("sockscope.profile/1" -> "urn:sockscope:profile/1"). */
export function schemaUrn(schemaId: string): string {
  return `urn:${schemaId.replace('.', ':')}`;
}

/**
 * The JSON Schemas of profiles and results, generated from the zod schemas in src-shared. The
 * profile schema describes the input side, so fields with defaults are optional for an editor.
 * Cross-field rules (superRefine) have no JSON Schema form; `sockscope run` checks them.
 */
export function renderSchemaFiles(): SchemaFile[] {
  return [
    {
      path: 'schemas/profile.schema.json',
      text: render(profileSchema, 'input', {
        $id: schemaUrn(profileSchemaId),
        title: 'Sockscope profile',
        description:
          'A scenario of TCP and UDP endpoints for "sockscope run". Generated from src-shared/profile.ts; rules between fields (roles, references between endpoints) are checked when the profile is loaded.',
      }),
    },
    {
      path: 'schemas/result.schema.json',
      text: render(resultSchema, 'output', {
        $id: schemaUrn(resultSchemaId),
        title: 'Sockscope run result',
        description: 'What "sockscope run --out" writes. Generated from src-shared/result.ts.',
      }),
    },
  ];
}

interface SchemaHeader {
  $id: string;
  title: string;
  description: string;
}

function render(schema: z.ZodType, io: 'input' | 'output', header: SchemaHeader): string {
  // The default, unrepresentable: 'throw', makes a type without a JSON Schema form fail here
  // instead of quietly becoming "anything" for editors.
  const { $schema, ...body } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
  return `${JSON.stringify({ $schema, ...header, ...body }, null, 2)}\n`;
}
