CREATE TABLE `projects` (
	`project_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`system_prompt` text,
	`model_id` text,
	`web_search` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `conversations` ADD `current_leaf_id` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `model_id` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `project_id` text REFERENCES projects(project_id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `conversations` ADD `pinned_at` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `temporary` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `disabled_servers` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `web_search` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `conversations_project_id_idx` ON `conversations` (`project_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_pinned_at_idx` ON `conversations` (`pinned_at`);--> statement-breakpoint
ALTER TABLE `messages` ADD `parent_id` integer REFERENCES messages(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `messages` ADD `citations` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `resources` text;--> statement-breakpoint
CREATE INDEX `messages_parent_id_idx` ON `messages` (`parent_id`);--> statement-breakpoint
-- Conversations made before the tree become single chains: each message follows the one before it.
UPDATE `messages` SET `parent_id` = (SELECT max(`p`.`id`) FROM `messages` `p` WHERE `p`.`session_id` = `messages`.`session_id` AND `p`.`id` < `messages`.`id`);
--> statement-breakpoint
UPDATE `conversations` SET `current_leaf_id` = (SELECT max(`m`.`id`) FROM `messages` `m` WHERE `m`.`session_id` = `conversations`.`session_id`);
