import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type ArgumentsCheck = (args: Record<string, unknown>) => string | undefined;

// Formats are not checked (MCP servers use them loosely); unknown keywords are ignored.
const options = {
	strict: false,
	allErrors: true,
	validateFormats: false,
	validateSchema: false
} as const;
// Made at the first tool call, not at start-up.
let draft7: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

const MAX_CACHED = 2000;
const compiled = new Map<string, ArgumentsCheck | undefined>();

function describe(errors: ErrorObject[] | null | undefined): string {
	return (errors ?? [])
		.slice(0, 5)
		.map((error) => {
			const where = error.instancePath || '(arguments)';
			if (error.keyword === 'additionalProperties')
				return `${where} has an unknown property "${String(error.params.additionalProperty)}"`;
			if (error.keyword === 'required')
				return `${where} is missing "${String(error.params.missingProperty)}"`;
			return `${where} ${error.message ?? 'is not valid'}`;
		})
		.join('; ');
}

/**
 * Compiles a tool's input schema into a check that answers an error message, or undefined when
 * the arguments fit. A schema Ajv cannot compile yields no check (the server still validates).
 */
export function compileArgumentsCheck(schema: Record<string, unknown>): ArgumentsCheck | undefined {
	const key = JSON.stringify(schema);
	if (compiled.has(key)) return compiled.get(key);
	const { $schema, $id: _id, ...rest } = schema;
	const ajv =
		typeof $schema === 'string' && /2019-09|2020-12/.test($schema)
			? (draft2020 ??= new Ajv2020(options))
			: (draft7 ??= new Ajv(options));
	let check: ArgumentsCheck | undefined;
	try {
		const validate: ValidateFunction = ajv.compile(rest);
		check = (args) => (validate(args) ? undefined : describe(validate.errors));
	} catch {
		check = undefined;
	} finally {
		// Ajv keeps every compiled schema object; tool lists are re-read on refresh, so let go.
		ajv.removeSchema(rest);
	}
	if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
	compiled.set(key, check);
	return check;
}
