import { describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import { modelList, modelSettingsResponse, systemPromptResponse } from '$lib/api';
import ModelPicker from '$lib/components/chat/ModelPicker.svelte';
import HeaderModelPicker from '$lib/components/settings/HeaderModelPicker.svelte';
import { AppState } from '$lib/state/app';
import { aModel } from './support/factories';
import { fakeApi, json } from './support/fake-server';
import WithAppState from './support/WithAppState.svelte';

const models = [
	aModel({ id: 'openai/gpt-5', name: 'GPT-5' }),
	aModel({ id: 'anthropic/claude-sonnet-4.5', name: 'Claude Sonnet 4.5' }),
	aModel({ id: 'anthropic/claude-haiku-4.5', name: 'Claude Haiku 4.5' }),
	aModel({ id: 'google/gemini-2.5-pro', name: 'Gemini 2.5 Pro' })
];

async function openPicker() {
	const onselect = vi.fn();
	await render(ModelPicker, { models, selected: 'openai/gpt-5', onselect });
	const trigger = page.getByRole('button', { name: 'Model: GPT-5' });
	(trigger.element() as HTMLElement).focus();
	await userEvent.keyboard('{ArrowDown}');
	const search = page.getByRole('combobox', { name: 'Search models' });
	await expect.element(search).toHaveFocus();
	return { onselect, trigger, search };
}

/** The option the search box points at (the one Enter would pick). */
function activeOption() {
	const search = page.getByRole('combobox', { name: 'Search models' }).element();
	const id = search.getAttribute('aria-activedescendant');
	return id ? document.getElementById(id)?.querySelector('.model-name')?.textContent : undefined;
}

describe('model picker', () => {
	it('opens from the keyboard with the model in use highlighted', async () => {
		const { trigger } = await openPicker();

		await expect.element(trigger).toHaveAttribute('aria-expanded', 'true');
		expect(page.getByRole('option').elements()).toHaveLength(models.length);
		expect(activeOption()).toBe('GPT-5');
	});

	it('narrows the list to the models matching what is typed', async () => {
		await openPicker();

		await userEvent.keyboard('claude');

		await expect.poll(() => page.getByRole('option').elements()).toHaveLength(2);
		await expect.element(page.getByRole('option', { name: /Claude Sonnet 4\.5/ })).toBeVisible();
		await expect.element(page.getByRole('option', { name: /Claude Haiku 4\.5/ })).toBeVisible();
		expect(activeOption()).toBe('Claude Sonnet 4.5');
	});

	it('moves the highlight with ArrowDown and ArrowUp, wrapping at the ends', async () => {
		await openPicker();

		await userEvent.keyboard('{ArrowDown}{ArrowDown}');
		expect(activeOption()).toBe('Claude Haiku 4.5');
		await userEvent.keyboard('{ArrowUp}');
		expect(activeOption()).toBe('Claude Sonnet 4.5');
		await userEvent.keyboard('{ArrowUp}{ArrowUp}');
		expect(activeOption()).toBe('Gemini 2.5 Pro');
	});

	it('picks the highlighted model with Enter and closes', async () => {
		const { onselect, trigger } = await openPicker();

		await userEvent.keyboard('gemini');
		await userEvent.keyboard('{Enter}');

		expect(onselect).toHaveBeenCalledExactlyOnceWith('google/gemini-2.5-pro');
		await expect.element(page.getByRole('listbox')).not.toBeInTheDocument();
		await expect.element(trigger).toHaveFocus();
	});

	it('picks a model reached with the arrows, filtered or not', async () => {
		const { onselect } = await openPicker();

		await userEvent.keyboard('claude{ArrowDown}{Enter}');

		expect(onselect).toHaveBeenCalledExactlyOnceWith('anthropic/claude-haiku-4.5');
	});

	it('closes on Escape without picking and gives focus back to the button', async () => {
		const { onselect, trigger } = await openPicker();

		await userEvent.keyboard('{ArrowDown}{Escape}');

		await expect.element(page.getByRole('listbox')).not.toBeInTheDocument();
		await expect.element(trigger).toHaveAttribute('aria-expanded', 'false');
		await expect.element(trigger).toHaveFocus();
		expect(onselect).not.toHaveBeenCalled();
	});
});

describe('header model picker', () => {
	const settings = (modelId: string) =>
		modelSettingsResponse.parse({
			model_id: modelId,
			provider_overrides: {},
			parameter_overrides: {},
			source: 'settings_file'
		});

	it('saves the model picked with the keyboard and shows it on the button', async () => {
		const server = fakeApi({
			'GET /api/settings/model': () => json(settings('openai/gpt-5')),
			'GET /api/settings/system-prompt': () =>
				json(systemPromptResponse.parse({ system_prompt: null, source: 'default' })),
			'GET /api/models': () => json(modelList.parse({ models, fetched_at: null, error: null })),
			'PUT /api/settings/model': ({ body }) =>
				json(settings((body as { model_id: string }).model_id))
		});
		const app = new AppState({ goto: vi.fn(), invalidateAll: vi.fn() });
		await render(HeaderModelPicker, {}, { wrapper: WithAppState, wrapperProps: { app } });

		const trigger = page.getByRole('button', { name: 'Model: GPT-5' });
		await expect.element(trigger).toBeVisible();
		(trigger.element() as HTMLElement).focus();
		await userEvent.keyboard('{ArrowDown}haiku{Enter}');

		await expect
			.element(page.getByRole('button', { name: 'Model: Claude Haiku 4.5' }))
			.toHaveFocus();
		await expect.poll(() => server.to('PUT', '/api/settings/model')).toHaveLength(1);
		expect(server.to('PUT', '/api/settings/model')[0].body).toEqual({
			model_id: 'anthropic/claude-haiku-4.5'
		});
	});
});
