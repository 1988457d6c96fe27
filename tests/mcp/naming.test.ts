import { describe, expect, it } from 'vitest';
import { assignToolNames, TOOL_NAME, toolKey, type ToolKey } from '$lib/server/mcp/naming';

const nameOf = (keys: ToolKey[], key: ToolKey) => assignToolNames(keys).get(toolKey(key))!;

describe('tool naming', () => {
	it('prefixes tools with their server id', () => {
		const key = { serverId: 'calculator', tool: 'evaluate' };
		expect(nameOf([key], key)).toBe('calculator__evaluate');
	});

	it('replaces characters a function name cannot hold', () => {
		const key = { serverId: 'files', tool: 'read.file/v2 (beta)' };
		const name = nameOf([key], key);
		expect(name).toMatch(TOOL_NAME);
		expect(name.startsWith('files__read_file_v2')).toBe(true);
	});

	it('shortens long names to 64 characters with a stable hash', () => {
		const key = {
			serverId: 'a-very-long-server-identifier',
			tool: 'an_extremely_long_tool_name_that_goes_on_and_on_forever'
		};
		const first = nameOf([key], key);
		expect(first).toMatch(TOOL_NAME);
		expect(first).toHaveLength(64);
		expect(nameOf([{ serverId: 'other', tool: 'x' }, key], key)).toBe(first);
	});

	it('never gives two long tools with the same beginning the same name', () => {
		const prefix = 'tool_with_a_shared_and_rather_long_prefix_that_fills_the_budget_';
		const keys = [1, 2, 3].map((n) => ({ serverId: 'srv', tool: `${prefix}${n}` }));
		const names = keys.map((key) => nameOf(keys, key));
		expect(new Set(names).size).toBe(3);
		for (const name of names) expect(name).toMatch(TOOL_NAME);
	});

	it('keeps the exact name and hashes the one that only matches after sanitizing', () => {
		const exact = { serverId: 'docs', tool: 'get_page' };
		const mangled = { serverId: 'docs', tool: 'get.page' };
		const keys = [mangled, exact];
		expect(nameOf(keys, exact)).toBe('docs__get_page');
		expect(nameOf(keys, mangled)).not.toBe('docs__get_page');
		expect(nameOf(keys, mangled)).toMatch(TOOL_NAME);
	});

	it('separates servers whose ids and tool names meet at the double underscore', () => {
		const one = { serverId: 'a__b', tool: 'c' };
		const two = { serverId: 'a', tool: 'b__c' };
		const names = [nameOf([one, two], one), nameOf([one, two], two)];
		expect(names[0]).not.toBe(names[1]);
	});

	it('does not depend on the order servers connected in', () => {
		const keys = [
			{ serverId: 's1', tool: 'x.y' },
			{ serverId: 's1', tool: 'x_y' },
			{ serverId: 's1', tool: 'x-y' },
			{ serverId: 's2', tool: 'y'.repeat(80) }
		];
		const forward = assignToolNames(keys);
		const backward = assignToolNames([...keys].reverse());
		expect([...backward.entries()].sort()).toEqual([...forward.entries()].sort());
	});

	it('keeps a thousand similar tools apart', () => {
		const keys = Array.from({ length: 1000 }, (_, n) => ({
			serverId: `server.${n % 7}`,
			tool: `tool ${n}`.padEnd(70, '!')
		}));
		const names = assignToolNames(keys);
		expect(new Set(names.values()).size).toBe(1000);
		for (const name of names.values()) expect(name).toMatch(TOOL_NAME);
	});
});
