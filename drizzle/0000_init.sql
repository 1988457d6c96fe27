CREATE TABLE `attachments` (
	`attachment_id` text PRIMARY KEY NOT NULL,
	`session_id` text,
	`file_name` text NOT NULL,
	`gcs_blob` text NOT NULL,
	`mime_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`signed_url` text,
	`signed_url_expires_at` text,
	`created_at` text NOT NULL,
	`last_used_at` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `conversations`(`session_id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `attachments_session_id_idx` ON `attachments` (`session_id`);--> statement-breakpoint
CREATE INDEX `attachments_last_used_at_idx` ON `attachments` (`last_used_at`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`session_id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conversations_updated_at_idx` ON `conversations` (`updated_at`,`session_id`);--> statement-breakpoint
CREATE TABLE `message_attachments` (
	`message_id` integer NOT NULL,
	`attachment_id` text NOT NULL,
	PRIMARY KEY(`message_id`, `attachment_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`attachment_id`) REFERENCES `attachments`(`attachment_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_attachments_attachment_id_idx` ON `message_attachments` (`attachment_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` text NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`reasoning` text,
	`tool_calls` text,
	`tool_call_id` text,
	`model_id` text,
	`usage` text,
	`finish_reason` text,
	`error` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `conversations`(`session_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_session_id_idx` ON `messages` (`session_id`,`id`);