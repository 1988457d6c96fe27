-- The full-text index holds finished messages only. A reply that streams is rewritten about once a
-- second (chat/reply-draft.ts), and indexing its whole text at each rewrite made a long reply cost
-- the square of its length; it is now indexed once, when its finish reason stops being
-- 'streaming' (its last write, or the start-up that marks it interrupted).
DROP TRIGGER `messages_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `messages_fts_delete`;
--> statement-breakpoint
DROP TRIGGER `messages_fts_update`;
--> statement-breakpoint
INSERT INTO `messages_fts`(`messages_fts`, `rowid`, `content`) SELECT 'delete', `id`, `content` FROM `messages` WHERE `finish_reason` = 'streaming';
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` WHEN new.`finish_reason` IS NOT 'streaming' BEGIN
	INSERT INTO `messages_fts`(`rowid`, `content`) VALUES (new.`id`, new.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` WHEN old.`finish_reason` IS NOT 'streaming' BEGIN
	INSERT INTO `messages_fts`(`messages_fts`, `rowid`, `content`) VALUES ('delete', old.`id`, old.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF `content`, `finish_reason` ON `messages` BEGIN
	INSERT INTO `messages_fts`(`messages_fts`, `rowid`, `content`) SELECT 'delete', old.`id`, old.`content` WHERE old.`finish_reason` IS NOT 'streaming';
	INSERT INTO `messages_fts`(`rowid`, `content`) SELECT new.`id`, new.`content` WHERE new.`finish_reason` IS NOT 'streaming';
END;
