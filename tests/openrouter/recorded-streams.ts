/**
 * OpenRouter streaming answers as they arrive on the wire (shapes and captured chunks of
 * OpenRouter's documented stream format), with multi-byte
 * text so that splitting inside a UTF-8 character is exercised.
 */

const created = 1756743300;
const base = {
	id: 'gen-1756743299-7ytIBcjALWQQShwMQfw9',
	provider: 'OpenAI',
	model: 'openai/gpt-4o',
	object: 'chat.completion.chunk',
	created
};

const choice = (delta: object, finish: string | null = null) => ({
	index: 0,
	delta: { role: 'assistant', ...delta },
	finish_reason: finish,
	native_finish_reason: finish,
	logprobs: null
});

const data = (chunk: object | string) =>
	`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`;
const content = (text: string) => data({ ...base, choices: [choice({ content: text })] });
const usageChunk = (usage: object, choices: object[] = [choice({ content: '' })]) =>
	data({ ...base, choices, usage });

const fullUsage = {
	prompt_tokens: 194,
	completion_tokens: 12,
	total_tokens: 206,
	cost: 0.00123,
	is_byok: false,
	prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
	cost_details: {
		upstream_inference_cost: null,
		upstream_inference_prompt_cost: 0,
		upstream_inference_completions_cost: 0
	},
	completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 }
};

export interface RecordedStream {
	name: string;
	wire: string;
}

export const recordedStreams: RecordedStream[] = [
	{
		name: 'text with a processing comment and a usage chunk with cost',
		wire:
			': OPENROUTER PROCESSING\n\n' +
			data({ ...base, choices: [choice({ content: '' })] }) +
			content('Grüße') +
			content(', 世界! ') +
			content('👋🏽 naïve café') +
			': OPENROUTER PROCESSING\n\n' +
			content(' — done.') +
			data({ ...base, choices: [choice({ content: '' }, 'stop')] }) +
			usageChunk(fullUsage) +
			data('[DONE]')
	},
	{
		name: 'reasoning deltas before the answer',
		wire:
			': OPENROUTER PROCESSING\n\n' +
			['Let ', 'me ', 'think… ', 'Ωμέγα ', 'first.']
				.map((text) =>
					data({
						...base,
						choices: [
							choice({
								content: '',
								reasoning: text,
								reasoning_details: [{ type: 'reasoning.text', text, format: 'unknown', index: 0 }]
							})
						]
					})
				)
				.join('') +
			content('The answer is ') +
			content('42 ✓') +
			data({ ...base, choices: [choice({ content: '' }, 'stop')] }) +
			usageChunk({ ...fullUsage, completion_tokens_details: { reasoning_tokens: 5 } }) +
			data('[DONE]')
	},
	{
		name: 'parallel tool calls with arguments in fragments',
		wire:
			': OPENROUTER PROCESSING\n\n' +
			data({
				...base,
				choices: [
					choice({
						content: null,
						tool_calls: [
							{
								index: 0,
								id: 'call_a',
								type: 'function',
								function: { name: 'weather__forecast', arguments: '' }
							}
						]
					})
				]
			}) +
			data({
				...base,
				choices: [choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":"' } }] })]
			}) +
			data({
				...base,
				choices: [choice({ tool_calls: [{ index: 0, function: { arguments: 'Zürich ☀' } }] })]
			}) +
			data({
				...base,
				choices: [
					choice({
						tool_calls: [
							{
								index: 1,
								id: 'call_b',
								type: 'function',
								function: { name: 'calculator__evaluate', arguments: '' }
							}
						]
					})
				]
			}) +
			data({
				...base,
				choices: [choice({ tool_calls: [{ index: 0, function: { arguments: '","days":3}' } }] })]
			}) +
			data({
				...base,
				choices: [choice({ tool_calls: [{ index: 1, function: { arguments: '{"expression":' } }] })]
			}) +
			data({
				...base,
				choices: [choice({ tool_calls: [{ index: 1, function: { arguments: '"12*7+3"}' } }] })]
			}) +
			data({
				...base,
				choices: [
					{ index: 0, delta: {}, finish_reason: 'tool_calls', native_finish_reason: 'tool_use' }
				]
			}) +
			usageChunk({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 }, []) +
			data('[DONE]')
	},
	{
		name: 'an error chunk mid-stream with finish_reason "error"',
		wire:
			': OPENROUTER PROCESSING\n\n' +
			content('This reply starts fine ') +
			content('but — ') +
			data({
				id: 'cmpl-abc123',
				object: 'chat.completion.chunk',
				created,
				model: 'openai/gpt-4o',
				provider: 'OpenAI',
				error: { code: 'server_error', message: 'Provider disconnected ⚡' },
				choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }]
			})
	},
	{
		name: 'a complete stream without [DONE]',
		wire:
			content('Hello') +
			content(' there, ünïcødé') +
			data({ ...base, choices: [choice({ content: '' }, 'stop')] }) +
			usageChunk({ prompt_tokens: 42, completion_tokens: 2, total_tokens: 44, cost: 0 })
	},
	{
		name: 'CRLF line endings and keep-alive comments between chunks',
		wire: (
			': OPENROUTER PROCESSING\n\n' +
			content('Line one\nline two') +
			': OPENROUTER PROCESSING\n\n' +
			content(' — “quoted” 🎉') +
			data({ ...base, choices: [choice({ content: '' }, 'length')] }) +
			usageChunk(fullUsage) +
			data('[DONE]')
		).replace(/\n/g, '\r\n')
	},
	{
		name: 'a stream cut off before the end',
		wire: ': OPENROUTER PROCESSING\n\n' + content('This reply is cut ') + content('off in the mïd')
	}
];
