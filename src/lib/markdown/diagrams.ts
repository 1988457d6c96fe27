/**
 * What the page needs of the diagrams before any is drawn: whether a text could hold one, and
 * the theme they are drawn in. Apart from mermaid.ts, which loads with the first diagram.
 */

/** Whether `text` could hold a mermaid block (cheap: decides whether to look at all). */
export const mayHaveDiagram = (text: string) => /(`{3,}|~{3,})\s*mermaid/i.test(text);

export function isDark(): boolean {
	const theme = document.documentElement.dataset.theme;
	return theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls `onchange` when the page switches between light and dark; returns the unsubscribe. */
export function watchTheme(onchange: () => void): () => void {
	const media = matchMedia('(prefers-color-scheme: dark)');
	let dark = isDark();
	const check = () => {
		if (isDark() === dark) return;
		dark = isDark();
		onchange();
	};
	const observer = new MutationObserver(check);
	observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
	media.addEventListener('change', check);
	return () => {
		observer.disconnect();
		media.removeEventListener('change', check);
	};
}
