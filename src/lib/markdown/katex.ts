import DOMPurify from 'dompurify';
import type { KatexOptions } from 'katex';
import { MATH_SELECTOR } from './math';

/**
 * KaTeX for the math placeholders of a reply (math.ts), fetched with its CSS the first time a
 * reply holds a formula. A rendered formula keeps its TeX in `data-tex` (placeholders never have
 * one: the reply's own HTML loses every data attribute), so it is rendered once, and copying it
 * copies the TeX.
 */

type Katex = typeof import('katex').default;

let katex: Katex | undefined;
let loading: Promise<Katex> | undefined;

/** KaTeX once loaded, or undefined. */
export const loadedKatex = (): Katex | undefined => katex;

export function loadKatex(): Promise<Katex> {
	loading ??= Promise.all([import('katex'), import('katex/dist/katex.min.css')]).then(
		([module]) => (katex = module.default)
	);
	return loading;
}

/**
 * The TeX is the model's: no `\href`, `\url`, `\htmlClass`, `\includegraphics` (trust: false),
 * and bounded macro expansion and sizes, so a formula can neither link nor load anything, nor
 * hang the page or cover it.
 */
const OPTIONS: KatexOptions = {
	throwOnError: true,
	trust: false,
	strict: 'ignore',
	maxExpand: 1000,
	maxSize: 20,
	output: 'htmlAndMathml'
};

/**
 * The inline styles KaTeX writes (sizes, offsets, colours). The app's policy refuses style
 * attributes, so they are set through the CSSOM instead, and only these.
 */
