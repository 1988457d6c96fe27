/** A field of an elicitation form, from one property of the requested (flat) schema. */
export interface FormField {
	name: string;
	label: string;
	description?: string;
	required: boolean;
	kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'multi';
	inputType: 'text' | 'email' | 'url' | 'date' | 'datetime-local' | 'number';
	options: { value: string; title: string }[];
	min?: number;
	max?: number;
	minLength?: number;
	maxLength?: number;
	initial: FormValue;
}

export type FormValue = string | number | boolean | string[];

type Property = Record<string, unknown>;

const FORMATS: Record<string, FormField['inputType']> = {
	email: 'email',
	uri: 'url',
	date: 'date',
	'date-time': 'datetime-local'
};

function optionsOf(property: Property): { value: string; title: string }[] {
	const oneOf = (property.oneOf ?? property.anyOf) as
		{ const: string; title?: string }[] | undefined;
	if (Array.isArray(oneOf))
		return oneOf.map((option) => ({ value: option.const, title: option.title ?? option.const }));
	const values = property.enum as string[] | undefined;
	const names = property.enumNames as string[] | undefined;
	return (values ?? []).map((value, index) => ({ value, title: names?.[index] ?? value }));
}

const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** The form's fields, in the schema's order. */
export function fieldsOf(schema: Record<string, unknown> | undefined): FormField[] {
	const properties = (schema?.properties ?? {}) as Record<string, Property>;
	const required = new Set((schema?.required as string[] | undefined) ?? []);
	return Object.entries(properties).map(([name, property]) => {
		const type = property.type;
		const options =
			type === 'array' ? optionsOf((property.items ?? {}) as Property) : optionsOf(property);
		const kind: FormField['kind'] =
			type === 'boolean'
				? 'boolean'
				: type === 'number' || type === 'integer'
					? type
					: type === 'array'
						? 'multi'
						: options.length
							? 'enum'
							: 'string';
		const fallback: FormValue =
			kind === 'boolean'
				? false
				: kind === 'multi'
					? []
					: kind === 'number' || kind === 'integer'
						? ''
						: '';
		return {
			name,
			label: typeof property.title === 'string' ? property.title : name,
			description: typeof property.description === 'string' ? property.description : undefined,
			required: required.has(name),
			kind,
			inputType:
				kind === 'number' || kind === 'integer'
					? 'number'
					: (FORMATS[property.format as string] ?? 'text'),
			options,
			min: num(property.minimum),
			max: num(property.maximum),
			minLength: num(property.minLength),
			maxLength: num(property.maxLength),
			initial: (property.default as FormValue | undefined) ?? fallback
		};
	});
}

/** The answer's content: numbers as numbers, empty optional fields left out. */
export function contentFrom(
	fields: FormField[],
	values: Record<string, FormValue>
): Record<string, FormValue> {
	const content: Record<string, FormValue> = {};
	for (const field of fields) {
		const value = values[field.name];
		if (field.kind === 'boolean') content[field.name] = value === true;
		else if (field.kind === 'multi') {
			if (Array.isArray(value) && value.length) content[field.name] = value;
		} else if (value === '' || value === undefined || value === null) continue;
		else if (field.kind === 'number' || field.kind === 'integer')
			content[field.name] = Number(value);
		else content[field.name] = String(value);
	}
	return content;
}
