/**
 * After a template lands in the composer: focus it and select the first `…` placeholder (so
 * typing replaces it), or put the cursor at the end. Waits a frame for the bound value to render.
 */
export function focusTemplate(textarea: HTMLTextAreaElement | undefined, prompt: string): void {
	requestAnimationFrame(() => {
		if (!textarea) return;
		textarea.focus();
		const placeholder = prompt.indexOf('…');
		if (placeholder >= 0) textarea.setSelectionRange(placeholder, placeholder + 1);
		else textarea.setSelectionRange(prompt.length, prompt.length);
	});
}
