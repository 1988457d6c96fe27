import type { Artifact } from '$lib/artifacts/artifacts';

/**
 * The artifact preview panel: which artifact is open, and the element that opened it (focus
 * goes back there when the panel closes). One per page, like the page itself.
 */
class ArtifactPanelState {
	#artifact = $state.raw<Artifact | null>(null);
	#opener: HTMLElement | null = null;

	get artifact() {
		return this.#artifact;
	}

	open(artifact: Artifact, opener: HTMLElement | null = null): void {
		this.#artifact = artifact;
		this.#opener = opener;
	}

	close(): void {
		if (!this.#artifact) return;
		this.#artifact = null;
		const opener = this.#opener;
		this.#opener = null;
		if (opener?.isConnected) opener.focus();
	}
}

export const artifactPanel = new ArtifactPanelState();