const STYLE_PROPERTIES = new Set([
	'height',
	'width',
	'min-width',
	'vertical-align',
	'top',
	'bottom',
	'left',
	'margin',
	'margin-top',
	'margin-left',
	'margin-right',
	'padding-left',
	'border-width',
	'border-style',
	'border-color',
	'border-top-width',
	'border-bottom-width',
	'border-right-width',
	'border-right-style',
	'color',
	'background-color',
	'text-shadow',
	'position'
]);
const STYLE_VALUE = /^[#\w\s.,()%+-]*$/;
const POSITIONS = new Set(['relative', 'absolute', 'static']);

/** `style` as declarations KaTeX may set (anything else, or anything loading a URL, dropped). */
function declarations(style: string): [string, string][] {
	const kept: [string, string][] = [];
	for (const declaration of style.split(';')) {
		const colon = declaration.indexOf(':');
		if (colon < 0) continue;
		const name = declaration.slice(0, colon).trim().toLowerCase();
		const value = declaration.slice(colon + 1).trim();
		if (
			!STYLE_PROPERTIES.has(name) ||
			!STYLE_VALUE.test(value) ||
			/url|image|expression/i.test(value)
		)
			continue;
		if (name === 'position' && !POSITIONS.has(value)) continue;
		kept.push([name, value]);
	}
	return kept;
}

/** KaTeX's own class names (trust: false, so TeX cannot add any); never a Svelte-scoped one. */
const KATEX_CLASS = /^(?!svelte-)[a-z][a-z0-9-]*$/i;

let purifier: ReturnType<typeof DOMPurify> | undefined;

function createPurifier() {
	const purify = DOMPurify(window);
	purify.setConfig({
		// MathML for screen readers; its <annotation> holds the TeX.
		ADD_TAGS: ['semantics', 'annotation'],
		ADD_ATTR: ['encoding', STYLE_ATTR],
		// Checked by declarations(), not as a URL.
		ADD_URI_SAFE_ATTR: [STYLE_ATTR],
		FORBID_TAGS: ['style', 'a', 'img', 'image', 'use', 'foreignObject'],
		FORBID_ATTR: ['id', 'name', 'href', 'xlink:href', 'src'],
		ALLOW_DATA_ATTR: false,
		RETURN_DOM: true
	});
	purify.addHook('afterSanitizeAttributes', (node) => {
		if (node.hasAttribute('class')) {
			const kept = [...node.classList].filter((name) => KATEX_CLASS.test(name));
			if (kept.length) node.setAttribute('class', kept.join(' '));
			else node.removeAttribute('class');
		}
	});
	return purify;
}

/**
 * KaTeX's `style` attributes, renamed before parsing: even DOMPurify's inert document applies
 * the page's policy to them (each one reported as refused), and adopted here they would not apply.
 */
const STYLE_ATTR = 'data-katex-style';

/** KaTeX's HTML as nodes of this document, its styles set through the CSSOM (see STYLE_PROPERTIES). */
function toNodes(html: string): DocumentFragment {
	purifier ??= createPurifier();
	// KaTeX escapes `"` in text, so ` style="` is always one of its attributes.
	const body = purifier.sanitize(
		html.replaceAll(' style="', ` ${STYLE_ATTR}="`)
	) as unknown as HTMLElement;
	const styled: [Element, [string, string][]][] = [];
	for (const element of body.querySelectorAll(`[${STYLE_ATTR}]`)) {
		styled.push([element, declarations(element.getAttribute(STYLE_ATTR) ?? '')]);
		element.removeAttribute(STYLE_ATTR);
	}
	const fragment = document.createDocumentFragment();
	fragment.append(...document.adoptNode(body).childNodes);
	for (const [element, kept] of styled)
		for (const [name, value] of kept) (element as HTMLElement).style.setProperty(name, value);
	return fragment;
}

interface Rendered {
	nodes?: DocumentFragment;
	error?: string;
}

/** The formulas rendered lately: the block being streamed is rendered again on every frame. */
const cache = new Map<string, Rendered>();
const CACHE_SIZE = 500;

function render(katex: Katex, tex: string, display: boolean): Rendered {
	const key = `${display ? 'D' : 'I'}${tex}`;
	let rendered = cache.get(key);
	if (rendered) {
		cache.delete(key);
	} else {
		try {
			rendered = {
				nodes: toNodes(katex.renderToString(tex, { ...OPTIONS, displayMode: display }))
			};
		} catch (error) {
			rendered = { error: error instanceof Error ? error.message : String(error) };
		}
		if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
	}
	cache.set(key, rendered);
	return rendered;
}

/** How a formula's TeX is written back (copying, or shown as source when it does not parse). */
export const delimited = (tex: string, display: boolean) => (display ? `$$${tex}$$` : `$${tex}$`);

/**
 * Renders the math placeholders under `root` not rendered yet; true when there were any. A
 * formula KaTeX refuses stays as its source, with the error as its title.
 */
export function renderMathIn(root: ParentNode, katex: Katex): boolean {
	const placeholders = root.querySelectorAll<HTMLElement>(`:is(${MATH_SELECTOR}):not([data-tex])`);
	for (const element of placeholders) {
		const tex = element.textContent ?? '';
		const display = element.classList.contains('math-display');
		const { nodes, error } = render(katex, tex, display);
		element.dataset.tex = tex;
		if (nodes) {
			element.replaceChildren(nodes.cloneNode(true));
		} else {
			element.classList.add('math-error');
			element.textContent = delimited(tex, display);
			element.title = error ?? 'This formula could not be rendered.';
		}
	}
	return placeholders.length > 0;
}

/**
 * The text a copy of `range` puts on the clipboard: the rendered formulas in it as their TeX
 * (KaTeX's HTML and MathML would paste as a jumble of glyphs), or undefined when it holds none.
 */
export function copiedText(range: Range): string | undefined {
	const fragment = range.cloneContents();
	const formulas = fragment.querySelectorAll<HTMLElement>('[data-tex]');
	if (!formulas.length) {
		// The whole selection inside one formula: the fragment holds parts of its glyphs only.
		const start = range.startContainer;
		const element = (start instanceof Element ? start : start.parentElement)?.closest<HTMLElement>(
			'[data-tex]'
		);
		return element
			? delimited(element.dataset.tex ?? '', element.classList.contains('math-display'))
			: undefined;
	}
	for (const formula of formulas)
		formula.replaceWith(
			delimited(formula.dataset.tex ?? '', formula.classList.contains('math-display'))
		);
	// innerText keeps the lines of paragraphs and list items; it needs the text laid out.
	const holder = document.createElement('div');
	holder.style.setProperty('position', 'fixed');
	holder.style.setProperty('left', '-100000px');
	holder.append(fragment);
	document.body.append(holder);
	const text = holder.innerText;
	holder.remove();
	return text;
}
