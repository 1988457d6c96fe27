import { attachmentInfo, catalogueModel, type AttachmentInfo, type CatalogueModel } from '$lib/api';

/** A catalogue entry as GET /api/models lists it. */
export function aModel(overrides: Partial<CatalogueModel> & Pick<CatalogueModel, 'id'>) {
	return catalogueModel.parse({
		name: overrides.id,
		context_length: 128_000,
		pricing: { prompt: '0.000001', completion: '0.000002' },
		input_modalities: ['text'],
		...overrides
	});
}

/** What POST /api/uploads answers (201) for a stored file. */
export function anAttachment(overrides: Partial<AttachmentInfo> = {}): AttachmentInfo {
	const id = overrides.attachment_id ?? crypto.randomUUID();
	return attachmentInfo.parse({
		attachment_id: id,
		file_name: 'notes.txt',
		mime_type: 'text/plain',
		size_bytes: 12,
		signed_url: `/api/attachments/${id}/content?expires=1&signature=${'0'.repeat(64)}`,
		signed_url_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
		sha256: 'f'.repeat(64),
		created_at: new Date().toISOString(),
		...overrides
	});
}
